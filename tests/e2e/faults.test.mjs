// Fault injection, end to end: clients hanging up mid-request (FIN and
// RST) right after Kore starts and after a worker is killed, a worker
// killed during vote load, a statement held by a lock past its timeout,
// PostgreSQL out of connections.  Every fault is bounded in time and the
// test leaves Kore and PostgreSQL up and healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Client, person, shell, sqlValue, unique, BASE, ROOT, PASSWORD } from '../lib/drive.mjs';

const CONF = process.env.DRIVE_TEST_KORE_CONF;
const LOG = process.env.DRIVE_TEST_KORE_LOG;
const { hostname: HOST, port: PORT } = new URL(BASE);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function korePid() {
  return Number(readFileSync(`${CONF}.pid`, 'utf8').trim());
}

// The parent's children that serve requests (Kore names them "[wrk N]").
function workers() {
  const out = shell(`ps -o pid=,args= --ppid ${korePid()} || true`);
  return out.split('\n').filter((l) => /\[wrk/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function status(path, opts = {}) {
  try {
    const res = await fetch(BASE + path, { redirect: 'manual', ...opts, signal: AbortSignal.timeout(8000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'timeout';
  }
}

async function waitFor(pred, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(100);
  }
  return false;
}

// Kore stopped and started again: fresh workers, fresh SQL connections.
// Kore keeps the shell's output open: it goes to Kore's log instead.
async function koreRestart() {
  execFileSync('bash', ['-c', `source conf/local.sh; kore_down "${CONF}";
    kore_up "${CONF}" "${LOG}" >>"${LOG}" 2>&1`], { cwd: ROOT, timeout: 30000, stdio: 'ignore' });
  assert.ok(await waitFor(async () => (await status('/healthz')) === 200), 'Kore is back');
}

// SIGKILL every worker; the parent starts new ones.
async function killWorkers() {
  const old = workers();
  assert.ok(old.length >= 2, `workers found: ${old}`);
  for (const pid of old) process.kill(pid, 'SIGKILL');
  assert.ok(await waitFor(async () => {
    const now = workers();
    return now.length === old.length && now.every((p) => !old.includes(p)) &&
      (await status('/healthz')) === 200;
  }), 'the parent restarted its workers');
}

// One raw HTTP request, abandoned `after` ms after it was sent: with a
// FIN (end) or a RST (resetAndDestroy, Node >= 18.3).
function hangUp(raw, after, how) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: Number(PORT) });
    const done = () => resolve();
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => {});
    s.setTimeout(5000, () => s.destroy());
    s.on('connect', () => {
      s.write(raw);
      setTimeout(() => {
        if (how === 'rst') s.resetAndDestroy();
        else s.end();
      }, after);
    });
  });
}

function rawRequest(method, path, { cookie, body, headers = {} } = {}) {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${HOST}:${PORT}`,
    `X-Forwarded-For: 10.99.${randomBytes(1)[0]}.${randomBytes(1)[0]}`];
  if (cookie) lines.push(`Cookie: ${cookie}`);
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) {
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

// What a storm throws at the portal: anonymous and signed-in pages and
// API calls, a sign-in, a vote; with a random session cookie and a real one.
function stormRequests(who, ideaId) {
  const fake = () => `drive_session=${randomBytes(32).toString('hex')}`;
  const real = who.cookieHeader();
  return [
    () => rawRequest('GET', '/', { cookie: fake() }),
    () => rawRequest('GET', '/'),
    () => rawRequest('GET', `/ideas/${ideaId}`, { cookie: fake() }),
    () => rawRequest('GET', '/api/v1/me', { cookie: fake() }),
    () => rawRequest('GET', '/', { cookie: real }),
    () => rawRequest('GET', `/ideas/${ideaId}`, { cookie: real }),
    () => rawRequest('GET', '/api/v1/ideas', { cookie: real }),
    () => rawRequest('POST', `/api/v1/ideas/${ideaId}/vote`,
      { cookie: real, headers: { 'X-CSRF-Token': who.csrf }, body: '' }),
    () => rawRequest('POST', '/api/v1/session', { cookie: fake(),
      body: JSON.stringify({ email: who.email, password: PASSWORD }) }),
  ];
}

async function storm(who, ideaId, rounds = 30) {
  const kinds = stormRequests(who, ideaId);
  for (let round = 0; round < rounds; round++) {
    const batch = [];
    for (let i = 0; i < 12; i++) {
      const make = kinds[(round + i) % kinds.length];
      batch.push(hangUp(make(), (round + i) % 6, i % 2 ? 'rst' : 'fin'));
    }
    await Promise.all(batch);
  }
}

// After the storm every normal request answers 200, on every connection.
async function allWell(who, ideaId) {
  const anon = new Client();
  const jobs = [];
  for (let i = 0; i < 25; i++) {
    jobs.push(who.page('/').then((r) => r.status));
    jobs.push(who.page(`/ideas/${ideaId}`).then((r) => r.status));
    jobs.push(who.api('GET', '/api/v1/me').then((r) => r.status));
    jobs.push(who.api('GET', '/api/v1/ideas').then((r) => r.status));
    jobs.push(anon.page('/login').then((r) => r.status));
    jobs.push(status('/login', { headers: { cookie: `drive_session=${randomBytes(32).toString('hex')}` } }));
    jobs.push(who.api('GET', `/api/v1/ideas/${ideaId}`).then((r) => r.status));
    jobs.push(new Client().signIn(who.email, PASSWORD).then((r) => r.status));
  }
  const got = await Promise.all(jobs);
  const bad = got.filter((s) => s !== 200);
  assert.equal(got.length, 200);
  assert.deepEqual(bad, [], `${bad.length} of 200 answers were not 200: ${[...new Set(bad)]}`);
}

test('hang-ups (FIN and RST) mid-request after a start and after workers restart: then every request is 200',
  { timeout: 180000 }, async () => {
    const who = await person('client');
    const idea = (await who.api('POST', '/api/v1/ideas',
      { title: unique('Hang-up storm idea'), body: 'x', area: 'fx' })).json;

    await koreRestart();
    await storm(who, idea.id);
    await allWell(who, idea.id);

    await killWorkers();
    await storm(who, idea.id);
    await allWell(who, idea.id);
    assert.equal(Number(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${idea.id}`)),
      Number(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`)));
  });
