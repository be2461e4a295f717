// Single sign-on for the bank's staff (app/oidc.c) against a real OpenID
// provider: oidc-provider (npm), started here on a free loopback port,
// with Drive registered as a confidential client (PKCE, back-channel
// logout).  Its login has no pages: an interaction handler signs in the
// account the test chose (or refuses, when none is chosen); see
// tests/lib/oidc.mjs.  Kore reads DRIVE_OIDC_* when it starts, so this
// file starts a Kore of its own (the suite's configuration with another
// port, on the same database), after the provider; a second Kore points
// at a closed port (the IdP down).  Negative cases tamper with the
// provider's token answer: the ID token re-signed with other claims, or
// with a key the IdP does not have.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, person, sql, sqlValue, unique, recordSecret, setCookies, PASSWORD }
  from '../lib/drive.mjs';
import { CLIENT_ID, CLIENT_SECRET, IDP_KEY, OTHER_KEY, Kore, b64, freePort, idpState,
  resign, startProvider, waitFor } from '../lib/oidc.mjs';

const accounts = idpState.accounts;
let idp; // { issuer, base, provider, server }
let kore; // our Kore with SSO
let koreDown; // a Kore whose IdP is a closed port

// A browser on our Kore (cookies of Drive), plus a cookie jar for the IdP.
class At extends Client {
  constructor(base) { super(); this.base = base; this.idp = new Map(); }

  async fetch(path, opts = {}) {
    const headers = { 'x-forwarded-for': this.address, ...(opts.headers || {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let res;
    try {
      res = await fetch(this.base + path, { redirect: 'manual', signal: AbortSignal.timeout(20000), ...opts, headers });
    } catch (e) {
      throw new Error(`${path}: ${e.message} (${e.cause?.code ?? e.cause?.message ?? ''})`);
    }
    this.remember(res);
    for (const c of setCookies(res.headers)) {
      const m = /^drive_sso=([0-9a-f]{64})/.exec(c);
      if (m) recordSecret('sso_cookie', m[1]);
    }
    return res;
  }

  // Follows the IdP's redirects until one leads back to Drive.
  async throughIdp(location) {
    let url = location;
    for (let i = 0; i < 12; i++) {
      // The issuer is localhost (resolved by Kore through /etc/hosts);
      // Node asks 127.0.0.1, where the provider listens.
      const u = new URL(url.replace('//localhost:', '//127.0.0.1:'));
      if (`${u.protocol}//${u.host}` === this.base) return u.pathname + u.search;
      const res = await fetch(u, {
        redirect: 'manual',
        headers: { cookie: [...this.idp].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of setCookies(res.headers)) {
        const [pair] = c.split(';');
        const j = pair.indexOf('=');
        if (/expires=Thu, 01 Jan 1970/i.test(c) || pair.slice(j + 1) === '') this.idp.delete(pair.slice(0, j));
        else this.idp.set(pair.slice(0, j), pair.slice(j + 1));
      }
      await res.arrayBuffer();
      assert.ok([302, 303].includes(res.status), `IdP answered ${res.status} at ${u.pathname}`);
      url = new URL(res.headers.get('location'), u).href;
    }
    throw new Error('too many redirects at the IdP');
  }

  // /login/sso, the IdP, and the way back: the callback's answer.
  async sso({ next, callback = (p) => p } = {}) {
    const start = await this.fetch(next ? `/login/sso?next=${encodeURIComponent(next)}` : '/login/sso');
    assert.equal(start.status, 303, await start.text());
    const back = await this.throughIdp(start.headers.get('location'));
    const code = new URL(back, this.base).searchParams.get('code');
    if (code) recordSecret('oidc_code', code);
    const res = await this.fetch(callback(back));
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), start };
  }

  async me() {
    const r = await this.api('GET', '/api/v1/me');
    return r.status === 200 ? r.json.user : null;
  }
}

// A staff member (or client) invited and signed up on the suite's Kore.
async function member(role) {
  const p = await person(role);
  return { ...p, id: p.id, email: p.email };
}

function account(email, verified = true) {
  const id = unique('sub');
  accounts.set(id, { email, email_verified: verified });
  return id;
}

const counts = () => ({
  sessions: Number(sqlValue('SELECT count(*) FROM sessions')),
  users: Number(sqlValue('SELECT count(*) FROM users')),
});

function lastRefusal() {
  return sql("SELECT details->>'reason', coalesce(target, '') FROM audit_log"
    + " WHERE action = 'session.sso_refused' ORDER BY id DESC LIMIT 1")[0];
}

function sandboxClean(k) {
  assert.doesNotMatch(k.log(), /sandbox violation|seccomp violation/, 'no worker was killed by the sandbox');
}

before(async () => {
  const kport = await freePort();
  const iport = await freePort();
  idp = await startProvider(iport, `http://127.0.0.1:${kport}`);
  const vars = {
    DRIVE_OIDC_ISSUER: idp.issuer,
    DRIVE_OIDC_CLIENT_ID: CLIENT_ID,
    DRIVE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    DRIVE_OIDC_NAME: 'Test Bank SSO',
  };
  kore = await Kore.start('sso', { port: kport, vars });
  const dead = await freePort();
  koreDown = await Kore.start('sso-down', {
    port: await freePort(),
    vars: { ...vars, DRIVE_OIDC_ISSUER: `http://127.0.0.1:${dead}` },
  });
});

after(async () => {
  await kore?.stop();
  await koreDown?.stop();
  await new Promise((r) => (idp ? idp.server.close(r) : r()));
});

test('the sign-in page offers the bank\'s SSO as a link, in English and German', async () => {
  const c = new At(kore.base);
  const en = await c.page('/login');
  assert.equal(en.status, 200);
  assert.match(en.text, /<a class="btn btn-secondary" id="sso-link" href="\/login\/sso">Sign in with Test Bank SSO<\/a>/);
  const de = await c.page('/login?next=%2Froadmap', { headers: { 'accept-language': 'de' } });
  assert.match(de.text, /href="\/login\/sso\?next=%2Froadmap"/);
  const res = await c.fetch('/login', { headers: { 'accept-language': 'de' } });
  assert.match(await res.text(), /Mit Test Bank SSO anmelden/);
  // The suite's Kore has no SSO: no button, and /login/sso is a 404.
  const plain = new Client();
  assert.doesNotMatch((await plain.page('/login')).text, /sso-link/);
  assert.equal((await plain.page('/login/sso')).status, 404);
  assert.equal((await plain.page('/login/sso/callback?state=x&code=y')).status, 404);
});

test('/login/sso sends the browser to the IdP with state, nonce and an S256 PKCE challenge', async () => {
  const c = new At(kore.base);
  const res = await c.fetch('/login/sso?next=%2Froadmap');
  assert.equal(res.status, 303);
  const to = new URL(res.headers.get('location'));
  assert.equal(`${to.protocol}//${to.host}`, idp.issuer);
  const q = to.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), CLIENT_ID);
  assert.equal(q.get('redirect_uri'), `${kore.base}/login/sso/callback`);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(q.get('state'), /^[0-9a-f]{64}$/);
  assert.match(q.get('nonce'), /^[0-9a-f]{64}$/);
  const cookie = setCookies(res.headers).find((x) => x.startsWith('drive_sso='));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  assert.match(cookie, /Max-Age=600/);
  // Stored: the cookie's hash, state and nonce; no verifier anywhere.
  const token = /^drive_sso=([0-9a-f]{64})/.exec(cookie)[1];
  const row = sql(`SELECT state, nonce, next, encode(token_hash, 'hex') FROM sso_requests WHERE state = '${q.get('state')}'`)[0];
  assert.deepEqual(row.slice(0, 3), [q.get('state'), q.get('nonce'), '/roadmap']);
  assert.notEqual(row[3], token);
  await res.arrayBuffer();
});

test('staff sign in by their verified e-mail, then by the linked sub; password sign-in is then refused', async () => {
  const pm = await member('pm');
  const sub = account(pm.email);
  idpState.loginAs = sub;
  const c = new At(kore.base);
  const r = await c.sso({ next: '/roadmap' });
  assert.equal(r.status, 303, r.text);
  assert.equal(r.location, '/roadmap');
  const me = await c.me();
  assert.equal(me.id, pm.id);
  assert.equal(sqlValue(`SELECT oidc_sub FROM users WHERE id = ${pm.id}`), sub);
  assert.equal(sqlValue(`SELECT second_factor FROM sessions WHERE user_id = ${pm.id} ORDER BY id DESC LIMIT 1`), 'sso');
  assert.equal(sqlValue(`SELECT details->>'factor' FROM audit_log WHERE action = 'session.sign_in' AND actor_id = ${pm.id} ORDER BY id DESC LIMIT 1`), 'sso');
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.sso_linked' AND actor_id = ${pm.id}`), '1');
  const state = new URL(r.start.headers.get('location')).searchParams.get('state');
  assert.equal(sqlValue(`SELECT count(*) FROM sso_requests WHERE state = '${state}'`), '0', 'the request was used up');

  // The IdP changes the address: the sub still finds the account.
  accounts.set(sub, { email: `${unique('renamed')}@bank.example`, email_verified: true });
  const again = await new At(kore.base).sso();
  assert.equal(again.status, 303, again.text);
  assert.equal(again.location, '/');

  // The password no longer signs this account in (while SSO is on).
  const pw = new At(kore.base);
  const api = await pw.api('POST', '/api/v1/session', { email: pm.email, password: PASSWORD });
  assert.equal(api.status, 403);
  assert.equal(api.json.error.code, 'sso_required');
  const page = await pw.page('/login');
  const form = await pw.form('/login', { email: pm.email, password: PASSWORD, csrf_token: /name="csrf_token" value="([0-9a-f]{64})"/.exec(page.text)?.[1] ?? '' });
  assert.equal(form.status, 403);
  assert.match(form.text, /signs in through the bank&#39;s single sign-on|signs in through the bank's single sign-on/);
  assert.equal(await pw.me(), null);
  sandboxClean(kore);
});

test('an admin signs in too; the role stays Drive\'s', async () => {
  const admin = await member('admin');
  idpState.loginAs = account(admin.email);
  const c = new At(kore.base);
  const r = await c.sso();
  assert.equal(r.status, 303, r.text);
  assert.equal((await c.me()).role, 'admin');
});

test('refused without a session row: nobody invited, a client, an unverified address, a deactivated account', async () => {
  const client = await member('client');
  const off = await member('pm');
  sql(`UPDATE users SET active = false WHERE id = ${off.id}`);
  const cases = [
    [account(`${unique('stranger')}@bank.example`), 'no_account', /no account in Drive yet/],
    [account(client.email), 'client', /Clients never sign in through the bank/],
    [account((await member('pm')).email, false), 'email_unverified', /no account in Drive yet/],
    [account(off.email), 'inactive', /deactivated/],
  ];
  for (const [sub, reason, text] of cases) {
    idpState.loginAs = sub;
    const before = counts();
    const c = new At(kore.base);
    const r = await c.sso();
    assert.equal(r.status, 403, `${reason}: ${r.text.slice(0, 300)}`);
    assert.match(r.text, text);
    assert.deepEqual(counts(), before, `${reason}: no session or account made`);
    assert.equal(lastRefusal()[0], reason);
    assert.equal(await c.me(), null);
  }
  assert.equal(sqlValue(`SELECT oidc_sub FROM users WHERE id = ${client.id}`), null, 'a client is never linked');
  const de = new At(kore.base);
  idpState.loginAs = account(client.email);
  const start = await de.fetch('/login/sso', { headers: { 'accept-language': 'de' } });
  const back = await de.throughIdp(start.headers.get('location'));
  const res = await de.fetch(back, { headers: { 'accept-language': 'de' } });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /Kundinnen und Kunden melden sich nie über den Anmeldedienst der Bank an/);
});

test('a wrong or missing state is refused (400), and the request cannot be replayed', async () => {
  const pm = await member('pm');
  idpState.loginAs = account(pm.email);
  const before = counts();
  const c = new At(kore.base);
  const wrong = await c.sso({ callback: (p) => p.replace(/state=[0-9a-f]+/, `state=${'ab'.repeat(32)}`) });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /This sign-in has expired or was not started in this browser/);
  assert.equal(lastRefusal()[0], 'state');

  // Another browser brings the IdP's answer back: no cookie, refused.
  const c2 = new At(kore.base);
  const start = await c2.fetch('/login/sso');
  const back = await c2.throughIdp(start.headers.get('location'));
  recordSecret('oidc_code', new URL(back, kore.base).searchParams.get('code'));
  const other = new At(kore.base);
  const res = await other.fetch(back);
  assert.equal(res.status, 400);
  // The right browser, but the request was ... still there: it works once.
  const ok = await c2.fetch(back);
  assert.equal(ok.status, 303);
  const replay = await c2.fetch(back);
  assert.equal(replay.status, 400, 'used once');
  assert.equal(counts().users, before.users);
  assert.equal(counts().sessions, before.sessions + 1);
});

test('the ID token is checked: nonce, expiry, signature, issuer, audience', async () => {
  const pm = await member('pm');
  idpState.loginAs = account(pm.email);
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    ['nonce', (t) => resign(t, { nonce: 'not-the-nonce' })],
    ['expired', (t) => resign(t, { exp: now - 3600, iat: now - 3700 })],
    ['issued_at', (t) => resign(t, { iat: now + 3600, exp: now + 7200 })],
    ['signature', (t) => resign(t, {}, OTHER_KEY, IDP_KEY.kid)],
    ['signature', (t) => resign(t, {}, OTHER_KEY)], // an unknown kid: JWKS fetched again
    ['issuer', (t) => resign(t, { iss: 'http://evil.example' })],
    ['audience', (t) => resign(t, { aud: 'someone-else' })],
    ['algorithm', (t) => `${b64({ alg: 'none' })}.${t.split('.')[1]}.`],
  ];
  try {
    for (const [reason, fn] of cases) {
      idpState.tamper = fn;
      const before = counts();
      const c = new At(kore.base);
      const r = await c.sso();
      assert.equal(r.status, 401, `${reason}: ${r.text.slice(0, 300)}`);
      assert.match(r.text, /could not be verified/);
      assert.match(lastRefusal()[0], reason === 'algorithm' ? /^(algorithm|malformed)$/ : new RegExp(`^${reason}$`));
      assert.deepEqual(counts(), before, `${reason}: no session`);
      assert.equal(await c.me(), null);
    }
  } finally {
    idpState.tamper = null;
  }
  // Untampered, the same account signs in.
  const ok = await new At(kore.base).sso();
  assert.equal(ok.status, 303, ok.text);
  sandboxClean(kore);
});

test('the IdP down: a clear page, 503, never a 500', async () => {
  const c = new At(koreDown.base);
  const before = counts();
  const res = await c.fetch('/login/sso');
  assert.equal(res.status, 503);
  assert.match(await res.text(), /The bank&#39;s sign-in service is not reachable|The bank's sign-in service is not reachable/);
  const de = await c.fetch('/login/sso', { headers: { 'accept-language': 'de' } });
  assert.equal(de.status, 503);
  assert.match(await de.text(), /Der Anmeldedienst der Bank ist nicht erreichbar/);
  assert.deepEqual(counts(), before);
  sandboxClean(koreDown);
});

test('an error from the IdP ends the Drive sessions of the person it was for', async () => {
  const pm = await member('pm');
  idpState.loginAs = account(pm.email);
  const c = new At(kore.base);
  assert.equal((await c.sso()).status, 303);
  const other = new At(kore.base);
  assert.equal((await other.sso()).status, 303);
  assert.equal(Number(sqlValue(`SELECT count(*) FROM sessions WHERE user_id = ${pm.id}`)), 3, 'the invitation\'s and two SSO sessions');
  // Disabled at the IdP: the next sign-in from the signed-in browser is
  // refused (its session at the IdP is gone too).
  accounts.delete(idpState.loginAs);
  c.idp.clear();
  idpState.loginAs = null;
  const r = await c.sso();
  assert.equal(r.status, 403);
  assert.match(r.text, /did not sign you in/);
  assert.equal(Number(sqlValue(`SELECT count(*) FROM sessions WHERE user_id = ${pm.id}`)), 0);
  assert.equal(await other.me(), null);
  assert.equal(sqlValue(`SELECT details->>'reason' FROM audit_log WHERE action = 'session.sso_ended' AND target = 'user:${pm.id}' ORDER BY id DESC LIMIT 1`), 'idp_error');
  // An anonymous browser's refusal ends nobody's sessions.
  const stranger = new At(kore.base);
  const s = await stranger.sso();
  assert.equal(s.status, 403);
});

test('back-channel logout: the IdP ends a person\'s sessions; bad tokens are a 400', async () => {
  const pm = await member('pm');
  const sub = account(pm.email);
  idpState.loginAs = sub;
  const c = new At(kore.base);
  assert.equal((await c.sso()).status, 303);
  assert.ok(await c.me());

  // A logout token as the IdP would sign it.
  const now = Math.floor(Date.now() / 1000);
  const base = `${b64({ alg: 'RS256', typ: 'logout+jwt' })}.${b64({})}.x`;
  const good = (patch = {}, key = IDP_KEY) => resign(base, {
    iss: idp.issuer, aud: CLIENT_ID, iat: now, exp: now + 120, jti: unique('jti'), sub,
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} }, ...patch,
  }, key);
  const post = (token) => fetch(`${kore.base}/oidc/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: token === undefined ? '' : new URLSearchParams({ logout_token: token }).toString(),
  });
  for (const [what, token] of [
    ['missing', undefined],
    ['garbage', 'not.a.jwt'],
    ['another key', good({}, OTHER_KEY)],
    ['a nonce', good({ nonce: 'n' })],
    ['no event', good({ events: null })],
    ['another audience', good({ aud: 'x' })],
    ['expired', good({ exp: now - 3600 })],
  ]) {
    const res = await post(token);
    assert.equal(res.status, 400, what);
    assert.deepEqual(await res.json(), { error: 'invalid_request' });
  }
  assert.ok(await c.me(), 'still signed in after the bad tokens');

  const res = await post(good());
  assert.equal(res.status, 200);
  assert.equal(await c.me(), null);
  assert.equal(sqlValue(`SELECT details->>'reason' FROM audit_log WHERE action = 'session.sso_ended' AND target = 'user:${pm.id}' ORDER BY id DESC LIMIT 1`), 'backchannel_logout');
  sandboxClean(kore);
});

test('back-channel logout sent by the provider itself when the person signs out there', async () => {
  const pm = await member('pm');
  idpState.loginAs = account(pm.email);
  const c = new At(kore.base);
  assert.equal((await c.sso()).status, 303);
  assert.ok(await c.me());
  // The person signs out at the IdP (RP-initiated logout's own page).
  const cookie = () => [...c.idp].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${idp.base}/session/end`, { headers: { cookie: cookie() } });
  const html = await page.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(xsrf, html.slice(0, 500));
  const confirm = await fetch(`${idp.base}/session/end/confirm`, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  assert.ok([302, 303].includes(confirm.status), `${confirm.status}`);
  assert.ok(await waitFor(async () => (await c.me()) === null, 10000), 'the provider\'s logout token ended the session');
  assert.equal(Number(sqlValue(`SELECT count(*) FROM sessions WHERE user_id = ${pm.id}`)), 0);
});
