// Issue 14, item 17, as an admin sees it: the audit page with actions in
// words and details as sentences, the action select, at 1280 and 375 px
// in English and German; axe-core finds nothing serious.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { BASE, person, Client } from '../lib/drive.mjs';

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

test('the audit page in words, wide and narrow, English and German', { timeout: 90_000 }, async () => {
  const admin = await person('admin');
  const pm = await person('pm');
  await new Client().signIn(pm.email, 'not the password at all');
  await admin.api('PATCH', `/api/v1/users/${pm.id}`, { role: 'admin' });
  for (const [locale, lang, roleChanged] of [['en-US', 'en', 'Role changed'], ['de-DE', 'de', 'Rolle geändert']]) {
    for (const width of [1280, 375]) {
      const ctx = await browser.newContext({ locale, viewport: { width, height: 900 } });
      await ctx.addCookies([{ name: 'drive_session', value: admin.cookies.get('drive_session'), url: BASE }]);
      const page = await ctx.newPage();
      await page.goto(`${BASE}/admin/audit`);
      // The filter: choose an action by its name, no JavaScript needed.
      await page.selectOption('#a-action', 'user.role');
      await Promise.all([page.waitForNavigation(), page.click('form.audit-filters button[type="submit"]')]);
      assert.equal(new URL(page.url()).searchParams.get('action'), 'user.role');
      assert.equal((await page.locator('.audit-table tbody .a-label').first().textContent()).trim(), roleChanged);
      const bad = (await new AxeBuilder({ page }).analyze()).violations
        .filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => `${v.id}: ${v.help}`);
      assert.deepEqual(bad, [], `${lang} ${width}`);
      await page.goto(`${BASE}/admin/audit`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-audit-words-${width}.png`, fullPage: true });
      await ctx.close();
    }
  }
});
