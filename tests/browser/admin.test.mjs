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
import { BASE, person, unique, sql, sqlValue, count } from '../lib/drive.mjs';

let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => { await browser?.close(); });

async function context({ width = 1280, js = true, locale = 'en-US' } = {}) {
  const b = randomBytes(3);
  return browser.newContext({
    viewport: { width, height: 900 },
    javaScriptEnabled: js,
    locale,
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
  });
}

// A page of a fresh context signed in as who.
async function signedIn(who, opts) {
  const ctx = await context(opts);
  await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  return page;
}

// Clicks and waits for the page it leads to.
async function follow(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}

async function noSideways(page, what) {
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `${what} scrolls sideways by ${overflow}px`);
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
  // A new organisation: created once the admin ticks that it is new.
  await ap.check('#inv-new-org');
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

test('without JavaScript, the role select shows the current role and widening it asks first', { timeout: 90_000 }, async () => {
  const admin = await person('admin');
  const c = await person('client');
  const page = await signedIn(admin, { js: false });
  const list = `${BASE}/admin/users?q=${encodeURIComponent(c.email)}`;
  await page.goto(list);
  const select = page.locator(`#u-${c.id}-role`);
  assert.equal(await select.inputValue(), 'client', 'the current role is chosen, not "Product manager"');
  const roleForm = page.locator(`form[action="/admin/users/${c.id}/role"]`);

  // Choosing pm and sending: the confirmation page, nothing changed.
  const audit = count('audit_log');
  await select.selectOption('pm');
  await follow(page, roleForm.getByRole('button'));
  assert.equal(await page.locator('main h1').textContent(), `Make ${c.name} a product manager?`);
  assert.match(await page.locator('main .lead').textContent(), /see every voter's organisation/);
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'client');
  assert.equal(count('audit_log'), audit);

  // Cancel: back to the list as it was, still a client.
  await follow(page, page.getByRole('link', { name: 'Cancel' }));
  assert.equal(page.url(), list);
  assert.equal(await select.inputValue(), 'client');
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'client');

  // Again, and confirmed: a pm, once in the audit log.
  await select.selectOption('pm');
  await follow(page, roleForm.getByRole('button'));
  await follow(page, page.getByRole('button', { name: 'Make product manager' }));
  assert.equal(page.url(), `${BASE}/admin/users?saved=1&q=${encodeURIComponent(c.email)}`);
  assert.ok(await page.getByText('The changes to the account were saved.').isVisible());
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'pm');
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.role' AND target = 'user:${c.id}'`), '1');
  assert.equal(await select.inputValue(), 'pm');
  await page.context().close();
});

// axe-core needs JavaScript; the role form has no script of its own, so
// the pages are the same with it.
test('the people page and the role confirmation at 1280 and 375 px, in English and German', { timeout: 120_000 }, async () => {
  const admin = await person('admin');
  const c = await person('client');
  // Enough people for a second page.
  const tag = unique('shot').replace('-', '');
  sql(`INSERT INTO users (email, display_name, role, password_hash)
       SELECT '${tag}-' || g || '@example.test', 'Person ${tag} ' || g, 'pm', 'x'
       FROM generate_series(1, 60) g`);
  for (const [lang, locale] of [['en', 'en-US'], ['de', 'de-DE']]) {
    for (const width of [1280, 375]) {
      const page = await signedIn(admin, { width, locale });
      await page.goto(`${BASE}/admin/users?page=2`);
      await axe(page, `/admin/users?page=2 ${lang} ${width}`);
      await noSideways(page, `/admin/users?page=2 ${lang} ${width}`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-users-page2-${width}.png`, fullPage: true });
      await page.goto(`${BASE}/admin/users?q=${encodeURIComponent(c.email)}`);
      await axe(page, `/admin/users ${lang} ${width}`);
      await noSideways(page, `/admin/users ${lang} ${width}`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-users-${width}.png`, fullPage: true });
      await page.locator(`#u-${c.id}-role`).selectOption('admin');
      await follow(page, page.locator(`form[action="/admin/users/${c.id}/role"]`).getByRole('button'));
      assert.equal(await page.locator('main h1').textContent(),
        lang === 'en' ? `Make ${c.name} an administrator?` : `${c.name} zum Administrator machen?`);
      await axe(page, `the role confirmation ${lang} ${width}`);
      await noSideways(page, `the role confirmation ${lang} ${width}`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-user-role-${width}.png`, fullPage: true });
      await page.context().close();
    }
  }
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'client', 'asked, never changed');
});

test('without JavaScript, the invitations are searched and paged', { timeout: 90_000 }, async () => {
  const admin = await person('admin');
  const tag = unique('inv').replace('-', '');
  for (let i = 1; i <= 55; i++) {
    assert.equal((await admin.api('POST', '/api/v1/invitations', { email: `${tag}-${i}@example.test`, role: 'pm' })).status, 201);
  }
  const page = await signedIn(admin, { js: false });
  await page.goto(`${BASE}/admin/invitations`);
  await page.getByLabel('Search by e-mail address', { exact: true }).fill(tag);
  await page.getByLabel('State', { exact: true }).selectOption('pending');
  await follow(page, page.getByRole('button', { name: 'Find' }));
  assert.equal(page.url(), `${BASE}/admin/invitations?q=${tag}&state=pending`);
  assert.equal(await page.locator('.list-count').textContent(), 'Showing 1–50 of 55 invitations');
  assert.equal(await page.locator('.inv-table tbody tr').count(), 50);
  assert.equal(await page.locator('.pager-pos').textContent(), 'Page 1 of 2');
  await follow(page, page.getByRole('link', { name: 'Next page' }));
  assert.equal(page.url(), `${BASE}/admin/invitations?q=${tag}&state=pending&page=2`);
  assert.equal(await page.locator('.list-count').textContent(), 'Showing 51–55 of 55 invitations');
  assert.equal(await page.locator('.inv-table tbody tr').count(), 5);
  assert.equal(await page.getByLabel('State', { exact: true }).inputValue(), 'pending');
  // Revoking one there comes back to that page, one fewer pending.
  await follow(page, page.locator('.inv-table tbody tr').first().getByRole('button', { name: /Revoke/ }));
  assert.equal(page.url(), `${BASE}/admin/invitations?q=${tag}&state=pending&page=2`);
  assert.equal(await page.locator('.list-count').textContent(), 'Showing 51–54 of 54 invitations');
  await follow(page, page.getByRole('link', { name: 'Previous page' }));
  assert.equal(page.url(), `${BASE}/admin/invitations?q=${tag}&state=pending`);
  await page.context().close();
});

test('the invitations page at 1280 and 375 px, in English and German', { timeout: 120_000 }, async () => {
  const admin = await person('admin');
  const have = Number(sqlValue('SELECT count(*) FROM invitations'));
  for (let i = have; i <= 60; i++) {
    assert.equal((await admin.api('POST', '/api/v1/invitations', { email: `${unique('shot')}@example.test`, role: 'pm' })).status, 201);
  }
  for (const [lang, locale] of [['en', 'en-US'], ['de', 'de-DE']]) {
    for (const width of [1280, 375]) {
      const page = await signedIn(admin, { width, locale });
      await page.goto(`${BASE}/admin/invitations`);
      assert.match(await page.locator('.list-count').textContent(), lang === 'en' ? /^Showing 1–50 of \d+ invitations$/ : /^1–50 von \d+ Einladungen$/);
      await axe(page, `/admin/invitations ${lang} ${width}`);
      await noSideways(page, `/admin/invitations ${lang} ${width}`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-invitations-${width}.png`, fullPage: true });
      await page.goto(`${BASE}/admin/invitations?state=pending&page=2`);
      await axe(page, `/admin/invitations?page=2 ${lang} ${width}`);
      await noSideways(page, `/admin/invitations?page=2 ${lang} ${width}`);
      await page.screenshot({ path: `${SHOTS}/${lang}-admin-invitations-page2-${width}.png`, fullPage: true });
      await page.context().close();
    }
  }
});
