// The weekly digest's pages without JavaScript, in English and German,
// wide and narrow, checked with axe-core and photographed: the
// unsubscribe link's page (no session), its answer, a wrong link's 400,
// and the profile's setting.  The token is made here as drive-mailer
// makes it (README, "Weekly digest"), from the key the suite's Kore has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, sqlValue, recordSecret } from '../lib/drive.mjs';

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => { await browser?.close(); });

function token(id) {
  const key = Buffer.from(process.env.DRIVE_SECRET_KEY, 'hex');
  const dkey = createHmac('sha256', key).update('drive digest unsubscribe').digest();
  const mac = createHmac('sha256', dkey).update(`unsubscribe:${id}`).digest('hex').slice(0, 32);
  const t = `${id}.${mac}`;
  recordSecret('digest_token', t);
  return t;
}

async function axe(page, what) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], what);
}

const digestOf = (p) => sqlValue(`SELECT digest FROM users WHERE id = ${p.id}`);

async function noSideways(page, what) {
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `${what} scrolls sideways by ${overflow}px`);
}

function context(lang, width, js, person) {
  return browser.newContext({ locale: lang === 'de' ? 'de-DE' : 'en-GB', javaScriptEnabled: js,
    viewport: { width, height: 800 } }).then(async (ctx) => {
    if (person) await ctx.addCookies([{ name: 'drive_session', value: person.cookies.get('drive_session'), url: BASE }]);
    return ctx;
  });
}

for (const lang of ['en', 'de']) {
  for (const width of [1280, 375]) {
    test(`unsubscribing by the link, without signing in or JavaScript (${lang}, ${width} px)`,
      { timeout: 60_000 }, async () => {
        const p = await person('client');
        const link = `${BASE}/digest/unsubscribe?token=${token(p.id)}`;
        const bad = `${BASE}/digest/unsubscribe?token=${p.id}.${'0'.repeat(32)}`;
        // Without JavaScript: the question, the button, the answer.
        let ctx = await context(lang, width, false);
        let page = await ctx.newPage();
        let res = await page.goto(link);
        assert.equal(res.status(), 200);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal(digestOf(p), 't', 'opening the link changes nothing');
        await page.screenshot({ path: `${SHOTS}/${lang}-digest-unsubscribe-${width}.png`, fullPage: true });
        [res] = await Promise.all([page.waitForNavigation(), page.click('main button[type="submit"]')]);
        assert.equal(res.status(), 200);
        assert.equal(digestOf(p), 'f');
        assert.ok(await page.locator('.alert-success').isVisible());
        await page.screenshot({ path: `${SHOTS}/${lang}-digest-unsubscribed-${width}.png`, fullPage: true });
        res = await page.goto(bad);
        assert.equal(res.status(), 400);
        await page.screenshot({ path: `${SHOTS}/${lang}-digest-unsubscribe-invalid-${width}.png`, fullPage: true });
        await ctx.close();
        // axe (which needs JavaScript) on the same three pages.
        ctx = await context(lang, width, true);
        page = await ctx.newPage();
        await page.goto(link);
        await axe(page, 'the question');
        await noSideways(page, 'the question');
        await Promise.all([page.waitForNavigation(), page.click('main button[type="submit"]')]);
        assert.ok(await page.locator('.alert-success').isVisible());
        await axe(page, 'the answer');
        await noSideways(page, 'the answer');
        await page.goto(bad);
        await axe(page, 'a wrong link');
        await ctx.close();
      });
  }

  test(`the profile turns the digest off and on without JavaScript (${lang})`, { timeout: 60_000 }, async () => {
    const p = await person('client');
    let ctx = await context(lang, 375, false, p);
    let page = await ctx.newPage();
    await page.goto(`${BASE}/profile`);
    assert.ok(await page.locator('#p-digest').isChecked(), 'on for everyone');
    await page.locator('#p-digest').uncheck();
    await Promise.all([page.waitForNavigation(), page.click('form[action="/profile"] button[type="submit"]')]);
    assert.equal(digestOf(p), 'f');
    assert.ok(!(await page.locator('#p-digest').isChecked()));
    await page.locator('form[action="/profile"]').screenshot({ path: `${SHOTS}/${lang}-profile-digest-375.png` });
    await page.locator('#p-digest').check();
    await Promise.all([page.waitForNavigation(), page.click('form[action="/profile"] button[type="submit"]')]);
    assert.equal(digestOf(p), 't');
    await ctx.close();
    ctx = await context(lang, 375, true, p);
    page = await ctx.newPage();
    await page.goto(`${BASE}/profile`);
    await axe(page, 'the profile');
    await noSideways(page, 'the profile');
    await ctx.close();
  });
}
