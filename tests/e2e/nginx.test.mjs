// The shipped nginx configuration in front of the test Kore: every refusal
// Kore 4.1.0 makes before the module runs (empty bodies) comes back under
// /api/v1 as the JSON error envelope, and pages and the API still work
// through it.  nginx runs from conf/nginx-drive.conf with the ports and
// paths of this run and plain HTTP instead of TLS, on a free port, and is
// stopped by its PID.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { BASE, ROOT, Client, person, count, unique } from '../lib/drive.mjs';

const KORE_PORT = Number(new URL(BASE).port);
const DIR = `${process.env.DRIVE_TEST_WORK || '/tmp'}/nginx-${process.pid}`;
let NPORT;
let nginx;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// The shipped file, made runnable here: no redirect server, plain HTTP on
// our port, the test Kore upstream.
function siteConfig(text, port, korePort) {
  const redirect = /server \{\s*listen 80;[\s\S]*?\n\}\n/;
  assert.match(text, redirect, 'the shipped file has its port-80 redirect');
  assert.match(text, /listen 443 ssl http2;/);
  assert.match(text, /http:\/\/127\.0\.0\.1:8888/);
  return text.replace(redirect, '')
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port};`)
    .replace(/^\s*ssl_\S+.*$/gm, '')
    .replaceAll('http://127.0.0.1:8888', `http://127.0.0.1:${korePort}`);
}

async function answers(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return true;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

// Starts nginx with the shipped site in dir, in front of korePort.
async function startNginx(dir, korePort) {
  const port = await freePort();
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(`${dir}/tmp/${t}`, { recursive: true });
    chmodSync(`${dir}/tmp/${t}`, 0o777);	// nginx's workers drop root
  }
  const site = siteConfig(readFileSync(`${ROOT}/conf/nginx-drive.conf`, 'utf8'), port, korePort);
  writeFileSync(`${dir}/drive-site.conf`, site);
  writeFileSync(`${dir}/nginx.conf`, `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
	access_log ${dir}/access.log;
	client_body_temp_path ${dir}/tmp/body;
	proxy_temp_path ${dir}/tmp/proxy;
	fastcgi_temp_path ${dir}/tmp/fastcgi;
	uwsgi_temp_path ${dir}/tmp/uwsgi;
	scgi_temp_path ${dir}/tmp/scgi;
	include ${dir}/drive-site.conf;
}
`);
  const args = ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`];
  execFileSync('nginx', [...args, '-t', '-q']);
  const proc = spawn('nginx', [...args, '-g', 'daemon off;'], { stdio: 'ignore' });
  return { proc, port };
}

async function stopNginx(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  process.kill(proc.pid, 'SIGTERM');
  await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, 'SIGKILL');
}

before(async () => {
  ({ proc: nginx, port: NPORT } = await startNginx(DIR, KORE_PORT));
  assert.ok(await answers(`http://127.0.0.1:${NPORT}/healthz`, 5000), 'nginx answers');
});

after(() => stopNginx(nginx));

// One request as bytes, the answer parsed: {status, headers, body} or
// {error} when the connection broke without an answer.
function raw(port, bytes, ms = 5000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks = [];
    let settled = false;
    const done = (error) => {
      if (settled) return;
      settled = true;
      s.destroy();
      const buf = Buffer.concat(chunks);
      const at = buf.indexOf('\r\n\r\n');
      if (at < 0) return resolve({ error: error || 'no answer', bytes: buf.length });
      const lines = buf.subarray(0, at).toString('latin1').split('\r\n');
      const headers = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body: buf.subarray(at + 4).toString('utf8') });
    };
    s.setTimeout(ms, () => done('timeout'));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => done(null));
    s.on('error', (e) => done(e.code));
    s.on('connect', () => s.write(bytes));
  });
}

function request(lines, body = '') {
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

// The JSON error envelope with a JSON content type.
function envelope(r, status, what) {
  assert.equal(r.error, undefined, `${what}: ${r.error}`);
  assert.equal(r.status, status, `${what}: ${r.status} ${r.body}`);
  assert.match(r.headers['content-type'] || '', /^application\/json/, `${what}: content type`);
  const j = JSON.parse(r.body);
  assert.deepEqual(Object.keys(j), ['error'], what);
  assert.equal(typeof j.error.code, 'string', what);
  assert.ok(j.error.message.length > 0, what);
  return j.error;
}

// Kore's own answer for the same bytes: what a client talking to Kore
// directly still sees (README), and why nginx has to step in.
function bare(r, status, what) {
  if (status === null) {
    assert.ok(r.error, `${what}: Kore breaks the connection`);
    return;
  }
  assert.equal(r.status, status, `${what} (Kore directly)`);
  assert.equal(r.body, '', `${what} (Kore directly): empty body`);
  assert.equal(r.headers['content-type'], undefined);
}

const ideasBody = JSON.stringify({ title: 'Through nginx', body: 'x', area: 'cash-management' });

test('a 2 MB body: 413 envelope through nginx, nothing stored', async () => {
  const c = await person('client');
  const before = count('ideas');
  const head = ['POST /api/v1/ideas HTTP/1.1', 'Host: drive', 'Content-Type: application/json',
    `Cookie: ${c.cookieHeader()}`, `X-CSRF-Token: ${c.csrf}`, 'Content-Length: 2000000', 'Connection: close'];
  bare(await raw(KORE_PORT, request(head)), 413, '2 MB body');
  const r = await raw(NPORT, request(head));
  assert.equal(envelope(r, 413, '2 MB body').code, 'too_large');
  assert.equal(count('ideas'), before);
});

test('a body within Kore\'s limit but above the module\'s: the module\'s own envelope passes through', async () => {
  const c = await person('client');
  const before = count('ideas');
  const big = JSON.stringify({ title: 'Too long', body: 'x'.repeat(100 * 1024), area: 'cash-management' });
  const head = ['POST /api/v1/ideas HTTP/1.1', 'Host: drive', 'Content-Type: application/json',
    'Accept-Language: de', `Cookie: ${c.cookieHeader()}`, `X-CSRF-Token: ${c.csrf}`,
    `Content-Length: ${Buffer.byteLength(big)}`, 'Connection: close'];
  const r = await raw(NPORT, request(head, big));
  const e = envelope(r, 413, '100 KB body');
  assert.equal(e.code, 'too_large');
  assert.match(e.message, /Daten/, 'the module\'s German message, not nginx\'s');
  assert.ok(r.headers['content-security-policy'], 'the module\'s headers');
  assert.equal(count('ideas'), before);
});

test('a 3,000-byte URI: 414 envelope', async () => {
  const path = `/api/v1/ideas?q=${'a'.repeat(3000)}`;
  const head = [`GET ${path} HTTP/1.1`, 'Host: drive', 'Connection: close'];
  bare(await raw(KORE_PORT, request(head)), 414, '3,000-byte URI');
  assert.equal(envelope(await raw(NPORT, request(head)), 414, '3,000-byte URI').code, 'uri_too_long');
  // The longest URI Kore takes still reaches it (401: not signed in).
  const ok = `/api/v1/ideas?q=${'a'.repeat(1998 - '/api/v1/ideas?q='.length)}`;
  const r = await raw(NPORT, request([`GET ${ok} HTTP/1.1`, 'Host: drive', 'Connection: close']));
  assert.equal(envelope(r, 401, '1,998-byte URI').code, 'unauthenticated');
});

test('a header byte outside ASCII: 400 envelope; in a header Drive does not read it is not passed on', async () => {
  const c = await person('client');
  const head = (extra) => request(['GET /api/v1/me HTTP/1.1', 'Host: drive', `Cookie: ${c.cookieHeader()}`,
    extra, 'Connection: close'].map((l) => l));
  const accept = Buffer.concat([Buffer.from('Accept-Language: d'), Buffer.from([0xc3, 0xa9])]).toString('latin1');
  bare(await raw(KORE_PORT, head(accept)), 400, 'non-ASCII Accept-Language');
  assert.equal(envelope(await raw(NPORT, head(accept)), 400, 'non-ASCII Accept-Language').code, 'bad_request');
  const cookie = request(['GET /api/v1/me HTTP/1.1', 'Host: drive',
    `Cookie: ${c.cookieHeader()}; x=caf\u00e9`, 'Connection: close']);
  assert.equal(envelope(await raw(NPORT, cookie), 400, 'non-ASCII cookie').code, 'bad_request');
  const note = Buffer.concat([Buffer.from('X-Note: caf'), Buffer.from([0xc3, 0xa9])]).toString('latin1');
  bare(await raw(KORE_PORT, head(note)), 400, 'non-ASCII X-Note');
  const r = await raw(NPORT, head(note));
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).user.id, c.id);
});

test('headers larger than Kore\'s header block: 431 envelope (Kore resets the connection)', async () => {
  const head = request(['GET /api/v1/me HTTP/1.1', 'Host: drive', `Cookie: big=${'b'.repeat(5000)}`,
    'Connection: close']);
  bare(await raw(KORE_PORT, head), null, '5 KB cookie');
  assert.equal(envelope(await raw(NPORT, head), 431, '5 KB cookie').code, 'headers_too_large');
});

test('a body without Content-Length: 411 envelope; a chunked body is read by nginx and handled', async () => {
  const nolen = request(['POST /api/v1/session HTTP/1.1', 'Host: drive', 'Content-Type: application/json',
    'Connection: close']);
  bare(await raw(KORE_PORT, nolen), 411, 'no Content-Length');
  assert.equal(envelope(await raw(NPORT, nolen), 411, 'no Content-Length').code, 'length_required');

  const json = JSON.stringify({ email: `${unique('nobody')}@example.test`, password: 'not the right one' });
  const chunked = request(['POST /api/v1/session HTTP/1.1', 'Host: drive', 'Content-Type: application/json',
    'Transfer-Encoding: chunked', 'Connection: close'],
  `${Buffer.byteLength(json).toString(16)}\r\n${json}\r\n0\r\n\r\n`);
  bare(await raw(KORE_PORT, chunked), 411, 'chunked');
  assert.equal(envelope(await raw(NPORT, chunked), 401, 'chunked sign-in, wrong password').code, 'invalid_credentials');
});

test('a bad HTTP version: 505 envelope', async () => {
  const lines = (v) => request([`GET /api/v1/me ${v}`, 'Host: drive', 'Connection: close']);
  bare(await raw(KORE_PORT, lines('HTTP/1.2')), 505, 'HTTP/1.2');
  // nginx speaks HTTP/1.1 to Kore whatever 1.x the client sent.
  assert.equal(envelope(await raw(NPORT, lines('HTTP/1.2')), 401, 'HTTP/1.2').code, 'unauthenticated');
  assert.equal(envelope(await raw(NPORT, lines('HTTP/3.0')), 505, 'HTTP/3.0').code, 'http_version');
});

test('a method Kore does not know: 501 envelope', async () => {
  const head = request(['PROPFIND /api/v1/ideas HTTP/1.1', 'Host: drive', 'Connection: close']);
  bare(await raw(KORE_PORT, head), 400, 'PROPFIND');
  assert.equal(envelope(await raw(NPORT, head), 501, 'PROPFIND').code, 'not_implemented');
  // TRACE nginx refuses before it picks a location: the envelope too.
  const trace = request(['TRACE /api/v1/ideas HTTP/1.1', 'Host: drive', 'Connection: close']);
  assert.equal(envelope(await raw(NPORT, trace), 501, 'TRACE').code, 'not_implemented');
  // A page gets nginx's own page for the same.
  const page = await raw(NPORT, request(['PROPFIND /ideas/new HTTP/1.1', 'Host: drive', 'Connection: close']));
  assert.equal(page.status, 501);
  assert.match(page.headers['content-type'], /^text\/html/);
});

test('pages and the API work through nginx; the module\'s answers pass untouched', async () => {
  const N = `http://127.0.0.1:${NPORT}`;
  const c = await person('client');
  // Sign in through nginx: the cookie and the CSRF token come back.
  const viaNginx = new Client();
  const login = await fetch(`${N}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: c.email, password: 'a long enough passphrase' }) });
  assert.equal(login.status, 200);
  viaNginx.remember(login);
  const { csrf_token: csrf } = await login.json();
  const cookie = viaNginx.cookieHeader();
  assert.match(cookie, /drive_session=/);

  const me = await fetch(`${N}/api/v1/me`, { headers: { cookie } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).user.id, c.id);

  const before = count('ideas');
  const created = await fetch(`${N}/api/v1/ideas`, { method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: ideasBody });
  assert.equal(created.status, 201);
  const idea = await created.json();
  assert.equal(count('ideas'), before + 1);
  const patched = await fetch(`${N}/api/v1/ideas/${idea.id}`, { method: 'PATCH',
    headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Through nginx, edited' }) });
  assert.equal(patched.status, 200);
  assert.equal((await patched.json()).title, 'Through nginx, edited');
  const vote = await fetch(`${N}/api/v1/ideas/${idea.id}/vote`, { method: 'DELETE',
    headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(vote.status, 200);
  await vote.arrayBuffer();

  // The module's own errors: envelope, status, field and Allow kept.
  const bad = await fetch(`${N}/api/v1/ideas?sort=sideways`, { headers: { cookie } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.field, 'sort');
  const invalid = await fetch(`${N}/api/v1/ideas`, { method: 'POST',
    headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{"title":"x"}' });
  assert.equal(invalid.status, 422);
  assert.equal((await invalid.json()).error.field, 'title');
  const put = await fetch(`${N}/api/v1/ideas`, { method: 'PUT', headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get('allow'), 'GET, HEAD, POST');
  assert.equal((await put.json()).error.code, 'method_not_allowed');
  const missing = await fetch(`${N}/api/v1/nothing-here`, { headers: { cookie } });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');

  // Pages: HTML, security headers, HSTS from nginx, static files.
  const home = await fetch(`${N}/`, { headers: { cookie } });
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-type'), /^text\/html/);
  assert.match(home.headers.get('strict-transport-security'), /max-age=/);
  assert.match(await home.text(), /<html/);
  const page = await fetch(`${N}/ideas/${idea.id}`, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.ok((await page.text()).includes('Through nginx, edited'));
  const css = await fetch(`${N}/static/drive.css`);
  assert.equal(css.status, 200);
  assert.ok((await css.text()).length > 1000);
  // Behind nginx, the session cookie comes back Secure only over HTTPS;
  // this server is plain HTTP, so X-Forwarded-Proto says http.
  assert.doesNotMatch(login.headers.get('set-cookie'), /Secure/);
});

test('compressed: the stylesheet, script and icon for a client that accepts gzip; pages and the API never (BREACH)', async () => {
  const N = `http://127.0.0.1:${NPORT}`;
  const c = await person('client');
  const gz = { 'accept-encoding': 'gzip' };
  for (const path of ['/static/drive.css', '/static/drive.js', '/static/favicon.svg']) {
    const direct = await fetch(`${BASE}${path}`);
    const viaNginx = await fetch(`${N}${path}`, { headers: gz });
    assert.equal(viaNginx.status, 200, path);
    const body = await viaNginx.text();
    assert.equal(body, await direct.text(), `${path}: the same file, decoded`);
    // The icon is smaller than gzip_min_length: sent as it is.
    if (body.length >= 512) {
      assert.equal(viaNginx.headers.get('content-encoding'), 'gzip', path);
      assert.match(viaNginx.headers.get('vary') || '', /Accept-Encoding/i, path);
    }
    const plain = await fetch(`${N}${path}`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.headers.get('content-encoding'), null, `${path} without gzip`);
    await plain.arrayBuffer();
  }
  // Signed in: a page with the CSRF token and a search echoed, the API.
  for (const path of ['/?q=treasury', '/api/v1/me', '/api/v1/ideas', '/login']) {
    const r = await fetch(`${N}${path}`, { headers: { ...gz, cookie: c.cookieHeader() } });
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('content-encoding'), null, `${path} is not compressed`);
    await r.arrayBuffer();
  }
});

test('Kore not running: the API gets a 503 envelope from nginx', async () => {
  const dead = await freePort();	// nothing listens there
  const { proc, port } = await startNginx(`${DIR}-dead`, dead);
  try {
    let r;
    for (let i = 0; i < 100; i++) {
      r = await raw(port, request(['GET /api/v1/me HTTP/1.1', 'Host: drive', 'Connection: close']));
      if (!r.error) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(envelope(r, 503, 'Kore away').code, 'unavailable');
    const page = await raw(port, request(['GET / HTTP/1.1', 'Host: drive', 'Connection: close']));
    assert.equal(page.status, 502);
    assert.match(page.headers['content-type'], /^text\/html/);
  } finally {
    await stopNginx(proc);
  }
});
