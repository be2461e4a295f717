// Single sign-on as Chromium does it: the "Sign in with ..." link on
// /login, through the bank's IdP (oidc-provider on loopback, its login
// without pages: tests/lib/oidc.mjs) and back, signed in, with JavaScript
// on and off; a client's address refused on a page that says why.  Also
// the sign-in page's screenshots with the SSO button (English and German,
// 1280 and 375 px), in the test folder's screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { person, unique, sqlValue } from '../lib/drive.mjs';
import { CLIENT_ID, CLIENT_SECRET, Kore, freePort, idpState, startProvider }
  from '../lib/oidc.mjs';

let browser;
let idp;
let kore;

before(async () => {
  const kport = await freePort();
  idp = await startProvider(await freePort(), `http://127.0.0.1:${kport}`);
  kore = await Kore.start('sso-browser', {
    port: kport,
    vars: {
      DRIVE_OIDC_ISSUER: idp.issuer,
      DRIVE_OIDC_CLIENT_ID: CLIENT_ID,
      DRIVE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      DRIVE_OIDC_NAME: 'Example Bank SSO',
    },
  });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  await kore?.stop();
  await new Promise((r) => (idp ? idp.server.close(r) : r()));
});

function account(email) {
  const id = unique('sub');
  idpState.accounts.set(id, { email, email_verified: true });
  return id;
}

for (const js of [true, false]) {
  test(`a pm signs in through the bank's IdP (JavaScript ${js ? 'on' : 'off'})`, { timeout: 60_000 }, async () => {
    const pm = await person('pm');
    idpState.loginAs = account(pm.email);
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled: js });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${kore.base}/login?next=%2Froadmap`);
    const link = page.getByRole('link', { name: 'Sign in with Example Bank SSO' });
    await link.click();
    await page.waitForURL(`${kore.base}/roadmap`);
    assert.equal(new URL(page.url()).pathname, '/roadmap');
    assert.equal(sqlValue(`SELECT second_factor FROM sessions WHERE user_id = ${pm.id} ORDER BY id DESC LIMIT 1`), 'sso');
    await page.screenshot({ path: `${SHOTS}/sso-signed-in-js-${js ? 'on' : 'off'}.png` });
    await context.close();
  });
}

test('a client\'s address is refused with a page that says why', { timeout: 60_000 }, async () => {
  const client = await person('client');
  idpState.loginAs = account(client.email);
  const context = await browser.newContext({ locale: 'de-DE' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${kore.base}/login`);
  await page.getByRole('link', { name: 'Mit Example Bank SSO anmelden' }).click();
  await page.waitForURL(/\/login\/sso\/callback/);
  await page.getByText('Kundinnen und Kunden melden sich nie über den Anmeldedienst der Bank an').waitFor();
  await page.screenshot({ path: `${SHOTS}/sso-client-refused-de.png` });
  await context.close();
});

test('screenshots of the sign-in page with the SSO button', { timeout: 60_000 }, async () => {
  for (const [locale, lang] of [['en-US', 'en'], ['de-DE', 'de']]) {
    for (const width of [1280, 375]) {
      const context = await browser.newContext({ locale, viewport: { width, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${kore.base}/login`);
      const link = page.locator('#sso-link');
      assert.ok(await link.isVisible());
      const box = await link.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, `the button fits at ${width} px`);
      await page.screenshot({ path: `${SHOTS}/sso-login-${lang}-${width}.png`, fullPage: true });
      await context.close();
    }
  }
});
