// Issue 12, findings 4-6: redirect targets from input, posing as bank
// staff, the per-address limit and the proxies believed, the password
// change (limited, audited, ends tokens), tokens minted by tokens, bad
// query values, and the headers of static files.  Each test failed on
// main before its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  BASE, Client, person, sql, sqlValue, count, unique, formCsrf, drivectlInvite, PASSWORD,
} from '../lib/drive.mjs';

const { hostname, port } = new URL(BASE);

// One request on its own connection; the answer's head exactly as sent.
function raw(request) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: hostname, port: Number(port) });
    const chunks = [];
    s.setTimeout(10000, () => { s.destroy(); reject(new Error('raw: timeout')); });
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const lines = head.split('\r\n');
      resolve({ status: Number(lines[0].split(' ')[1]), lines, head });
    });
    s.write(request);
  });
}

function header(lines, name) {
  const l = lines.filter((x) => x.toLowerCase().startsWith(`${name}:`));
  return l.map((x) => x.slice(name.length + 1).trim());
}

// A sign-in by the login form, sent byte for byte; `next` as given
// (it is URL-encoded here, as a browser encodes a form field).
async function loginWithNext(who, next) {
  const c = new Client();
  const page = await c.page('/login');
  const csrf = formCsrf(page.text);
  const body = `csrf_token=${csrf}&email=${encodeURIComponent(who.email)}` +
    `&password=${encodeURIComponent(PASSWORD)}&next=${next}`;
  return raw(`POST /login HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
    `Cookie: ${c.cookieHeader()}\r\nX-Forwarded-For: ${c.address}\r\n` +
    'Content-Type: application/x-www-form-urlencoded\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

const signer = await person('client');

test('sign-in next: CR/LF never reaches the answer\'s head (no injected Set-Cookie)', async () => {
  for (const next of ['/%0d%0aSet-Cookie:%20injected=1', '/%0aSet-Cookie:%20injected=1',
    '/x%0d%0aSet-Cookie:%20injected=1', '/%0dSet-Cookie:%20injected=1']) {
    const r = await loginWithNext(signer, next);
    assert.equal(r.status, 303, next);
    assert.ok(!/injected/i.test(r.head), `${next}: ${r.head}`);
    assert.deepEqual(header(r.lines, 'location'), ['/'], next);
    // Only the session cookie is set (and the CSRF one may be refreshed).
    for (const c of header(r.lines, 'set-cookie')) assert.match(c, /^drive_(session|csrf)=/);
  }
});

test('sign-in next: tabs, backslashes, encoded slashes and other hosts go home', async () => {
  const bad = [
    '/%09/evil.example/x', '%09//evil.example/x', '/%5Cevil.example', '//evil.example/',
    'https://evil.example/', '/%252F/evil.example', '/%255Cevil.example', '/%2509/evil.example',
    '/%20/evil.example', '/%00', '/%7F', '/%C3%A9', 'evil', '',
  ];
  for (const next of bad) {
    const r = await loginWithNext(signer, next);
    assert.equal(r.status, 303, next);
    assert.deepEqual(header(r.lines, 'location'), ['/'], `${next}: ${r.head}`);
  }
  // A path on this site is kept as it is.
  for (const [next, want] of [['/ideas/7', '/ideas/7'], ['/%3Fsort%3Dnew%26q%3Dx', '/?sort=new&q=x'],
    ['/notifications', '/notifications']]) {
    const r = await loginWithNext(signer, next);
    assert.deepEqual(header(r.lines, 'location'), [want], next);
  }
});

test('display names: control and format characters are refused, nothing is created', async () => {
  const names = ['Julia\u200bBrandt', 'Julia \u202eBrandt', 'Julia \u2066Brandt\u2069',
    'Julia\u00adBrandt', '\ufeffJulia Brandt', 'Julia\u0085Brandt', 'Julia\u2028Brandt',
    'Julia\u200dBrandt', 'Julia\u061cBrandt', 'Julia\u{e0041}Brandt'];
  const token = drivectlInvite(`${unique('nm')}@example.test`, 'pm');
  const before = count('users');
  for (const name of names) {
    const r = await new Client().accept(token, name, PASSWORD);
    assert.equal(r.status, 422, JSON.stringify(name));
    assert.equal(r.json.error.field, 'name');
  }
  assert.equal(count('users'), before);
  // The same invitation still works with an honest name.
  assert.equal((await new Client().accept(token, 'Julia Brandt', PASSWORD)).status, 201);
});

test('display names: a client cannot carry a "Bank" label, however spelt', async () => {
  const labels = ['Julia Brandt (Bank)', 'Julia Brandt [Bank]', 'Julia Brandt (BANK)',
    'Julia Brandt {bank}', 'Julia Brandt (\u0412ank)', 'Julia Brandt (B\u0430nk)',
    'Julia Brandt (\uff22\uff41\uff4e\uff4b)', 'Julia Brandt \uff08Bank\uff09', 'Julia Brandt - Bank',
    'Julia Brandt Bank', 'Julia Brandt (Ba\u0301nk)', 'Julia Brandt (B a n k)',
    'Julia Brandt \u3010Bank\u3011', 'Julia Brandt (\ud835\udc01\ud835\udc1a\ud835\udc27\ud835\udc24)',
    'Julia Brandt (Bankmitarbeiterin)', 'Julia Brandt (Transaction Bank)', 'Bank'];
  const token = drivectlInvite(`${unique('nb')}@example.test`, 'client', unique('Org'));
  const before = count('users');
  for (const name of labels) {
    const r = await new Client().accept(token, name, PASSWORD);
    assert.equal(r.status, 422, name);
    assert.equal(r.json.error.field, 'name', name);
    assert.match(r.json.error.message, /Bank/, name);
  }
  assert.equal(count('users'), before);
  // Names that merely contain the letters stay possible.
  const c = new Client();
  const ok = await c.accept(token, 'Tyra Banks', PASSWORD);
  assert.equal(ok.status, 201);

  // The profile refuses the label too and keeps the old name.
  const page = await c.page('/profile');
  const r = await c.form('/profile', { csrf_token: formCsrf(page.text), name: 'Tyra Banks (Bank)', lang: 'en' });
  assert.equal(r.status, 422);
  assert.match(r.text, /Bank/);
  assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${ok.json.user.id}`), 'Tyra Banks');

  // Bank staff may name themselves as they like (the label is added).
  const pm = await person('pm');
  const p = await pm.page('/profile');
  assert.equal((await pm.form('/profile', { csrf_token: formCsrf(p.text), name: 'Julia Brandt (Bank)', lang: 'en' })).status, 303);
});

// A random documentation address, written out in full (no "::").
function longV6() {
  const b = randomBytes(4);
  return `2001:db8:0:0:0:0:${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
}

test('the per-address sign-in limit holds for an IPv6 address however it is written', async () => {
  const long = longV6();
  const short = long.replace(':0:0:0:0:', '::');
  const c = new Client();
  for (let i = 0; i < 10; i++) {
    c.address = i % 2 ? long : long.toUpperCase();
    const r = await c.signIn(`${unique('v6')}@example.test`, 'wrong password!!');
    assert.equal(r.status, 401);
  }
  c.address = long;
  assert.equal((await c.signIn(`${unique('v6')}@example.test`, 'wrong password!!')).status, 429);
  c.address = short;
  assert.equal((await c.signIn(signer.email, PASSWORD)).status, 429);
  // The address is recorded in one form.
  assert.equal(sqlValue(`SELECT count(DISTINCT key) FROM auth_failures WHERE scope = 'address' AND key::inet = '${short}'::inet`), '1');
});

// A request from a given local address (Linux routes all of 127/8 to lo).
function fromAddress(local, path, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port: Number(port), path, method: 'POST',
      localAddress: local, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ email: `${unique('xff')}@example.test`, password: 'wrong password!!' }));
  });
}

test('X-Forwarded-For is believed only from a configured proxy', async () => {
  // The test stack trusts 127.0.0.1 (DRIVE_TRUSTED_PROXIES in tests/run.sh),
  // so that each test client can have its own address; 127.0.0.2 is not
  // configured and is a local process like any other.
  const b = randomBytes(2);
  const claimed = `198.51.100.${1 + (b[0] % 250)}`;
  assert.equal(await fromAddress('127.0.0.2', '/api/v1/session', { 'x-forwarded-for': claimed }), 401);
  assert.equal(await fromAddress('127.0.0.1', '/api/v1/session', { 'x-forwarded-for': claimed }), 401);
  const seen = sql(`SELECT host(address) FROM audit_log WHERE action = 'session.sign_in_failed' ORDER BY id DESC LIMIT 2`).map((x) => x[0]);
  assert.deepEqual(seen, [claimed, '127.0.0.2']);
  // The ignored header is told in the log, once a worker: a proxy that
  // was forgotten would otherwise make every client one address.
  const log = readFileSync(process.env.DRIVE_TEST_KORE_LOG, 'utf8');
  assert.match(log, /X-Forwarded-For from 127\.0\.0\.2 ignored: name the proxy in DRIVE_TRUSTED_PROXIES/);
  assert.ok(!log.includes(claimed), 'the claimed address is not logged');
});

test('a password change: limited like sign-in, audited, and it ends every session and token', async () => {
  const c = await person('client');
  const t = await c.api('POST', '/api/v1/tokens', { name: 'Script' });
  assert.equal(t.status, 201);
  const bearer = { authorization: `Bearer ${t.json.token}` };
  const b = new Client();
  assert.equal((await b.api('GET', '/api/v1/me', undefined, bearer)).status, 200);

  const page = await c.page('/profile');
  const csrf = formCsrf(page.text);
  const change = (current) => c.form('/profile/password', { csrf_token: csrf, current_password: current,
    new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' });
  const audited = () => Number(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.password_failed' AND actor_id = ${c.id}`));
  const hashBefore = sqlValue(`SELECT password_hash FROM users WHERE id = ${c.id}`);
  for (let i = 0; i < 10; i++) {
    assert.equal((await change(`wrong guess number ${i}`)).status, 422);
    assert.equal(audited(), i + 1);
  }
  // The eleventh guess is not even tried, right or wrong.
  let r = await change(PASSWORD);
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.equal(sqlValue(`SELECT password_hash FROM users WHERE id = ${c.id}`), hashBefore);
  assert.equal(audited(), 10);

  // From a fresh account with the right password: changed, audited,
  // every session and every token ends.
  const d = await person('client');
  const t2 = await d.api('POST', '/api/v1/tokens', { name: 'Script' });
  const other = new Client();
  assert.equal((await other.signIn(d.email, PASSWORD)).status, 200);
  const p2 = await d.page('/profile');
  r = await d.form('/profile/password', { csrf_token: formCsrf(p2.text), current_password: PASSWORD,
    new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' });
  assert.equal(r.status, 303);
  assert.equal((await b.api('GET', '/api/v1/me', undefined, { authorization: `Bearer ${t2.json.token}` })).status, 401);
  assert.equal((await other.api('GET', '/api/v1/me')).status, 401);
  assert.equal(sqlValue(`SELECT count(*) FROM api_tokens WHERE user_id = ${d.id} AND revoked_at IS NULL`), '0');
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.password' AND actor_id = ${d.id}`), '1');
});

test('a bearer token cannot mint more tokens', async () => {
  const c = await person('client');
  const t = await c.api('POST', '/api/v1/tokens', { name: 'First' });
  assert.equal(t.status, 201);
  const before = count('api_tokens');
  const r = await new Client().api('POST', '/api/v1/tokens', { name: 'Second' },
    { authorization: `Bearer ${t.json.token}` });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  assert.equal(count('api_tokens'), before);
});

test('the audit log refuses a "before" beyond any id with 400, not 500', async () => {
  const admin = await person('admin');
  for (const v of ['99999999999999999999', '9223372036854775808']) {
    const r = await admin.page(`/admin/audit?before=${v}`);
    assert.equal(r.status, 400, v);
  }
  assert.equal((await admin.page('/admin/audit?before=9223372036854775807')).status, 200);
});

test('a NUL in a query value is refused with 400, not cut', async () => {
  const c = await person('client');
  let r = await c.api('GET', '/api/v1/ideas?q=a%00b');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'q');
  r = await c.page('/?q=a%00b');
  assert.equal(r.status, 400);
  for (const p of ['/api/v1/ideas?sort=top%00x', '/api/v1/ideas?status=new%00', '/api/v1/ideas?area=fx%00']) {
    assert.equal((await c.api('GET', p)).status, 400, p);
  }
  const admin = await person('admin');
  assert.equal((await admin.page('/admin/audit?actor=a%00b')).status, 400);
  assert.equal((await admin.page('/admin/users?q=a%00b')).status, 400);
  assert.equal((await admin.page('/triage?area=fx%00')).status, 400);
  assert.equal((await admin.page('/triage?area=fx')).status, 200);
});

test('static files carry the security headers, are cached by validation, and stay inside', async () => {
  const r = await fetch(`${BASE}/static/drive.css`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/css/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'same-origin');
  assert.match(r.headers.get('content-security-policy') || '', /default-src 'none'/);
  assert.match(r.headers.get('content-security-policy') || '', /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  const body = await r.text();
  assert.ok(body.length > 1000);
  // Served minified (app/minify.c): no comment, no line break.
  assert.doesNotMatch(body, /\/\*|\n/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const again = await fetch(`${BASE}/static/drive.css`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get('x-content-type-options'), 'nosniff');
  // Every file the pages reference: its type, the headers, validation.
  for (const [p, type] of [['/static/pages.css', /^text\/css/], ['/static/drive.js', /javascript/],
    ['/static/confirm.js', /javascript/], ['/static/similar.js', /javascript/],
    ['/static/favicon.svg', /^image\/svg\+xml/]]) {
    const s = await fetch(`${BASE}${p}`);
    assert.equal(s.status, 200, p);
    assert.match(s.headers.get('content-type'), type, p);
    assert.equal(s.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(s.headers.get('cache-control'), 'no-cache', p);
    const tag = s.headers.get('etag');
    assert.match(tag || '', /^"[0-9a-f]{16}"$/, p);
    const text = await s.text();
    // Scripts too: no comment, no indentation, no blank line.
    if (/javascript/.test(s.headers.get('content-type'))) assert.doesNotMatch(text, /\/\*|\n[ \n]/, p);
    const same = await fetch(`${BASE}${p}`, { headers: { 'if-none-match': tag } });
    assert.equal(same.status, 304, p);
    assert.equal(await same.text(), '', p);
  }
  const head = await fetch(`${BASE}/static/drive.css`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  for (const p of ['/static/nope.css', '/static/../conf/drive.conf', '/static/%2e%2e/conf/drive.conf', '/static/']) {
    const n = await raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.equal(n.status, 404, p);
    assert.equal(header(n.lines, 'x-content-type-options')[0], 'nosniff', p);
  }
  const post = await fetch(`${BASE}/static/drive.css`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 405);
});
