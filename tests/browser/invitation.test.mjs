// Browser tests of the way into Drive: an invitation redeemed through the
// real /invite/<token> page, an admin inviting a client through
// /admin/invitations, signing out and in through /login, in English and in
// German, with and without JavaScript.  Every page visited is checked with
// axe-core and photographed (1280 px, and 390 px for the login and
// invitation pages) for a person to look at.
//
// Debian's chromium, driven by playwright-core; no browser is downloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, drivectlInvite, unique, sqlValue } from '../lib/drive.mjs';

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 800, height: 1024 };
const TEST_TIMEOUT = 60_000;

// What each language must say.  The texts come from assets/i18n/*.txt.
const LANGS = {
  en: {
    locale: 'en-US',
    inviteHeading: 'Accept your invitation',
    invitedAs: (email) => `You were invited as ${email}.`,
    displayName: 'Display name',
    password: 'Password',
    passwordConfirm: 'Repeat the password',
    redeem: 'Create account and sign in',
    mismatch: 'The two passwords differ.',
    roleAdmin: 'Administrator',
    roleClient: 'Client',
    welcome: (name) => `${name}, welcome to Drive.`,
    ideas: 'Ideas',
    navAdmin: 'Admin',
    invHeading: 'Invitations',
    email: 'E-mail address',
    role: 'Role',
    organization: 'Organisation',
    newOrg: 'Create it as a new organisation',
    createInvitation: 'Create invitation',
    created: 'Invitation created',
    pending: 'Pending',
    signOut: 'Sign out',
    signInHeading: 'Sign in to Drive',
    signIn: 'Sign in',
    loginFailed: 'The e-mail address or the password is not right.',
    emailInvalid: 'Enter a valid e-mail address.',
    invalidHeading: 'Invitation not valid',
    invalidText: 'This invitation link can no longer be used.',
    notFound: 'Page not found',
    bank: 'Bank',
  },
  de: {
    locale: 'de-DE',
    inviteHeading: 'Einladung annehmen',
    invitedAs: (email) => `Sie wurden als ${email} eingeladen.`,
    displayName: 'Anzeigename',
    password: 'Passwort',
    passwordConfirm: 'Passwort wiederholen',
    redeem: 'Konto anlegen und anmelden',
    mismatch: 'Die beiden Passwörter stimmen nicht überein.',
    roleAdmin: 'Administrator',
    roleClient: 'Kunde',
    welcome: (name) => `${name}, willkommen bei Drive.`,
    ideas: 'Ideen',
    navAdmin: 'Verwaltung',
    invHeading: 'Einladungen',
    email: 'E-Mail-Adresse',
    role: 'Rolle',
    organization: 'Organisation',
    newOrg: 'Als neue Organisation anlegen',
    createInvitation: 'Einladung erstellen',
    created: 'Einladung erstellt',
    pending: 'Offen',
    signOut: 'Abmelden',
    signInHeading: 'Bei Drive anmelden',
    signIn: 'Anmelden',
    loginFailed: 'E-Mail-Adresse oder Passwort sind nicht korrekt.',
    emailInvalid: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.',
    invalidHeading: 'Einladung nicht gültig',
    invalidText: 'Dieser Einladungslink kann nicht mehr verwendet werden.',
    notFound: 'Seite nicht gefunden',
    bank: 'Bank',
  },
};

let browser;
// Every axe violation seen (any impact), written next to the screenshots.
const axeLog = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  writeFileSync(`${SHOTS}/axe-violations.json`, JSON.stringify(axeLog, null, 2));
});

// A fresh browser profile: own cookies, own language.  Each one appears to
// come from its own address (the tests' Kore believes X-Forwarded-For from
// 127.0.0.1: DRIVE_TRUSTED_PROXIES), so that per-address limits hit by other suites in the same
// stack do not leak into these tests.
async function newPage(L, { js = true } = {}) {
  const context = await browser.newContext({
    locale: L.locale,
    javaScriptEnabled: js,
    viewport: WIDE,
    extraHTTPHeaders: {
      'x-forwarded-for': `198.51.100.${1 + randomBytes(1)[0] % 254}`,
    },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

// Clicks a submit button and waits for the page the form leads to.
// Returns { post, page }: the status of the POST itself (303 when it
// redirects) and of the page finally shown.
async function submit(page, button) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
    r.request().isNavigationRequest());
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await button.click();
  const [post, final] = await Promise.all([posted, nav]);
  return { post: post.status(), page: final ? final.status() : null };
}

function path(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

// The page's language, as <html lang> declares it.
async function checkLanguage(page, lang) {
  assert.equal(await page.locator('html').getAttribute('lang'), lang,
    `<html lang> on ${path(page)}`);
}

// axe-core, the screenshots, and no sideways scrolling of the page on a
// phone (390 px) or a tablet (800 px).  Serious and critical findings are
// collected in `problems`, so that one page's finding does not hide the
// next page's.
async function look(page, lang, name, { audit, shots, phone = false, problems }) {
  const where = { page: `${lang}/${name}`, url: path(page) };
  if (audit) {
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations) {
      const entry = {
        ...where, id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
      };
      axeLog.push(entry);
      if (v.impact === 'serious' || v.impact === 'critical') problems.push(entry);
    }
  }
  if (shots) {
    await page.screenshot({ path: `${SHOTS}/${lang}-${name}-1280.png`, fullPage: true });
  }
  if (!audit && !shots) return;
  for (const size of [PHONE, TABLET]) {
    await page.setViewportSize(size);
    if (shots && phone && size === PHONE) {
      await page.screenshot({ path: `${SHOTS}/${lang}-${name}-390.png`, fullPage: true });
    }
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) {
      problems.push({ ...where, id: 'horizontal-overflow', impact: 'serious',
        help: `the page scrolls sideways by ${overflow}px at ${size.width}px` });
    }
  }
  await page.setViewportSize(WIDE);
}

function assertNoProblems(problems) {
  assert.equal(problems.length, 0,
    `accessibility/layout problems:\n${JSON.stringify(problems, null, 2)}`);
}

// Fills and submits the invitation form; returns the statuses.
async function redeemForm(page, L, name, password, confirm = password) {
  await page.getByLabel(L.displayName, { exact: true }).fill(name);
  await page.getByLabel(L.password, { exact: true }).fill(password);
  await page.getByLabel(L.passwordConfirm, { exact: true }).fill(confirm);
  return submit(page, page.getByRole('button', { name: L.redeem }));
}

async function signIn(page, L, email, password) {
  await page.getByLabel(L.email, { exact: true }).fill(email);
  await page.getByLabel(L.password, { exact: true }).fill(password);
  return submit(page, page.getByRole('button', { name: L.signIn, exact: true }));
}

async function signOut(page, L) {
  const r = await submit(page, page.getByRole('button', { name: L.signOut }));
  assert.equal(r.post, 303, 'POST /logout redirects');
  assert.equal(path(page), '/login', 'sign-out lands on /login');
  assert.equal(await page.locator('.who').count(), 0, 'nobody in the top bar');
}

// The person's name in the top bar.
async function assertSignedIn(page, name) {
  const who = await text(page.locator('.topbar .who-name'));
  assert.ok(who.endsWith(name), `top bar names ${name}: ${who}`);
}

// The whole way in, for one language: an admin created by drivectl redeems
// the invitation, invites a client, signs out; the client redeems the
// link in a fresh browser, signs out, signs in, fails to sign in.
async function journey(lang, { js = true, audit = true }) {
  const L = LANGS[lang];
  const problems = [];
  const seen = (page, name, phone) => look(page, js ? lang : `${lang}-nojs`,
    name, { audit, phone, problems, shots: js });
  const tag = randomBytes(3).toString('hex');
  const pw = `correct horse battery ${tag}`;

  const adminEmail = `${unique('admin')}@example.test`;
  const adminName = `Ada Admin ${tag}`;
  const adminToken = drivectlInvite(adminEmail, 'admin');
  const clientEmail = `${unique('client')}@example.test`;
  const clientName = `Chris ${tag}`;
  const org = lang === 'de' ? `Müller & Söhne ${tag}` : `Acme & Sons ${tag}`;
  const clientPw = `another long passphrase ${tag}`;

  const admin = await newPage(L, { js });
  let client;
  try {
    // The invitation page, as the link opens it.
    let res = await admin.goto(`${BASE}/invite/${adminToken}`);
    assert.equal(res.status(), 200, 'GET /invite/<token>');
    await checkLanguage(admin, lang);
    assert.equal(await text(admin.locator('h1')), L.inviteHeading);
    assert.equal(await text(admin.locator('main .lead')), L.invitedAs(adminEmail));
    assert.match(await text(admin.locator('.facts')), new RegExp(L.roleAdmin));
    assert.equal(await admin.locator('input[autocomplete=username]').isVisible(), false,
      'the e-mail for password managers stays hidden');
    await seen(admin, 'invite-form', true);

    // A mistake: the repeated password differs.  The form comes back with
    // the error at its field, the name kept and the passwords not echoed.
    let r = await redeemForm(admin, L, adminName, pw, `${pw}x`);
    assert.equal(r.post, 422, 'mismatched passwords: 422');
    assert.equal(path(admin), `/invite/${adminToken}`);
    const confirm = admin.getByLabel(L.passwordConfirm, { exact: true });
    assert.equal(await confirm.getAttribute('aria-invalid'), 'true');
    assert.match(await text(admin.locator('#password_confirm-error')),
      new RegExp(L.mismatch));
    assert.equal(await admin.getByLabel(L.displayName, { exact: true }).inputValue(),
      adminName, 'the name is kept');
    assert.equal(await admin.getByLabel(L.password, { exact: true }).inputValue(), '',
      'the password is not sent back');
    assert.equal(sqlValue(`SELECT count(*) FROM users WHERE email = '${adminEmail}'`), '0');
    await seen(admin, 'invite-errors', true);

    // Redeemed: signed in, welcomed, named in the top bar.
    r = await redeemForm(admin, L, adminName, pw);
    assert.equal(r.post, 303, 'redeeming redirects');
    assert.equal(path(admin), '/?welcome=1');
    assert.equal(r.page, 200);
    await checkLanguage(admin, lang);
    assert.equal(await text(admin.locator('main [role=status]')), L.welcome(adminName));
    await assertSignedIn(admin, adminName);
    assert.equal(await text(admin.locator('.topbar .bank')), L.bank, 'staff carry "Bank"');
    assert.equal(await text(admin.locator('main h1')), L.ideas);
    await seen(admin, 'home-welcome');

    // Admin: invite a client for a new organisation.
    await Promise.all([admin.waitForURL('**/admin/invitations'),
      admin.getByRole('link', { name: L.navAdmin, exact: true }).click()]);
    assert.equal(await text(admin.locator('main h1')), L.invHeading);
    assert.equal(await admin.getByRole('link', { name: L.navAdmin, exact: true })
      .getAttribute('aria-current'), 'page');
    await seen(admin, 'admin-invitations');

    await admin.getByLabel(L.email, { exact: true }).fill(clientEmail);
    await admin.getByLabel(L.role, { exact: true }).selectOption('client');
    await admin.getByLabel(L.organization, { exact: true }).fill(org);
    r = await submit(admin, admin.getByRole('button', { name: L.createInvitation }));
    // A name no organisation has: created only when the admin says so.
    assert.equal(r.post, 422, 'a new organisation is asked about first');
    assert.equal(await admin.getByLabel(L.organization, { exact: true }).inputValue(), org);
    await seen(admin, 'admin-invitation-new-org', true);
    await admin.getByLabel(L.newOrg, { exact: true }).check();
    r = await submit(admin, admin.getByRole('button', { name: L.createInvitation }));
    assert.equal(r.post, 201, 'POST /admin/invitations shows the new link');
    assert.equal(await text(admin.locator('#created-heading')), L.created);
    const link = await text(admin.locator('.secret code'));
    const m = link.match(/^(.*)\/invite\/([0-9a-f]{64})$/);
    assert.ok(m, `a one-time link is shown: ${link}`);
    assert.equal(m[1], BASE, 'the link points at the portal');
    const row = admin.locator('.inv-table tbody tr', { hasText: clientEmail });
    assert.equal(await row.count(), 1, 'the new invitation is listed');
    assert.match(await text(row), new RegExp(L.pending));
    assert.ok((await text(row)).includes(org), 'the organisation is listed');
    assert.equal(await admin.getByLabel(L.email, { exact: true }).inputValue(), '',
      'the form starts empty again');
    await seen(admin, 'admin-invitation-created');

    // Sign out: the session is gone, / sends to the sign-in page.
    await signOut(admin, L);
    res = await admin.goto(`${BASE}/`);
    assert.equal(path(admin), '/login', 'signed out, / leads to /login');

    // The client, in a browser of their own, opens the link.
    client = await newPage(L, { js });
    res = await client.goto(link);
    assert.equal(res.status(), 200, 'GET the one-time link');
    await checkLanguage(client, lang);
    assert.equal(await text(client.locator('h1')), L.inviteHeading);
    const facts = await text(client.locator('.facts'));
    assert.match(facts, new RegExp(L.roleClient));
    assert.ok(facts.includes(org), `the organisation is shown: ${facts}`);
    await seen(client, 'invite-form-client', true);

    r = await redeemForm(client, L, clientName, clientPw);
    assert.equal(r.post, 303);
    assert.equal(path(client), '/?welcome=1');
    assert.equal(await text(client.locator('main [role=status]')), L.welcome(clientName));
    await assertSignedIn(client, clientName);
    assert.equal(await client.locator('.topbar .bank').count(), 0, 'a client is not "Bank"');
    assert.equal(await client.getByRole('link', { name: L.navAdmin, exact: true }).count(),
      0, 'a client has no admin section');
    await seen(client, 'home-client');

    await signOut(client, L);
    await checkLanguage(client, lang);
    assert.equal(await text(client.locator('h1')), L.signInHeading);
    await seen(client, 'login', true);

    // Signing in again with e-mail and password.
    r = await signIn(client, L, clientEmail, clientPw);
    assert.equal(r.post, 303, 'POST /login redirects');
    assert.equal(path(client), '/');
    await assertSignedIn(client, clientName);
    await signOut(client, L);

    // A wrong password: the error, still on /login, the address kept.
    r = await signIn(client, L, clientEmail, `${clientPw}!`);
    assert.equal(r.post, 401, 'a wrong password: 401');
    assert.equal(path(client), '/login');
    assert.equal(await text(client.locator('[role=alert]')), L.loginFailed);
    assert.equal(await client.getByLabel(L.email, { exact: true }).inputValue(), clientEmail);
    assert.equal(await client.getByLabel(L.password, { exact: true }).inputValue(), '');
    assert.equal(await client.locator('.who').count(), 0, 'not signed in');
    await seen(client, 'login-error', true);

    // An address the browser lets through (no dot in the domain) but the
    // portal refuses: the refusal must be visible next to the field.
    r = await signIn(client, L, 'someone@localhost', clientPw);
    assert.equal(r.post, 422, 'an address the portal refuses: 422');
    assert.equal(path(client), '/login');
    const email = client.getByLabel(L.email, { exact: true });
    assert.equal(await email.inputValue(), 'someone@localhost', 'what was typed is kept');
    assert.equal(await email.getAttribute('aria-invalid'), 'true',
      'the e-mail field is marked invalid');
    assert.match(await text(client.locator('main')), new RegExp(L.emailInvalid),
      'the error is shown');
    await seen(client, 'login-field-error', true);

    // The used link: the same clear refusal, no form.
    res = await client.goto(link);
    assert.equal(res.status(), 404, 'a used link: 404');
    assert.equal(await text(client.locator('h1')), L.invalidHeading);
    assert.match(await text(client.locator('[role=alert]')), new RegExp(L.invalidText));
    assert.equal(await client.locator('form').count(), 0, 'no form for a used link');
    await seen(client, 'invite-invalid', true);

    // A page that does not exist.
    res = await client.goto(`${BASE}/no-such-page-${tag}`);
    assert.equal(res.status(), 404);
    await checkLanguage(client, lang);
    assert.equal(await text(client.locator('h1')), L.notFound);
    await seen(client, '404');
  } finally {
    await admin.context().close();
    if (client) await client.context().close();
  }
  assertNoProblems(problems);
}

test('English: an admin redeems, invites a client; the client redeems and signs in',
  { timeout: TEST_TIMEOUT }, () => journey('en', { js: true, audit: true }));

test('German: the same way in, in German', { timeout: TEST_TIMEOUT },
  () => journey('de', { js: true, audit: true }));

test('without JavaScript: redemption, invitation and sign-in work',
  { timeout: TEST_TIMEOUT }, () => journey('en', { js: false, audit: false }));
