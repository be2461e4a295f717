// An admin invites a client, the client redeems the invitation, the admin
// deactivates them, and the client's next click lands on /login.  Through
// the real pages in Debian's chromium; the admin pages are checked with
// axe-core and photographed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, unique, sqlValue } from '../lib/drive.mjs';

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => { await browser?.close(); });

async function context() {
  const b = randomBytes(3);
  return browser.newContext({
    viewport: { width: 1280, height: 900 },
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
  });
}

async function axe(page, what) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], `axe on ${what}`);
}

test('an admin invites a client, deactivates them, and their next click lands on /login', { timeout: 90_000 }, async () => {
  const admin = await person('admin');
  const adminCtx = await context();
  await adminCtx.addCookies([{ name: 'drive_session', value: admin.cookies.get('drive_session'), url: BASE }]);
  const ap = await adminCtx.newPage();
  ap.on('dialog', (d) => d.accept());

  // Invite a client through the page.
  await ap.goto(`${BASE}/admin/invitations`);
  const email = `${unique('browser')}@example.test`;
  await ap.fill('#inv-email', email);
  await ap.selectOption('#inv-role', 'client');
  await ap.fill('#inv-org', unique('Browser Org'));
  await Promise.all([ap.waitForLoadState(), ap.click('form[action="/admin/invitations"] button[type="submit"]')]);
  const link = (await ap.locator('.secret code').textContent()).trim();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/);

  // The client redeems it.
  const clientCtx = await context();
  const cp = await clientCtx.newPage();
  await cp.goto(link);
  await cp.fill('#name', 'Browser Client');
  await cp.fill('#password', 'a long enough passphrase');
  await cp.fill('#password_confirm', 'a long enough passphrase');
  await Promise.all([cp.waitForURL(/\/\?welcome=1$/), cp.click('form button[type="submit"]')]);
  assert.ok(await cp.getByText('Browser Client').first().isVisible());

  // The admin finds them among the people and deactivates them.
  const id = sqlValue(`SELECT id FROM users WHERE email = '${email}'`);
  await ap.goto(`${BASE}/admin/users?q=${encodeURIComponent(email)}`);
  await axe(ap, '/admin/users');
  await ap.screenshot({ path: `${SHOTS}/en-admin-users-1280.png`, fullPage: true });
  await Promise.all([ap.waitForLoadState(), ap.click(`form[action="/admin/users/${id}/active"] button`)]);
  assert.equal(sqlValue(`SELECT active FROM users WHERE id = ${id}`), 'f');

  // The client's next click: the sign-in page.
  await Promise.all([cp.waitForLoadState(), cp.click('a[href="/roadmap"]')]);
  assert.match(cp.url(), /\/login\?next=%2Froadmap$/, 'the sign-in page, which leads back to the roadmap');
  assert.ok(await cp.locator('h1').first().isVisible());

  // The other admin pages, as the admin sees them.
  for (const path of ['/admin/organizations', '/admin/areas', '/admin/audit', '/profile']) {
    await ap.goto(`${BASE}${path}`);
    assert.equal(await ap.locator('h1').count() >= 1, true, path);
    await axe(ap, path);
    await ap.screenshot({ path: `${SHOTS}/en-${path.slice(1).replace('/', '-')}-1280.png`, fullPage: true });
  }
  await adminCtx.close();
  await clientCtx.close();
});
