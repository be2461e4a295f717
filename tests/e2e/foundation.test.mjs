// The shared mechanisms: who may see what, CSRF, security headers, the
// error envelope for bad input (and nothing changed), sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, person, sql, sqlValue, snapshot, formCsrf, setCookies, BASE, PASSWORD } from '../lib/drive.mjs';

const admin = await person('admin');
const client = await person('client');

function assertEnvelope(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(typeof r.json.error.code, 'string');
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 3);
  if (code) assert.equal(r.json.error.code, code);
}

test('/healthz answers 200 without a session', async () => {
  const r = await fetch(`${BASE}/healthz`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { status: 'ok' });
});

test('anonymous: the API answers 401 with the envelope, pages redirect to /login', async () => {
  const anon = new Client();
  for (const [m, p] of [['GET', '/api/v1/me'], ['GET', '/api/v1/invitations'],
    ['POST', '/api/v1/invitations'], ['DELETE', '/api/v1/invitations/1'], ['DELETE', '/api/v1/session']]) {
    const r = await anon.api(m, p, m === 'POST' ? {} : undefined);
    assertEnvelope(r, 401, 'unauthenticated');
  }
  for (const [p, to] of [['/', '/login'], ['/admin/invitations', '/login?next=%2Fadmin%2Finvitations']]) {
    const r = await anon.page(p);
    assert.equal(r.status, 303, p);
    assert.equal(r.headers.get('location'), to);
  }
  // What an anonymous person may open.
  assert.equal((await anon.page('/login')).status, 200);
  assert.equal((await anon.page('/static/drive.css')).status, 200);
});

test('roles: a client gets 403 on admin pages and API', async () => {
  assertEnvelope(await client.api('GET', '/api/v1/invitations'), 403, 'forbidden');
  assertEnvelope(await client.api('POST', '/api/v1/invitations', { email: 'x@y.test', role: 'admin' }), 403, 'forbidden');
  assertEnvelope(await client.api('DELETE', '/api/v1/invitations/1'), 403, 'forbidden');
  const page = await client.page('/admin/invitations');
  assert.equal(page.status, 403);
  assert.match(page.headers.get('content-type'), /^text\/html/);
});

test('CSRF: a state-changing call without or with a wrong token is refused and changes nothing', async () => {
  const before = snapshot();
  const body = { email: 'csrf@example.test', role: 'pm' };
  // No header at all.
  const raw = await admin.fetch('/api/v1/invitations', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(raw.status, 403);
  assert.equal((await raw.json()).error.code, 'csrf');
  // Made up, another person's, or malformed.
  for (const token of ['ab'.repeat(32), client.csrf, 'short']) {
    assertEnvelope(await admin.api('POST', '/api/v1/invitations', body, { 'x-csrf-token': token }), 403, 'csrf');
  }
  // Forms: the same for pages.
  const f = await admin.form('/admin/invitations', { email: 'csrf@example.test', role: 'pm', csrf_token: 'ab'.repeat(32) });
  assert.equal(f.status, 403);
  const f2 = await admin.form('/logout', {});
  assert.equal(f2.status, 403);
  assert.deepEqual(snapshot(), before);
  // Anonymous forms: the double-submit cookie must match.
  const anon = new Client();
  await anon.page('/login');
  const l = await anon.form('/login', { email: admin.email, password: PASSWORD, csrf_token: 'cd'.repeat(32) });
  assert.equal(l.status, 403);
  assert.deepEqual(snapshot(), before);
});

test('security headers on every HTML answer', async () => {
  for (const [c, p] of [[new Client(), '/login'], [client, '/'], [admin, '/admin/invitations'], [client, '/no/such/page']]) {
    const r = await c.page(p);
    const h = r.headers;
    const csp = h.get('content-security-policy');
    assert.ok(csp, p);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(h.get('x-content-type-options'), 'nosniff');
    assert.equal(h.get('referrer-policy'), 'same-origin');
    assert.equal(h.get('x-frame-options'), 'DENY');
    assert.equal(h.get('cache-control'), 'no-store');
    assert.equal(h.get('server'), 'drive');
    assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>/i, `inline script on ${p}`);
    assert.doesNotMatch(r.text, /\son[a-z]+=/i, `inline handler on ${p}`);
    assert.doesNotMatch(r.text, /(src|href|action|srcset)="(https?:)?\/\/(?!127\.0\.0\.1)/i, `third-party resource on ${p}`);
  }
});

test('the session cookie is HttpOnly, SameSite=Lax, and Secure behind TLS', async () => {
  const c = new Client();
  let r = await c.fetch('/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: client.email, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  const plain = setCookies(r.headers).find((s) => s.startsWith('drive_session='));
  assert.match(plain, /HttpOnly/);
  assert.match(plain, /SameSite=Lax/);
  assert.doesNotMatch(plain, /Secure/);
  assert.match(plain, /^drive_session=[0-9a-f]{64};/);
  r = await new Client().fetch('/api/v1/session', {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ email: client.email, password: PASSWORD }),
  });
  assert.match(setCookies(r.headers).find((s) => s.startsWith('drive_session=')), /; Secure/);
  // Only the hash of the token is stored.
  const token = plain.match(/^drive_session=([0-9a-f]{64})/)[1];
  assert.equal(sqlValue(`SELECT count(*) FROM sessions WHERE encode(token_hash, 'hex') = '${token}'`), '0');
});

test('sign in, /me, sign out: the session is dead server-side', async () => {
  const c = new Client();
  const before = Number(sqlValue('SELECT count(*) FROM sessions'));
  const r = await c.signIn(client.email, PASSWORD);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json.user).sort(), ['id', 'name', 'role']);
  assert.equal(r.json.user.role, 'client');
  assert.equal(Number(sqlValue('SELECT count(*) FROM sessions')), before + 1);
  const cookie = c.cookies.get('drive_session');
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200);
  const out = await c.api('DELETE', '/api/v1/session');
  assert.equal(out.status, 200);
  assert.equal(Number(sqlValue('SELECT count(*) FROM sessions')), before);
  // Replaying the old cookie does not work.
  const replay = new Client();
  replay.cookies.set('drive_session', cookie);
  assertEnvelope(await replay.api('GET', '/api/v1/me'), 401);
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'session.sign_out' AND actor_id = ${client.id}`) >= '1', true);
});

test('wrong password or unknown e-mail: the same 401, audited, no session', async () => {
  const before = Number(sqlValue('SELECT count(*) FROM sessions'));
  const a = await new Client().signIn(client.email, 'wrong password here');
  const b = await new Client().signIn('nobody@example.test', 'wrong password here');
  assertEnvelope(a, 401, 'invalid_credentials');
  assertEnvelope(b, 401, 'invalid_credentials');
  assert.equal(a.text, b.text);
  assert.equal(Number(sqlValue('SELECT count(*) FROM sessions')), before);
  assert.ok(Number(sqlValue("SELECT count(*) FROM audit_log WHERE action = 'session.sign_in_failed'")) >= 2);
});

test('the login page signs in with a form and keeps the e-mail on failure', async () => {
  const c = new Client();
  const page = await c.page('/login');
  const csrf = formCsrf(page.text);
  const bad = await c.form('/login', { csrf_token: csrf, email: client.email, password: 'not the password', next: '/' });
  assert.equal(bad.status, 401);
  assert.ok(bad.text.includes(`value="${client.email}"`));
  assert.match(bad.text, /role="alert"/);
  const ok = await c.form('/login', { csrf_token: csrf, email: client.email, password: PASSWORD, next: '//evil.example/' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/', 'no open redirect');
  assert.equal((await c.page('/')).status, 200);
  // Signed in: /login goes home; sign-out by the form.
  assert.equal((await c.page('/login')).headers.get('location'), '/');
  const home = await c.page('/');
  const out = await c.form('/logout', { csrf_token: formCsrf(home.text) });
  assert.equal(out.status, 303);
  assert.equal((await c.page('/')).status, 303);
});

test('a link opened signed out comes back after signing in (a local path only)', async () => {
  const c = new Client();
  const r = await c.page('/ideas/849?sort=new');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login?next=%2Fideas%2F849%3Fsort%3Dnew');
  const page = await c.page(r.headers.get('location'));
  assert.equal(page.status, 200);
  assert.ok(page.text.includes('name="next" value="/ideas/849?sort=new"'), 'the form carries the way back');
  const ok = await c.form('/login', { csrf_token: formCsrf(page.text), email: client.email, password: PASSWORD,
    next: '/ideas/849?sort=new' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/ideas/849?sort=new');
  // Signed in, /login?next= goes straight there; never to another host.
  assert.equal((await c.page('/login?next=%2Fnotifications')).headers.get('location'), '/notifications');
  assert.equal((await c.page('/login?next=%2F%2Fevil.example%2F')).headers.get('location'), '/');
  // A form sent after the session ended starts over at /login, no way back.
  const anon = new Client();
  const post = await anon.form('/ideas/849/vote', { action: 'cast' });
  assert.equal(post.headers.get('location'), '/login');
  // A path that is not plain (a control character) is not carried.
  const odd = await anon.page('/ideas/849?q=%0a');
  assert.equal(odd.headers.get('location'), '/login');
});

test('sessions end after 30 minutes idle and 12 hours in all', async () => {
  const idle = new Client();
  await idle.signIn(client.email, PASSWORD);
  const old = new Client();
  await old.signIn(client.email, PASSWORD);
  const hash = (c) => `decode('${require_hash(c)}', 'hex')`;
  sql(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = ${hash(idle)}`);
  sql(`UPDATE sessions SET created_at = now() - interval '12 hours 1 minute' WHERE token_hash = ${hash(old)}`);
  assertEnvelope(await idle.api('GET', '/api/v1/me'), 401);
  assertEnvelope(await old.api('GET', '/api/v1/me'), 401);
});

import { createHash } from 'node:crypto';
function require_hash(c) {
  return createHash('sha256').update(Buffer.from(c.cookies.get('drive_session'), 'hex')).digest('hex');
}

test('bad input: 4xx with the envelope, never 5xx, nothing changed', async () => {
  const before = snapshot();
  const cases = [
    ['{"email": "a@b.test", ', 400],                         // malformed JSON
    ['[1, 2, 3]', 400],                                      // not an object
    ['"string"', 400],
    ['{"email":"a@b.test","email":"c@d.test","role":"pm"}', 400], // duplicate keys
    [Buffer.from('{"email":"a\xff@b.test","role":"pm"}', 'latin1'), 400], // bad UTF-8
    ['{"email":"a\\u0000@b.test","role":"pm"}', 400],       // NUL
    ['{"email":"a@b.test","role":"pm","pad":"' + 'x'.repeat(70000) + '"}', 413],
    ['email=a@b.test&role=pm', 415, 'application/x-www-form-urlencoded'],
    ['{"email":{"nested":1},"role":"pm"}', 422],
    ['{"email":"a@b.test","role":null}', 422],
    ['{}', 422],
  ];
  for (const [body, status, type] of cases) {
    const res = await admin.fetch('/api/v1/invitations', {
      method: 'POST', headers: { 'content-type': type || 'application/json', 'x-csrf-token': admin.csrf }, body,
    });
    const text = await res.text();
    assert.equal(res.status, status, `${String(body).slice(0, 60)}: ${text}`);
    const json = JSON.parse(text);
    assert.equal(typeof json.error.code, 'string');
    assert.equal(typeof json.error.message, 'string');
  }
  // Forms with NUL bytes and broken escapes.
  const page = await admin.page('/admin/invitations');
  const csrf = formCsrf(page.text);
  for (const body of [`csrf_token=${csrf}&email=a%00b@c.test&role=pm`, `csrf_token=${csrf}&email=%zz&role=pm`,
    `csrf_token=${csrf}&email=a%C0%AFb@c.test&role=pm`]) {
    const res = await admin.fetch('/admin/invitations', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    assert.ok(res.status >= 400 && res.status < 500, `${body}: ${res.status}`);
  }
  assert.deepEqual(snapshot(), before);
});

test('forms keep newlines (Kore drops them; our decoder does not)', async () => {
  // A display name must be one line: a newline is refused, not silently cut.
  const page = await admin.page('/admin/invitations');
  const res = await admin.fetch('/admin/invitations', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `csrf_token=${formCsrf(page.text)}&email=nl%40example.test&role=client&organization=Two%0D%0ALines`,
  });
  assert.equal(res.status, 422);
  const text = await res.text();
  assert.ok(text.includes('Two\nLines'), 'the newline survived decoding (CRLF became LF)');
});

test('unknown paths: 404 page for people, envelope for the API', async () => {
  const p = await client.page('/nothing-here');
  assert.equal(p.status, 404);
  assert.match(p.headers.get('content-type'), /text\/html/);
  assertEnvelope(await client.api('GET', '/api/v1/nothing'), 404, 'not_found');
});

test('German from Accept-Language', async () => {
  const r = await new Client().fetch('/login', { headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
  const html = await r.text();
  assert.match(html, /<html lang="de">/);
  assert.equal(r.headers.get('content-language'), 'de');
  const e = await new Client().api('GET', '/api/v1/me', undefined, { 'accept-language': 'de' });
  assert.equal(e.status, 401);
  assert.match(e.json.error.message, /melden/);
});
