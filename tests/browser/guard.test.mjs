// The sensitive-data guard as an author meets it, in Debian's chromium:
// an IBAN in a new idea's description stops the post with a message next
// to the field (the kind, a masked excerpt, the line) and the text kept;
// ticking "publish it anyway" posts it.  With JavaScript and without, in
// English and German, wide and narrow; axe-core where JavaScript runs.
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

// Titles unlike each other, so that no "did you mean" step comes between.
const runs = [
  { width: 1280, lang: 'en', js: true, name: 'Payout account check' },
  { width: 375, lang: 'en', js: false, name: 'Release rules for treasury' },
  { width: 375, lang: 'de', js: true, name: 'Auszahlungen freigeben' },
];

for (const { width, lang, js, name } of runs) {
  test(`an IBAN in a new idea: stopped at the field, then published on confirmation (${lang}, ${width} px, JavaScript ${js})`,
    { timeout: 90_000 }, async () => {
      const p = await person('client');
      const b = randomBytes(3);
      const ctx = await browser.newContext({
        viewport: { width, height: 900 },
        javaScriptEnabled: js,
        locale: lang === 'de' ? 'de-DE' : 'en-GB',
        extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}`, 'accept-language': lang },
      });
      await ctx.addCookies([{ name: 'drive_session', value: p.cookies.get('drive_session'), url: BASE }]);
      const page = await ctx.newPage();
      const title = `${name} ${unique('g')}`;
      const body = 'Please check payouts before release.\nOur account is DE89 3704 0044 0532 0130 00 at the moment.';
      await page.goto(`${BASE}/ideas/new`);
      await page.fill('#title', title);
      await page.selectOption('#area', 'fx');
      await page.fill('#body', body);
      const before = Number(sqlValue('SELECT count(*) FROM ideas'));
      await Promise.all([page.waitForNavigation(), page.click('form[action="/ideas/new"] button[type="submit"]')]);
      assert.equal(Number(sqlValue('SELECT count(*) FROM ideas')), before, 'nothing stored');
      const err = page.locator('#body-error');
      assert.ok(await err.isVisible(), 'the message is next to the description');
      assert.match(await err.innerText(), /IBAN/);
      assert.ok(!(await err.innerText()).includes('0532 0130 00'), 'the number is masked');
      assert.equal(await page.locator('#body').inputValue(), body, 'the text is kept');
      if (js) {
        const result = await new AxeBuilder({ page }).analyze();
        const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
        assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), []);
      }
      await page.screenshot({ path: `${SHOTS}/${lang}-guard-refused-${width}${js ? '' : '-nojs'}.png`, fullPage: true });

      await page.check('input[name="confirm_sensitive"]');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/ideas/new"] button[type="submit"]')]);
      const id = sqlValue(`SELECT id FROM ideas WHERE title = '${title}'`);
      assert.ok(id, 'published once confirmed');
      assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'idea.sensitive_confirmed' AND target = 'idea:${id}'`), '1');
      await ctx.close();
    });
}
