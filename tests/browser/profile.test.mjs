// The profile's password form refused: every field's error next to it,
// no password sent back, checked with axe-core and photographed wide and
// narrow (Debian's chromium).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, sqlValue } from '../lib/drive.mjs';

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => { await browser?.close(); });

for (const width of [1280, 375]) {
  test(`the password form with every field wrong, at ${width} px`, { timeout: 60_000 }, async () => {
    const p = await person('client');
    const b = randomBytes(3);
    const ctx = await browser.newContext({
      viewport: { width, height: 900 },
      extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
    });
    await ctx.addCookies([{ name: 'drive_session', value: p.cookies.get('drive_session'), url: BASE }]);
    const page = await ctx.newPage();
    await page.goto(`${BASE}/profile`);
    // What the browser's own checks would stop: the server's answer.
    await page.evaluate(() => { document.querySelector('form[action^="/profile/password"]').noValidate = true; });
    await page.fill('#pw-current', '');
    await page.fill('#pw-new', 'too short');
    await page.fill('#pw-confirm', 'not the same at all');
    const [res] = await Promise.all([page.waitForNavigation(),
      page.click('form[action^="/profile/password"] button[type="submit"]')]);
    assert.equal(res.status(), 422);
    for (const id of ['#pw-current-error', '#pw-new-error', '#pw-confirm-error']) {
      assert.ok(await page.locator(id).isVisible(), id);
    }
    assert.equal(await page.locator('#pw-new').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#pw-new').inputValue(), '', 'no password sent back');
    assert.equal(await page.locator('#p-name').inputValue(), p.name);
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
    assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), []);
    await page.locator('#password').screenshot({ path: `${SHOTS}/en-profile-password-errors-${width}.png` });
    await page.screenshot({ path: `${SHOTS}/en-profile-password-errors-${width}-page.png`, fullPage: true });
    await ctx.close();
  });
}

// Issue 14, item 2: a German reader who never chose a language saves the
// profile (a new display name) and stays German, with JavaScript and
// without.
for (const javaScriptEnabled of [true, false]) {
  test(`saving the profile keeps the language the page is read in (JavaScript ${javaScriptEnabled})`,
    { timeout: 60_000 }, async () => {
      const p = await person('client');
      assert.equal(sqlValue(`SELECT lang IS NULL FROM users WHERE id = ${p.id}`), 't', 'no language saved yet');
      const ctx = await browser.newContext({ locale: 'de-DE', javaScriptEnabled, viewport: { width: 375, height: 800 } });
      await ctx.addCookies([{ name: 'drive_session', value: p.cookies.get('drive_session'), url: BASE }]);
      const page = await ctx.newPage();
      await page.goto(`${BASE}/profile`);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      assert.equal(await page.locator('#p-lang').inputValue(), 'de', 'German preselected');
      await page.fill('#p-name', 'Ana Neu');
      await Promise.all([page.waitForNavigation(),
        page.click('form[action="/profile"] button[type="submit"]')]);
      assert.equal(await page.getAttribute('html', 'lang'), 'de', 'still German after saving');
      assert.equal(sqlValue(`SELECT lang FROM users WHERE id = ${p.id}`), 'de');
      assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${p.id}`), 'Ana Neu');
      if (javaScriptEnabled) await page.screenshot({ path: `${SHOTS}/de-profile-saved-375.png`, fullPage: true });
      await ctx.close();
    });
}
