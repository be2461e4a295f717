// The weekly digest's pages without JavaScript, in English and German,
// wide and narrow, checked with axe-core and photographed: the
// unsubscribe link's page (no session), its answer, a wrong link's 400,
// and the profile's setting; and the digest mail itself as a mail
// program shows it (as browser/mail.test.mjs shows the others).  The token is made here as drive-mailer
// makes it (README, "Weekly digest"), from the key the suite's Kore has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, ROOT, person, sql, sqlValue, unique, recordSecret, respond } from '../lib/drive.mjs';

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

const dir = mkdtempSync(join(tmpdir(), 'drive-digest-eml-'));

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

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

// The mailer writes .eml files here, with the suite's key.
function mailerOnce() {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'build', 'drive-mailer'), ['--once'], {
      env: {
        PATH: process.env.PATH,
        DRIVE_DATABASE_URL: process.env.DRIVE_DATABASE_URL,
        DRIVE_SMTP_URL: '',
        DRIVE_MAIL_DIR: dir,
        DRIVE_BASE_URL: BASE,
        DRIVE_ROOT: process.env.DRIVE_ROOT,
        DRIVE_SECRET_KEY: process.env.DRIVE_SECRET_KEY,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => { log += d; });
    child.on('exit', (code) => (code === 0 ? resolve(log) : reject(new Error(log))));
  });
}

test('the digest mail: the portal\'s look, each idea with its news, the links, both languages, 375 and 600 px',
  { timeout: 90_000 }, async () => {
    const pm = await person('pm');
    const approver = await person('pm');
    const people = {};
    const ideas = [];
    for (const lang of ['en', 'de']) {
      const p = await person('client');
      sql(`UPDATE users SET lang = '${lang}' WHERE id = ${p.id}`);
      const other = await person('client');
      for (const [i, status] of [[1, 'planned'], [2, 'under_review']]) {
        const idea = (await p.api('POST', '/api/v1/ideas',
          { title: unique(`Digest look ${i}`), body: 'Body.', area: 'cash-management' })).json;
        ideas.push(idea.id);
        const answer = await respond(pm, approver, idea.id, status, `We will look at **this** (${i}).`);
        assert.ok([200, 201].includes(answer.status), answer.text);
        await other.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Us too.' });
      }
      people[lang] = p;
    }
    const [start] = sql('SELECT period_start FROM digest_period(604800)')[0];
    sql(`UPDATE responses SET created_at = '${start}'::timestamptz + interval '1 day' WHERE idea_id IN (${ideas})`);
    sql(`UPDATE comments SET created_at = '${start}'::timestamptz + interval '2 days' WHERE idea_id IN (${ideas})`);
    await mailerOnce();
    for (const [lang, want] of [['en', { open: 'Stop the weekly digest', status: 'Planned' }],
      ['de', { open: 'Übersicht abbestellen', status: 'Geplant' }]]) {
      const p = people[lang];
      const id = sqlValue(`SELECT id FROM outbox WHERE user_id = ${p.id} AND kind = 'digest' AND status = 'sent'`);
      assert.ok(id, `${lang}: a digest was sent`);
      const mail = await simpleParser(readFileSync(join(dir, `outbox-${id}.eml`), 'utf8'));
      assert.ok(!/<link|<style|<script|src="http/i.test(mail.html), 'inline styles only, nothing remote');
      for (const width of [375, 600]) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        page.setDefaultTimeout(5_000);
        const remote = [];
        await page.route('**/*', (route) => { remote.push(route.request().url()); route.abort(); });
        await page.setContent(mail.html, { waitUntil: 'load' });
        assert.deepEqual(remote, [], 'nothing remote is loaded');
        assert.equal(await page.locator('h2 a').count(), 2, 'two ideas, each a heading with its link');
        assert.equal(await page.getByText(want.status, { exact: true }).count(), 1, `${lang}: the status in words`);
        const unsub = page.locator('a[href*="/digest/unsubscribe?token="]');
        assert.equal(await unsub.count(), 1);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scroll <= width, `${lang} ${width}: no sideways scrolling (${scroll})`);
        const axe = await new AxeBuilder({ page }).analyze();
        const bad = axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
        assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], `axe on the ${lang} digest`);
        await page.screenshot({ path: `${SHOTS}/mail-digest-${lang}-${width}.png`, fullPage: true });
        await context.close();
      }
      // The link in the mail opens the page that asks first.
      const url = (/href="([^"]*\/digest\/unsubscribe\?token=[^"]*)"/.exec(mail.html) || [])[1];
      recordSecret('digest_token', new URL(url).searchParams.get('token'));
      const ctx = await browser.newContext({ locale: lang === 'de' ? 'de-DE' : 'en-GB', javaScriptEnabled: false });
      const page = await ctx.newPage();
      await page.goto(url);
      assert.ok(await page.getByRole('button', { name: want.open }).isVisible());
      await ctx.close();
    }
  });
