// Fault injection, end to end: clients hanging up mid-request (FIN and
// RST) right after Kore starts and after a worker is killed, a worker
// killed during vote load, a statement held by a lock past its timeout,
// PostgreSQL out of connections, a connection that finds a read-only
// server (a demoted primary).  Every fault is bounded in time and the
// test leaves Kore and PostgreSQL up and healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { Client, person, shell, sql, sqlValue, unique, BASE, ROOT, PASSWORD } from '../lib/drive.mjs';

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

// The same raw request sent whole: the status of its answer.
function whole(raw) {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port: Number(PORT) });
    let got = '';
    s.setTimeout(8000, () => { s.destroy(); resolve('timeout'); });
    s.on('error', () => resolve('error'));
    s.on('data', (d) => {
      got += d;
      const m = got.match(/^HTTP\/1\.1 (\d{3})/);
      if (m) { s.destroy(); resolve(Number(m[1])); }
    });
    s.on('connect', () => s.write(raw));
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
// Each with the status it gets when sent whole.
function stormRequests(who, ideaId) {
  const fake = () => `drive_session=${randomBytes(32).toString('hex')}`;
  const real = who.cookieHeader();
  return [
    [303, () => rawRequest('GET', '/', { cookie: fake() })],
    [303, () => rawRequest('GET', '/')],
    [303, () => rawRequest('GET', `/ideas/${ideaId}`, { cookie: fake() })],
    [401, () => rawRequest('GET', '/api/v1/me', { cookie: fake() })],
    [200, () => rawRequest('GET', '/', { cookie: real })],
    [200, () => rawRequest('GET', `/ideas/${ideaId}`, { cookie: real })],
    [200, () => rawRequest('GET', '/api/v1/ideas', { cookie: real })],
    [200, () => rawRequest('POST', `/api/v1/ideas/${ideaId}/vote`,
      { cookie: real, headers: { 'X-CSRF-Token': who.csrf }, body: '' })],
    [200, () => rawRequest('POST', '/api/v1/session', { cookie: fake(),
      body: JSON.stringify({ email: who.email, password: PASSWORD }) })],
  ];
}

async function storm(who, ideaId, rounds = 30) {
  const kinds = stormRequests(who, ideaId).map(([, make]) => make);
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
    jobs.push(who.api('POST', `/api/v1/ideas/${ideaId}/vote`).then((r) => r.status));
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
    const created = await who.api('POST', '/api/v1/ideas',
      { title: unique('Hang-up storm idea'), body: 'x', area: 'fx' });
    assert.equal(created.status, 201, created.text);
    const idea = created.json;

    // The storm's requests, sent whole, reach their handlers.
    const expected = stormRequests(who, idea.id);
    assert.deepEqual(await Promise.all(expected.map(([, make]) => whole(make()))), expected.map(([st]) => st));

    await koreRestart();
    await storm(who, idea.id);
    await allWell(who, idea.id);

    await killWorkers();
    await storm(who, idea.id);
    await allWell(who, idea.id);
    assert.equal(Number(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${idea.id}`)),
      Number(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`)));
  });

test('a worker killed with SIGKILL during vote load: no vote lost or counted twice', { timeout: 120000 }, async (t) => {
  const voters = [];
  for (let i = 0; i < 6; i++) voters.push(await person('client'));
  const ideas = [];
  for (let i = 0; i < 8; i++) {
    const r = await voters[0].api('POST', '/api/v1/ideas', { title: unique('SIGKILL vote idea'), body: 'x', area: 'fx' });
    assert.equal(r.status, 201, r.text);
    ideas.push(r.json.id);
  }
  const ids = ideas.join(',');
  // Every voter casts every vote three times (a cast is idempotent).
  const jobs = [];
  for (let round = 0; round < 3; round++) {
    for (const v of voters) for (const idea of ideas) jobs.push([v, idea]);
  }
  const ok = new Set();
  const failed = [];
  let next = 0;
  let answered = 0;
  const cast = async ([v, idea]) => {
    try {
      const r = await v.api('POST', `/api/v1/ideas/${idea}/vote`, undefined);
      if (r.status === 200) ok.add(`${v.id}:${idea}`);
      else failed.push(r.status);
    } catch (e) {
      failed.push(e.code || e.cause?.code || 'network');
    }
    answered++;
  };
  const lane = async () => { while (next < jobs.length) await cast(jobs[next++]); };
  const old = workers();
  const load = Promise.all(Array.from({ length: 8 }, lane));
  await waitFor(async () => answered >= jobs.length / 4, 30000);
  for (const pid of old) process.kill(pid, 'SIGKILL');
  await load;
  assert.ok(await waitFor(async () => {
    const now = workers();
    return now.length === old.length && now.every((p) => !old.includes(p));
  }), 'the parent restarted its workers');

  t.diagnostic(`${jobs.length} casts, ${failed.length} failed while the workers died: ${[...new Set(failed)]}`);
  // Each vote answered 200 is stored, and only votes that were sent.
  const stored = new Set(sqlValue(`SELECT string_agg(user_id || ':' || idea_id, ',') FROM votes
    WHERE idea_id IN (${ids})`)?.split(',') ?? []);
  for (const k of ok) assert.ok(stored.has(k), `vote ${k} answered 200 but not stored`);
  const sent = new Set(jobs.map(([v, idea]) => `${v.id}:${idea}`));
  for (const k of stored) assert.ok(sent.has(k), `vote ${k} stored but never sent`);
  // A client whose request failed casts again, as a browser would.
  for (const k of sent) {
    if (ok.has(k)) continue;
    const [uid, idea] = k.split(':');
    const v = voters.find((x) => String(x.id) === uid);
    // A connection kept alive to a killed worker fails once ('fetch
    // failed'); the browser then opens a new one, as this does.
    const again = async () => {
      try { return (await v.api('POST', `/api/v1/ideas/${idea}/vote`)).status === 200; } catch { return false; }
    };
    assert.ok(await waitFor(again), k);
    ok.add(k);
  }
  assert.equal(ok.size, voters.length * ideas.length);
  assert.equal(Number(sqlValue(`SELECT count(*) FROM votes WHERE idea_id IN (${ids})`)), ok.size);
  // The maintained count is the count of rows, idea by idea.
  const drift = sqlValue(`SELECT count(*) FROM ideas i WHERE i.id IN (${ids}) AND i.vote_count <>
    (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)`);
  assert.equal(drift, '0');
  // Read back as a browser would: a connection kept alive to a killed
  // worker fails once ('fetch failed', seen in CI) and the next opens anew.
  const read = async (idea) => {
    for (let i = 0; ; i++) {
      try {
        return await voters[1].api('GET', `/api/v1/ideas/${idea}`);
      } catch (e) {
        if (i >= 8) throw e;
      }
    }
  };
  for (const idea of ideas) {
    const r = await read(idea);
    assert.equal(r.json.vote_count, voters.length);
  }
});

// A superuser session that holds an idea's row lock for `seconds`.
function holdLock(ideaId, seconds) {
  const url = `${process.env.DRIVE_TEST_SUPER_URL} application_name=drive-fault-lock`;
  const child = spawn('psql', [url, '-qAtX', '-c', 'BEGIN', '-c',
    `SELECT 1 FROM ideas WHERE id = ${Number(ideaId)} FOR UPDATE`, '-c', `SELECT pg_sleep(${seconds})`,
    '-c', 'COMMIT'], { stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  return { child, exited };
}

test('a statement held by a lock past lock_timeout: 503 with the envelope, quickly; other pages stay fine',
  { timeout: 60000 }, async () => {
    const c = await person('client');
    const propose = async (title) => {
      const r = await c.api('POST', '/api/v1/ideas', { title: unique(title), body: 'x', area: 'fx' });
      assert.equal(r.status, 201, r.text);
      // Without the author's own vote: the votes below are the ones counted.
      assert.equal((await c.api('DELETE', `/api/v1/ideas/${r.json.id}/vote`)).status, 200);
      return r.json.id;
    };
    const locked = await propose('Locked idea');
    const free = await propose('Free idea');
    const page = await c.page(`/ideas/${locked}`);
    const csrf = page.text.match(/name="csrf_token" value="([0-9a-f]{64})"/)[1];
    const votesBefore = Number(sqlValue('SELECT count(*) FROM votes'));

    const lock = holdLock(locked, 8);
    try {
      assert.ok(await waitFor(async () => sqlValue(`SELECT count(*) FROM pg_stat_activity
        WHERE application_name = 'drive-fault-lock' AND query LIKE '%pg_sleep%'`) === '1'), 'the lock is held');
      // Clients that hang up while their vote waits for the lock: Kore
      // cancels the statement mid-flight; the connection must stay good.
      await Promise.all(Array.from({ length: 6 }, (_, i) => hangUp(rawRequest('POST', `/api/v1/ideas/${locked}/vote`,
        { cookie: c.cookieHeader(), headers: { 'X-CSRF-Token': c.csrf }, body: '' }), 300, i % 2 ? 'rst' : 'fin')));
      const t0 = Date.now();
      const api = c.api('POST', `/api/v1/ideas/${locked}/vote`).then((r) => ({ ...r, ms: Date.now() - t0 }));
      const form = c.form(`/ideas/${locked}/vote`, { action: 'cast', csrf_token: csrf })
        .then((r) => ({ ...r, ms: Date.now() - t0 }));
      // Meanwhile everything else answers at once.
      for (let i = 0; i < 5; i++) {
        const t1 = Date.now();
        const others = await Promise.all([c.api('GET', '/api/v1/me'), c.page('/'), c.page(`/ideas/${free}`),
          c.page(`/ideas/${locked}`), c.api('POST', `/api/v1/ideas/${free}/vote`)]);
        assert.deepEqual(others.map((r) => r.status), [200, 200, 200, 200, 200]);
        // Below lock_timeout: none of them waited for the lock.
        assert.ok(Date.now() - t1 < 1900, `other requests took ${Date.now() - t1} ms`);
        await sleep(200);
      }
      const [a, f] = await Promise.all([api, form]);
      assert.equal(a.status, 503, a.text);
      assert.equal(a.json.error.code, 'unavailable');
      assert.equal(typeof a.json.error.message, 'string');
      assert.match(a.headers.get('content-type'), /application\/json/);
      assert.equal(f.status, 503);
      assert.match(f.headers.get('content-type'), /text\/html/);
      // lock_timeout is 2 s: the answer comes after it, not after the lock.
      for (const r of [a, f]) assert.ok(r.ms >= 1500 && r.ms < 6000, `answered after ${r.ms} ms`);
      // The refused and abandoned votes changed nothing; only the free
      // idea's vote is stored.
      assert.equal(Number(sqlValue('SELECT count(*) FROM votes')), votesBefore + 1);
    } finally {
      // Its backend would sleep on after psql is gone: end it.
      sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'drive-fault-lock'`);
      await lock.exited;
    }
    assert.ok(await waitFor(async () => (await c.api('POST', `/api/v1/ideas/${locked}/vote`)).status === 200));
    assert.equal(Number(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${locked}`)), 1);
  });

// Opens superuser connections until PostgreSQL refuses more; holds them
// until its stdin closes (at most 30 s).
const FILL = `
import ctypes, sys, select
pq = ctypes.CDLL('libpq.so.5')
pq.PQconnectdb.restype = ctypes.c_void_p
pq.PQconnectdb.argtypes = [ctypes.c_char_p]
pq.PQstatus.argtypes = [ctypes.c_void_p]
pq.PQfinish.argtypes = [ctypes.c_void_p]
held = []
while len(held) < 500:
    c = pq.PQconnectdb(sys.argv[1].encode())
    if pq.PQstatus(c) != 0:
        pq.PQfinish(c)
        break
    held.append(c)
print(len(held), flush=True)
select.select([sys.stdin], [], [], 30)
for c in held:
    pq.PQfinish(c)
`;

test('PostgreSQL out of connections: 503 at once, and the portal recovers', { timeout: 90000 }, async () => {
  const c = await person('client');
  // New workers start with empty pools: every request needs a connection.
  const old = workers();
  for (const pid of old) process.kill(pid, 'SIGKILL');
  assert.ok(await waitFor(async () => {
    const now = workers();
    return now.length === old.length && now.every((p) => !old.includes(p));
  }), 'the parent restarted its workers');
  await sleep(300);

  const fill = spawn('python3', ['-c', FILL, process.env.DRIVE_TEST_SUPER_URL], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((r) => fill.on('exit', r));
  try {
    const held = await new Promise((resolve) => fill.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    assert.ok(held > 50, `connections held: ${held}`);
    const t0 = Date.now();
    const got = await Promise.all([
      ...Array.from({ length: 10 }, () => c.api('GET', '/api/v1/me')),
      ...Array.from({ length: 5 }, () => c.page('/')),
      ...Array.from({ length: 5 }, () => c.api('GET', '/api/v1/ideas')),
    ]);
    const ms = Date.now() - t0;
    assert.deepEqual([...new Set(got.map((r) => r.status))], [503]);
    for (const r of got.slice(0, 10)) assert.equal(r.json.error.code, 'unavailable');
    assert.ok(ms < 3000, `20 answers took ${ms} ms`);
  } finally {
    fill.stdin.end();
    await exited;
  }
  assert.ok(await waitFor(async () => (await c.api('GET', '/api/v1/me')).status === 200), 'recovers');
  const after = await Promise.all(Array.from({ length: 40 }, () => c.api('GET', '/api/v1/me').then((r) => r.status)));
  assert.deepEqual([...new Set(after)], [200]);
});

// A planned switchover (Patroni) restarts the old primary as a read-only
// replica a moment before the load balancer stops sending connections to
// it: a pooled connection then finds a server that refuses writes
// (SQLSTATE 25006).  Simulated here: every open session turns read-only
// (the server's default) while new sessions of the portal's role are
// writable (a role setting wins over the server's), as new connections
// through the load balancer reach the new primary.
test('connections that find a read-only server (a demoted primary): 503 envelopes, never a 500; they are replaced', { timeout: 90000 }, async () => {
  const c = await person('client');
  const r = await c.api('POST', '/api/v1/ideas', { title: unique('Read-only idea'), body: 'x', area: 'fx' });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.equal((await c.api('DELETE', `/api/v1/ideas/${id}/vote`)).status, 200);
  // Pooled connections in every worker: opened now, before the switch.
  await Promise.all(Array.from({ length: 30 }, () => c.page(`/ideas/${id}`)));
  const votesBefore = Number(sqlValue('SELECT count(*) FROM votes'));
  sql('ALTER ROLE drive SET default_transaction_read_only = off');
  sql('ALTER ROLE postgres SET default_transaction_read_only = off');
  const answers = [];
  try {
    sql('ALTER SYSTEM SET default_transaction_read_only = on');
    sql('SELECT pg_reload_conf()');
    await sleep(1000);
    for (let i = 0; i < 60; i++) {
      const [v, p] = await Promise.all([c.api('POST', `/api/v1/ideas/${id}/vote`), c.page(`/ideas/${id}`)]);
      answers.push({ what: 'vote', status: v.status, code: v.json?.error?.code ?? null },
        { what: 'page', status: p.status, type: p.headers.get('content-type'), location: p.headers.get('location') });
      if (v.status === 200 && p.status === 200) break;
      await sleep(100);
    }
  } finally {
    sql('ALTER SYSTEM RESET default_transaction_read_only');
    sql('SELECT pg_reload_conf()');
    sql('ALTER ROLE drive RESET default_transaction_read_only');
    sql('ALTER ROLE postgres RESET default_transaction_read_only');
  }
  for (const a of answers.filter((x) => x.status !== 200)) {
    assert.equal(a.status, 503, `only 503s: ${JSON.stringify(answers)}`);
    if (a.what === 'vote') assert.equal(a.code, 'unavailable');
    else assert.match(a.type, /text\/html/);
  }
  // The read-only connections were replaced: writes succeed again while
  // the server's default is still read-only.
  const last = answers.slice(-2);
  assert.deepEqual(last.map((a) => a.status), [200, 200], JSON.stringify(answers));
  assert.equal(Number(sqlValue('SELECT count(*) FROM votes')), votesBefore + 1);
  assert.equal(Number(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${id}`)), 1);
});
