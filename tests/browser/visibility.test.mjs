// Per-idea visibility as people meet it, in Debian's chromium: a client
// proposes an idea for "only my organisation and the bank" (a choice of
// two on the form), sees it marked so; a client of another organisation
// is answered "not found"; the bank proposes opening it from the idea's
// desk; the author opens it with one button.  With JavaScript and
// without, in English and German, wide and narrow; axe-core where
// JavaScript runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { BASE, person, sqlValue, unique } from '../lib/drive.mjs';

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

const runs = [
  { width: 1280, lang: 'en', js: true, name: 'Intercompany netting window' },
  { width: 375, lang: 'en', js: false, name: 'Payment factory cut-off times' },
  { width: 375, lang: 'de', js: true, name: 'Zahlungsfabrik Annahmeschluss' },
];

async function context(who, { width, lang, js }) {
  const b = randomBytes(3);
  const ctx = await browser.newContext({
    viewport: { width, height: 900 },
    javaScriptEnabled: js,
    locale: lang === 'de' ? 'de-DE' : 'en-GB',
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}`, 'accept-language': lang },
  });
  await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
  return ctx;
}

async function axe(page) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), []);
}

for (const run of runs) {
  const { width, lang, js, name } = run;
  const shot = (what) => `${SHOTS}/${lang}-visibility-${what}-${width}${js ? '' : '-nojs'}.png`;
  test(`a private idea: proposed, hidden from another organisation, opened by its author (${lang}, ${width} px, JavaScript ${js})`,
    { timeout: 90_000 }, async () => {
      const org = unique('Org');
      const author = await person('client', org);
      const other = await person('client');
      const pm = await person('pm');

      // Proposing: the choice, the idea marked.
      let ctx = await context(author, run);
      let page = await ctx.newPage();
      await page.goto(`${BASE}/ideas/new`);
      assert.ok(await page.locator('#audience-all').isChecked(), 'open to all by default');
      const title = `${name} ${unique('v')}`;
      // A public idea with a like title: proposing asks "did you mean"
      // first, and the choice of audience must survive that step.
      assert.equal((await other.api('POST', '/api/v1/ideas', { title: `${name} for us too`, area: 'fx' })).status, 201);
      await page.fill('#title', title);
      await page.selectOption('#area', 'fx');
      await page.fill('#body', 'Shows how our treasury runs.');
      await page.check('#audience-organization');
      if (js) await axe(page);
      await page.screenshot({ path: shot('new'), fullPage: true });
      await Promise.all([page.waitForNavigation(), page.click('form[action="/ideas/new"] button[type="submit"]')]);
      assert.match(page.url(), /\/ideas\/new$/);
      assert.equal(await page.locator('input[name="confirm"]').count(), 1, await page.locator('main').innerText());
      assert.ok(await page.locator('#audience-organization').isChecked(), 'the choice is kept');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/ideas/new"] button[type="submit"]')]);
      assert.match(page.url(), /\/ideas\/\d+$/);
      const id = Number(page.url().match(/(\d+)$/)[1]);
      assert.equal(sqlValue(`SELECT audience_org IS NOT NULL FROM ideas WHERE id = ${id}`), 't');
      assert.ok(await page.locator('.badge-private').first().isVisible());
      await ctx.close();

      // Another organisation: not found.
      ctx = await context(other, run);
      page = await ctx.newPage();
      const res = await page.goto(`${BASE}/ideas/${id}`);
      assert.equal(res.status(), 404);
      await ctx.close();

      // The bank proposes from the idea's desk.
      ctx = await context(pm, run);
      page = await ctx.newPage();
      await page.goto(`${BASE}/ideas/${id}`);
      await Promise.all([page.waitForNavigation(),
        page.click(`form[action="/ideas/${id}/audience/proposal"] button`)]);
      assert.ok(await page.locator('#audience .desk-text').nth(1).isVisible(), 'the desk says it awaits the author');
      if (js) await axe(page);
      await ctx.close();

      // The author is asked, and opens it.
      ctx = await context(author, run);
      page = await ctx.newPage();
      await page.goto(`${BASE}/ideas/${id}`);
      const ask = page.locator('section.audience-ask');
      assert.ok(await ask.isVisible());
      if (js) await axe(page);
      await page.screenshot({ path: shot('ask'), fullPage: true });
      await Promise.all([page.waitForNavigation(),
        page.click(`section.audience-ask form:has(input[value="accept"]) button`)]);
      assert.equal(await page.locator('section.audience-ask').count(), 0);
      assert.equal(await page.locator('.badge-private').count(), 0);
      assert.equal(sqlValue(`SELECT audience_org IS NULL FROM ideas WHERE id = ${id}`), 't');
      await ctx.close();

      ctx = await context(other, run);
      page = await ctx.newPage();
      assert.equal((await page.goto(`${BASE}/ideas/${id}`)).status(), 200, 'open to all now');
      await ctx.close();
    });
}
