// Two-step sign-in as a person meets it, in Debian's chromium: setting up
// the authenticator from the profile (the QR code drawn on the server, the
// key as text), the recovery codes, and the sign-in's second step; then
// the admin's policy and reset pages.  With JavaScript and without, in
// English and German, wide and narrow; axe-core on every page (axe needs
// JavaScript, so it runs on the pages of the JavaScript runs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import otplib from 'otplib';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { BASE, person, recordSecret, sql, PASSWORD } from '../lib/drive.mjs';

const { authenticator } = otplib;
const codeAt = (secret, offset = 0) =>
  authenticator.clone({ epoch: Date.now() + offset * 1000 }).generate(secret);
async function steady() {
  const into = (Date.now() / 1000) % 30;
  if (into > 27) await new Promise((r) => setTimeout(r, (30 - into + 0.3) * 1000));
}

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  sql('UPDATE second_factor_policy SET required = false');
});

async function context(width, lang, javaScriptEnabled) {
  const b = randomBytes(3);
  return browser.newContext({
    viewport: { width, height: 900 },
    locale: lang === 'de' ? 'de-DE' : 'en-GB',
    javaScriptEnabled,
    extraHTTPHeaders: {
      'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}`,
      'accept-language': lang,
    },
  });
}

async function axe(page) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), []);
}

const runs = [
  { width: 1280, lang: 'en', js: true },
  { width: 375, lang: 'en', js: false },
  { width: 375, lang: 'de', js: true },
  { width: 1280, lang: 'de', js: false },
];

for (const { width, lang, js } of runs) {
  test(`set up two-step sign-in, then sign in with a code (${lang}, ${width} px, JavaScript ${js})`,
    { timeout: 90_000 }, async () => {
      const p = await person('client');
      const shot = (name) => `${SHOTS}/${lang}-${name}-${width}${js ? '' : '-nojs'}.png`;
      let ctx = await context(width, lang, js);
      await ctx.addCookies([{ name: 'drive_session', value: p.cookies.get('drive_session'), url: BASE }]);
      let page = await ctx.newPage();
      await page.goto(`${BASE}/profile`);
      await page.click('#second-factor a.btn');
      assert.match(page.url(), /\/profile\/second-factor$/);
      await page.click('form[action="/profile/second-factor/start"] button');
      const qr = page.locator('svg.qr');
      assert.ok(await qr.isVisible(), 'the QR code is shown');
      const box = await qr.boundingBox();
      assert.ok(box.width >= 150 && box.width <= width, `QR ${box.width} px wide`);
      const secret = (await page.locator('.secret-text code').innerText()).replace(/\s/g, '');
      recordSecret('totp_secret', secret);
      if (js) await axe(page);
      await page.screenshot({ path: shot('second-factor-setup'), fullPage: true });

      await steady();
      await page.fill('#code', codeAt(secret));
      await Promise.all([page.waitForNavigation(), page.click('form[action="/profile/second-factor"] button')]);
      const codes = await page.locator('.recovery-codes code').allInnerTexts();
      codes.forEach((k) => recordSecret('recovery_code', k));
      assert.equal(codes.length, 10);
      if (js) await axe(page);
      await page.screenshot({ path: shot('second-factor-codes'), fullPage: true });
      await ctx.close();

      // Signed out: the password, then the code.
      ctx = await context(width, lang, js);
      page = await ctx.newPage();
      await page.goto(`${BASE}/login?next=%2Fprofile`);
      await page.fill('#email', p.email);
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button')]);
      assert.match(page.url(), /\/login\/code\?next=%2Fprofile$/);
      assert.equal(await page.locator('#code').getAttribute('autocomplete'), 'one-time-code');
      // A wrong code first: the error at the field.
      await page.fill('#code', '12345');
      await page.evaluate(() => { document.querySelector('form').noValidate = true; });
      await Promise.all([page.waitForNavigation(), page.click('form[action="/login/code"] button')]);
      assert.ok(await page.locator('#code-error').isVisible());
      if (js) await axe(page);
      await page.screenshot({ path: shot('login-code-error'), fullPage: true });
      await steady();
      await page.fill('#code', codeAt(secret, 30));
      await Promise.all([page.waitForNavigation(), page.click('form[action="/login/code"] button')]);
      assert.match(page.url(), /\/profile$/);
      assert.ok(await page.locator('#second-factor .s-factor').isVisible());
      // Enrolled: the page offers to replace the app and to turn it off.
      await page.click('#second-factor a.btn');
      assert.match(page.url(), /\/profile\/second-factor$/);
      assert.ok(await page.locator('form[action="/profile/second-factor/remove"] #remove-code').isVisible());
      if (js) await axe(page);
      await page.screenshot({ path: shot('second-factor-enrolled'), fullPage: true });
      await ctx.close();
    });
}

for (const { width, lang, js } of runs.slice(0, 3)) {
  test(`the admin's sign-in policy and reset pages (${lang}, ${width} px, JavaScript ${js})`,
    { timeout: 60_000 }, async () => {
      const admin = await person('admin');
      const c = await person('client');
      const shot = (name) => `${SHOTS}/${lang}-${name}-${width}${js ? '' : '-nojs'}.png`;
      const ctx = await context(width, lang, js);
      await ctx.addCookies([{ name: 'drive_session', value: admin.cookies.get('drive_session'), url: BASE }]);
      const page = await ctx.newPage();
      await page.goto(`${BASE}/admin/sign-in`);
      await page.check('#policy-pm');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/sign-in"] button')]);
      assert.ok(await page.locator('#policy-pm').isChecked());
      assert.ok(!(await page.locator('#policy-client').isChecked()));
      if (js) await axe(page);
      await page.screenshot({ path: shot('admin-sign-in'), fullPage: true });
      await page.uncheck('#policy-pm');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/admin/sign-in"] button')]);

      await page.goto(`${BASE}/admin/users/${c.id}/second-factor`);
      await page.evaluate(() => { const f = document.querySelector('form.form'); if (f) f.noValidate = true; });
      await Promise.all([page.waitForNavigation(), page.click('form.form button')]);
      assert.ok(await page.locator('#reason-error').isVisible());
      if (js) await axe(page);
      await page.screenshot({ path: shot('admin-second-factor-reset'), fullPage: true });
      await ctx.close();
    });
}
