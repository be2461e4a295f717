// The workers' seccomp sandbox (app/main.c): the allow-list fits every
// system call the portal makes, a violation on any thread kills the whole
// worker and Kore starts a new one, and Kore's access log survives a parent
// that falls behind.  Each test runs a Kore of its own (the suite's
// configuration with another port, pid file and log, on the same database)
// and stops it; every wait has a deadline.
//
// Witnesses: Kore's log; with seccomp_tracing yes, Kore's parent logs each
// violation by name ("seccomp violation, wrk 1 pid=…, syscall=…") and lets
// it pass.  The kernel's audit records (type=1326 in dmesg) name the pid
// and the syscall of every kill; where dmesg cannot be read, that witness
// is skipped with a note.  strace (Debian's) makes one thread of a running
// worker call a forbidden system call; wrk (Debian's) makes the load.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, openSync, closeSync,
  readdirSync, existsSync } from 'node:fs';
import otplib from 'otplib';
import http from 'node:http';
import { Client, drivectlInvite, unique, sql, sqlValue, PASSWORD, ROOT }
  from '../lib/drive.mjs';
import { freePort, sleep, waitFor } from '../lib/kore.mjs';

const WORK = process.env.DRIVE_TEST_WORK;
const SUITE_CONF = readFileSync(process.env.DRIVE_TEST_KORE_CONF, 'utf8');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// /proc/<pid>/stat: [state, ppid]; null when the process is gone.
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

function threadsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

// The kernel's seccomp records (audit type=1326), or null when dmesg
// cannot be read here.
function auditRecords() {
  const r = spawnSync('dmesg', [], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return null;
  return r.stdout.split('\n').filter((l) => l.includes('type=1326'));
}

// A record of one of our workers, by its pid.  Where the tests run in a
// PID namespace of their own (the fresh-root check), dmesg numbers the
// processes from outside: a record that must be there is then also
// known by the name the kernel gives ("kore"), while one that must not
// be there is looked for by pid only, since another Kore on the machine
// may have been killed meanwhile (these very tests, run elsewhere).
function ourRecord(line, pids, byName = false) {
  return pids.some((p) => line.includes(` pid=${p} `)) || (byName && line.includes(' comm="kore" '));
}

function auditNote(t, what) {
  const msg = `dmesg is not readable here: the kernel's audit witness (${what}) is skipped`;
  t.diagnostic(msg);
  console.log(`# NOTE: ${msg}`);
}

const kores = new Set();
after(async () => { for (const k of kores) await k.stop(); });

// A Kore of our own on the suite's database and module.
class Kore {
  static async start(name, { tracing, accessLog }) {
    const k = new Kore();
    k.dir = mkdtempSync(`${WORK}/${name}-`);
    k.port = await freePort();
    k.base = `http://127.0.0.1:${k.port}`;
    k.logFile = `${k.dir}/kore.log`;
    k.accessLog = `${k.dir}/access.log`;
    let conf = SUITE_CONF
      .replace(/^(\s*bind\s+\S+\s+)\d+/m, `$1${k.port}`)
      .replace(/^pidfile\s+.*$/m, `pidfile ${k.dir}/kore.pid`)
      .replace(/^seccomp_tracing\s+.*$/m, `seccomp_tracing\t\t${tracing ? 'yes' : 'no'}`)
      // Each worker hands Kore's accept lock on after every connection, so
      // that sign-ins on fresh connections reach every worker.
      .replace(/^(workers\s+\d+\s*\n)/m, '$1worker_accept_threshold\t1\n')
      .replace(/^\s*accesslog\s+.*\n/m, '');
    if (accessLog) conf = conf.replace(/^(\s*attach\s+\S+\s*\n)/m, `$1\taccesslog\t${k.accessLog}\n`);
    assert.match(conf, new RegExp(`seccomp_tracing\\s+${tracing ? 'yes' : 'no'}`));
    writeFileSync(`${k.dir}/kore.conf`, conf);
    const out = openSync(k.logFile, 'a');
    const child = spawn('stdbuf', ['-oL', '-eL', 'kore', '-f', '-n', '-r', '-c', `${k.dir}/kore.conf`], {
      cwd: ROOT, detached: true, stdio: ['ignore', out, out],
      env: { ...process.env, DRIVE_BASE_URL: k.base },
    });
    closeSync(out);
    child.unref();
    kores.add(k);
    const up = await waitFor(async () => {
      try {
        const r = await fetch(`${k.base}/healthz`, { signal: AbortSignal.timeout(1000) });
        return r.status === 200;
      } catch { return false; }
    }, 15000);
    assert.ok(up, `kore ${name} answers on /healthz:\n${k.log().slice(-2000)}`);
    k.pid = Number(readFileSync(`${k.dir}/kore.pid`, 'utf8'));
    assert.match(conf, /^worker_accept_threshold\t1$/m);
    assert.ok(await waitFor(() => k.workers().length === 2, 5000), 'two workers');
    return k;
  }

  log() { return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : ''; }

  // For failure messages: what the parent and each worker's threads are
  // doing (state, system call number or "running", CPU ticks).
  snapshot() {
    return [this.pid, ...this.workers()].map((p) => `${p}: ${threadsOf(p).map((tid) => {
      let sc = '?';
      let cpu = '?';
      try { sc = readFileSync(`/proc/${p}/task/${tid}/syscall`, 'utf8').trim().split(' ')[0]; } catch { /* gone */ }
      try {
        const f = readFileSync(`/proc/${p}/task/${tid}/stat`, 'utf8');
        const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
        cpu = `${x[0]} ${Number(x[11]) + Number(x[12])}`;
      } catch { /* gone */ }
      return `${tid}[${cpu} sc=${sc}]`;
    }).join(' ')}`).join('\n');
  }

  // The parent's children: the workers (the parent is not a child of ours).
  workers() {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number)
      .filter((p) => procStat(p)?.ppid === this.pid).sort((a, b) => a - b);
  }

  // The parent may be gone before its workers are (it was stopped and
  // continued, or a worker hangs): those are killed by their PIDs, so
  // that no worker outlives the test.
  async stop() {
    if (!kores.delete(this) || !this.pid) return;
    const workers = this.workers();
    try { process.kill(this.pid, 'SIGCONT'); process.kill(this.pid, 'SIGTERM'); } catch { return; }
    if (!(await waitFor(() => procStat(this.pid) === null, 8000))) {
      try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
    }
    const ours = (p) => {
      const st = procStat(p);
      let cmd = '';
      try { cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8'); } catch { /* gone */ }
      return st !== null && (st.ppid === this.pid || st.ppid === 1) && cmd.startsWith('kore');
    };
    const alive = () => workers.filter(ours);
    if (!(await waitFor(() => alive().length === 0, 3000))) {
      for (const p of alive()) {
        try { process.kill(p, 'SIGCONT'); process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  }
}

// A client of one of our own Kores.
class At extends Client {
  constructor(base) { super(); this.base = base; }

  async fetch(path, opts = {}) {
    return super.fetch(path, { signal: AbortSignal.timeout(15000), ...opts });
  }
}

async function personAt(base, role, org = null) {
  const email = `${unique(role)}@example.test`;
  const organization = role === 'client' ? (org || unique('Org')) : null;
  const token = drivectlInvite(email, role, organization);
  const c = new At(base);
  const r = await c.accept(token, unique('Name').slice(0, 30), PASSWORD);
  assert.equal(r.status, 201, r.text);
  Object.assign(c, { email, organization, id: r.json.user.id });
  return c;
}

async function healthz(base) {
  try {
    const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    await r.arrayBuffer();
    return r.status;
  } catch (e) { return e.name; }
}

// A sign-in on a connection of its own (fetch would reuse a kept-alive
// one, and so always reach the same worker): its status.
function freshSignIn(base, email, password) {
  const body = JSON.stringify({ email, password });
  return new Promise((resolve) => {
    const req = http.request(`${base}/api/v1/session`, {
      method: 'POST', agent: false, timeout: 15000,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
        'x-forwarded-for': `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.message));
    req.end(body);
  });
}

// Sign-ins (Argon2 on a task thread) until every worker has started one.
// A worker keeps Kore's accept lock until it accepts 16 connections at
// once: a burst of 64 (wrk) hands it over, while sign-ins arrive.
async function taskThreadsEverywhere(k, c) {
  assert.ok(has('wrk'), 'wrk is installed (conf/local.sh TEST_PACKAGES)');
  const ok = await waitFor(async () => {
    const burst = spawn('wrk', ['-t1', '-c64', '-d1s', `${k.base}/healthz`], { stdio: 'ignore' });
    const done = new Promise((r) => burst.on('close', r));
    await sleep(150);
    const st = await Promise.all(Array.from({ length: 3 }, () => freshSignIn(k.base, c.email, PASSWORD)));
    assert.deepEqual([...new Set(st)], [200]);
    await done;
    return k.workers().every((w) => threadsOf(w).length >= 2);
  }, 40000);
  assert.ok(ok, `every worker runs a task thread: ${k.workers().map((w) => `${w}:${threadsOf(w).length}`)}`);
}

const violations = (log) => log.split('\n').filter((l) => /seccomp violation|sandbox violation/.test(l));

// ---------------------------------------------------------------------------

test('seccomp_tracing: a walk of every route, sign-ins, mail pages, static files and a 2 MB export make no system call outside the allow-list', async (t) => {
  const k = await Kore.start('trace', { tracing: true, accessLog: true });
  assert.match(k.log(), /seccomp tracing enabled/);
  const anon = new At(k.base);
  const client = await personAt(k.base, 'client');
  const other = await personAt(k.base, 'client');
  const pm = await personAt(k.base, 'pm');
  const admin = await personAt(k.base, 'admin');
  await taskThreadsEverywhere(k, client);

  // Writes of every kind, through the API and the forms.
  const area = (await client.api('GET', '/api/v1/areas')).json.areas[0].slug;
  const mk = async (who, title) => {
    const r = await who.api('POST', '/api/v1/ideas', { title, body: 'Some **Markdown** with a [link](https://example.test) and `code`.', area });
    assert.equal(r.status, 201, r.text);
    return r.json.id;
  };
  const idea = await mk(client, `Sandbox walk ${unique()}`);
  const dup = await mk(other, `Sandbox duplicate ${unique()}`);
  const expect = async (p, status) => { const r = await p; assert.equal(r.status, status, r.text); return r; };
  await expect(other.api('POST', `/api/v1/ideas/${idea}/vote`), 200);
  await expect(client.api('PATCH', `/api/v1/ideas/${idea}`, { title: `Sandbox walk edited ${unique()}` }), 200);
  const com = await expect(other.api('POST', `/api/v1/ideas/${idea}/comments`, { body: 'A comment, mailed to the author.' }), 201);
  const cid = com.json.id;
  await expect(other.api('PATCH', `/api/v1/comments/${cid}`, { body: 'An edited comment.' }), 200);
  // A commitment waits for a second person (four eyes), who approves it.
  const draft = await expect(pm.api('POST', `/api/v1/ideas/${idea}/responses`, { status: 'planned', body: 'Planned, **soon**.' }), 202);
  await expect(pm.api('GET', '/api/v1/responses/pending'), 200);
  await expect(admin.api('POST', `/api/v1/responses/${draft.json.id}/approve`), 200);
  await expect(pm.api('POST', `/api/v1/comments/${cid}/hide`), 200);
  await expect(pm.api('POST', `/api/v1/ideas/${dup}/merge`, { into: idea }), 200);
  await expect(other.api('DELETE', `/api/v1/ideas/${idea}/vote`), 200);
  const tok = await expect(client.api('POST', '/api/v1/tokens', { name: 'sandbox' }), 201);
  await expect(client.api('GET', '/api/v1/me', undefined, { authorization: `Bearer ${tok.json.token}` }), 200);
  const inv = await expect(admin.api('POST', '/api/v1/invitations', { email: `${unique('inv')}@example.test`, role: 'pm' }), 201);
  await expect(admin.api('POST', `/api/v1/invitations/${inv.json.id}/reissue`), 201);
  const slug = unique('sb').toLowerCase();
  const ar = await expect(admin.api('POST', '/api/v1/areas', { slug, name_en: 'Sandbox area', name_de: 'Sandkasten' }), 201);
  await expect(admin.api('PATCH', `/api/v1/areas/${ar.json.id}`, { action: 'rename', name_en: 'Sandbox renamed', name_de: 'Umbenannt' }), 200);
  await expect(admin.api('PATCH', `/api/v1/organizations/${sqlValue(`SELECT organization_id FROM users WHERE id = ${Number(other.id)}`)}`, { name: unique('Renamed') }), 200);
  await expect(new At(k.base).signIn(client.email, 'not the password at all'), 401);
  await expect(new At(k.base).signIn(`${unique('nobody')}@example.test`, PASSWORD), 401);

  // Forms (the profile's language and e-mail switch, a new idea, the
  // password: Argon2 twice).
  const csrfOf = async (c, path) => {
    const pg = await c.page(path);
    const m = pg.text.match(/name="csrf_token" value="([0-9a-f]{64})"/);
    assert.ok(m, `a form on ${path}: ${pg.status}`);
    return m[1];
  };
  let r = await client.form('/profile', { csrf_token: await csrfOf(client, '/profile'), name: 'Sandbox Person', lang: 'de' });
  assert.ok(r.status < 400, `profile: ${r.status}`);
  r = await client.form('/profile', { csrf_token: await csrfOf(client, '/profile'), name: 'Sandbox Person', lang: 'en', email_notifications: '1' });
  assert.ok(r.status < 400, `profile: ${r.status}`);
  r = await client.form('/ideas/new', { csrf_token: await csrfOf(client, '/ideas/new'),
    title: `Sandbox form ${unique()}`, body: 'Line one\nline two', area });
  assert.ok(r.status < 400, `form idea: ${r.status}`);
  r = await client.form('/profile/password', { csrf_token: await csrfOf(client, '/profile'),
    current_password: PASSWORD, new_password: PASSWORD, new_password_confirm: PASSWORD });
  assert.ok(r.status < 500, `password: ${r.status}`);
  r = await other.form('/notifications/read', { csrf_token: await csrfOf(other, '/notifications') });
  assert.ok(r.status < 400, `notifications: ${r.status}`);

  // Two-step sign-in: a secret sealed (OpenSSL), its QR code drawn
  // (libqrencode), codes checked (liboath), the challenge and the code.
  const two = await personAt(k.base, 'client');
  r = await two.form('/profile/second-factor/start', { csrf_token: await csrfOf(two, '/profile') });
  assert.equal(r.status, 303);
  r = await two.page('/profile/second-factor');
  const key = r.text.match(/<code aria-describedby="secret-hint">([A-Z2-7 ]+)<\/code>/)[1].replace(/ /g, '');
  const { authenticator } = otplib;
  const codeAt = (off) => authenticator.clone({ epoch: Date.now() + off * 1000 }).generate(key);
  // Never within three seconds of a 30-second step's end (codes are made
  // here and checked there a moment later).
  const steady = async () => {
    const into = (Date.now() / 1000) % 30;
    if (into > 27) await new Promise((res) => setTimeout(res, (30.3 - into) * 1000));
  };
  await steady();
  r = await two.form('/profile/second-factor', { csrf_token: await csrfOf(two, '/profile'), code: codeAt(-30) });
  assert.equal(r.status, 200, 'enrolled');
  await steady();
  const second = new At(k.base);
  const ch = await second.api('POST', '/api/v1/session', { email: two.email, password: PASSWORD });
  assert.equal(ch.json.second_factor_required, true);
  await expect(second.api('POST', '/api/v1/session/second-factor', { code: codeAt(30) }), 200);

  // Every route of the configuration, as each role and anonymous.
  const ids = {
    ideas: idea, comments: cid, users: other.id, areas: ar.json.id, tokens: tok.json.id,
    invitations: inv.json.id, responses: draft.json.id, drafts: draft.json.id,
    organizations: sqlValue(`SELECT organization_id FROM users WHERE id = ${Number(client.id)}`),
  };
  const table = readFileSync(`${ROOT}/app/routes.c`, 'utf8');
  const routes = [...new Set([...table.matchAll(/^\s*ROUTE(?:_RAW|_FORM)?\("([^"]+)"/gm)]
    .map((m) => m[1]))];
  assert.ok(routes.length > 50, `routes found: ${routes.length}`);
  const paths = ['/no-such-page', ...routes.map((pat) => {
    const p = pat.replace('/**', '/drive.css')
      .replace(/\/([a-z]+)\/:(?:id|draft)/g, (_, kind) => `/${kind}/${ids[kind] ?? 999999}`)
      .replace('*token', 'ab'.repeat(32))
      .replace('*key', 'planned');
    assert.doesNotMatch(p, /[:*]/, `no concrete path for route ${pat}: extend this mapping`);
    return p;
  })];
  for (const who of [anon, client, pm, admin]) {
    for (const p of paths) {
      const res = await who.fetch(p);
      await res.arrayBuffer();
      assert.ok(res.status < 500, `${p}: ${res.status}`);
    }
  }

  // Deactivation ends the person's sessions.
  await expect(admin.api('PATCH', `/api/v1/users/${other.id}`, { active: false }), 200);
  await expect(admin.api('PATCH', `/api/v1/users/${other.id}`, { active: true }), 200);

  // Static files: plain, HEAD, conditional, missing, as folders (glibc's
  // realpath() checks a trailing "/" with faccessat2), escaping the folder.
  for (const p of ['/static/drive.css', '/static/drive.js', '/static/favicon.svg', '/static/',
    '/static/drive.css/', '/static/missing/', '/static/missing.css', '/static/../conf/drive.conf',
    '/static/%2e%2e/Makefile']) {
    const res = await anon.fetch(p);
    await res.arrayBuffer();
    assert.ok(res.status < 500, `${p}: ${res.status}`);
  }
  const css = await anon.fetch('/static/drive.css', { method: 'HEAD' });
  const again = await anon.fetch('/static/drive.css', { headers: { 'if-modified-since': css.headers.get('last-modified') } });
  await again.arrayBuffer();
  assert.ok([200, 304].includes(again.status), `conditional GET: ${again.status}`);

  r = await admin.fetch('/admin/audit.csv');
  await r.arrayBuffer();
  assert.equal(r.status, 200);

  // A result and an answer larger than glibc's mmap threshold (1 MiB),
  // grown by realloc: mremap.
  const before = Number(sqlValue('SELECT count(*) FROM ideas'));
  const tag = unique('big');
  sql(`INSERT INTO ideas (author_id, area_id, title, body)
    SELECT ${Number(client.id)}, (SELECT id FROM areas WHERE slug = '${area}'),
      '${tag} ' || g || ' ' || repeat('x', 90), '' FROM generate_series(1, 15000) g`);
  try {
    const csv = await pm.fetch('/export/ideas.csv');
    const body = await csv.text();
    assert.equal(csv.status, 200);
    assert.ok(body.length > 2 * 1024 * 1024, `export of ${body.length} bytes`);
  } finally {
    sql(`DELETE FROM idea_search WHERE idea_id IN (SELECT id FROM ideas WHERE title LIKE '${tag} %');
      DELETE FROM ideas WHERE title LIKE '${tag} %'`);
    sql('ANALYZE ideas; ANALYZE idea_search');
  }
  assert.equal(Number(sqlValue('SELECT count(*) FROM ideas')), before);
  const last = new At(k.base);
  await expect(last.signIn(client.email, PASSWORD), 200);
  await expect(last.api('DELETE', '/api/v1/session'), 200);

  // Everything answered; nothing was traced, no worker left.
  assert.deepEqual([...new Set(await Promise.all(Array.from({ length: 20 }, () => healthz(k.base))))], [200]);
  await k.stop();
  const log = k.log();
  assert.deepEqual(violations(log), [], 'no seccomp violation was traced');
  assert.doesNotMatch(log, /exited with status [1-9]|restarting worker/);
  assert.ok(readFileSync(k.accessLog, 'utf8').split('\n').length > 500, 'the access log was on');
});

// Not in the sanitizer run: this test is about Kore's access log, which
// is not instrumented, and ASan's runtime sleeps differently, so the
// witness of the wait is lost.
const ASAN_SKIP = process.env.DRIVE_TEST_ASAN
  ? 'the sanitizer run (Kore\'s access log is not the module; see the comment)' : false;

// Kore 4.1.0's kore_accesslog() (src/accesslog.c), replayed for entries of
// one length: a worker's 128 KB buffer (KORE_ACCESSLOG_BUFLEN) takes a
// 4-byte header and the entry while `avail`, the room before the header,
// is at least 94 (header + LOG_ENTRY_MINSIZE_GUESS); snprintf() is handed
// all of `avail` although the header came first, so an entry (and its NUL)
// that does not end 4 bytes short of the room is written past the buffer,
// and the last worker's runs into the next mapping (SIGSEGV).  True when
// entries of `len` bytes, from an empty buffer, fill it without that: the
// worker then sleeps until the parent makes room.
const ALOG_BUFLEN = 131072;
function alogFillsCleanly(len) {
  for (let off = 0; ; off += 4 + len) {
    const avail = ALOG_BUFLEN - off;
    if (avail < 4 + 90) return true;
    if (len + 1 > avail - 4) return false;
  }
}

test('the access log\'s buffer fills (load, the parent stalled): getppid is allowed, no worker dies, every request is answered', { skip: ASAN_SKIP }, async (t) => {
  assert.ok(has('wrk'), 'wrk is installed (conf/local.sh TEST_PACKAGES)');
  const k = await Kore.start('alog', { tracing: false, accessLog: true });
  const c = await personAt(k.base, 'client');
  await taskThreadsEverywhere(k, c);
  const workers = k.workers();
  const auditBefore = auditRecords();

  // Every entry the load writes has one length, chosen (by the length of
  // its User-Agent) so that the buffers fill without Kore's own overflow
  // (above): the wait for room is then certain, not a matter of which
  // entry happens to arrive last.  The parent empties a worker's buffer
  // when it holds 96 KB, and every buffer and the file every 10 s: once
  // a probe's entry is in the file, every buffer is empty.
  const PATH = '/static/drive.css';
  const entryOf = async (agent) => {
    const r = await fetch(`${k.base}${PATH}`, { headers: { 'user-agent': agent } });
    await r.arrayBuffer();
    assert.equal(r.status, 200);
    let line;
    assert.ok(await waitFor(() => {
      line = readFileSync(k.accessLog, 'utf8').split('\n').find((l) => l.endsWith(`"${agent}"`));
      return line !== undefined;
    }, 12000), `the access log has the entry of ${agent}`);
    return Buffer.byteLength(line) + 1;
  };
  const probe = `wrk-probe-${unique()}`.slice(0, 24);
  const base = await entryOf(probe);
  const pad = Array.from({ length: 200 }, (_, i) => i).find((i) => alogFillsCleanly(base + i));
  assert.notEqual(pad, undefined, `an entry length near ${base} fills the buffer cleanly`);
  const agent = `wrk-load-${unique()}`.slice(0, probe.length).padEnd(probe.length + pad, 'x');
  const len = base - probe.length + agent.length;
  assert.equal(len, base + pad);
  assert.ok(alogFillsCleanly(len), `entries of ${len} bytes fill the buffer cleanly`);

  // Stopped, the parent cannot make room, as when it falls behind on
  // busy cores.  Stopped now, with every buffer empty, it leaves the
  // load's entries alone in them: a worker fills its buffer,
  // sleeps in kore_accesslog() until there is room, and after 1,000 naps
  // of 1 ms calls getppid(), which the kernel killed the worker for
  // before.  Witness: the worker's event loop sampled in clock_nanosleep
  // (the only sleep in a worker) for over 1.5 s straight.
  const naps = Object.fromEntries(workers.map((w) => [w, { since: 0, longest: 0 }]));
  const seen = {};
  const sampler = setInterval(() => {
    const now = Date.now();
    for (const w of workers) {
      let nr;
      try { nr = readFileSync(`/proc/${w}/task/${w}/syscall`, 'utf8').trim().split(' ')[0]; } catch (e) { nr = e.code; }
      seen[nr] = (seen[nr] || 0) + 1;
      const n = naps[w];
      if (nr === '230') {
        if (!n.since) n.since = now;
        n.longest = Math.max(n.longest, now - n.since);
      } else if (nr !== 'running') {
        n.since = 0;
      }
    }
  }, 20);
  process.kill(k.pid, 'SIGSTOP');
  const wrk = (conns) => new Promise((resolve) => {
    const p = spawn('wrk', ['-t1', `-c${conns}`, '-d12s', '--timeout', '10s',
      '-H', `User-Agent: ${agent}`, `${k.base}${PATH}`]);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, out }));
  });
  const load = wrk(64);
  const waited = await waitFor(() => Object.values(naps).some((n) => n.longest >= 1500), 8000);
  const stalled = k.snapshot();
  process.kill(k.pid, 'SIGCONT');
  await sleep(200);
  clearInterval(sampler);
  const result = await load;
  const longest = Math.max(...Object.values(naps).map((n) => n.longest));
  t.diagnostic(`entries of ${len} bytes; longest wait for room in the access log: ${longest} ms`);
  assert.ok(waited, `a worker waited over 1.5 s for the access log (${longest} ms), so it called getppid(): `
    + `system calls sampled ${JSON.stringify(seen)}; while stopped:\n${stalled}\n${k.log().slice(-1500)}`);

  // The sandbox: nothing killed, no worker left a zombie.
  assert.deepEqual(violations(k.log()), [], 'no sandbox violation');
  for (const w of workers) {
    assert.ok(procStat(w)?.state !== 'Z' || threadsOf(w).length < 2,
      `worker ${w} is no half-dead zombie (its event loop gone, task threads alive)`);
  }
  const auditAfter = auditRecords();
  if (auditBefore === null || auditAfter === null) {
    auditNote(t, 'no seccomp record for the workers');
  } else {
    const fresh = auditAfter.filter((l) => !auditBefore.includes(l) && ourRecord(l, workers));
    assert.deepEqual(fresh, [], 'the kernel recorded no seccomp action for our workers');
  }

  // Every worker kept, every request answered, and then the portal as usual.
  assert.deepEqual(k.workers(), workers, `the workers are the same: ${k.log().match(/.*exited with status.*/g)}`);
  const n = Number(result.out.match(/(\d+) requests in/)?.[1] ?? 0);
  assert.ok(result.code === 0 && n > 1000 && !/Socket errors|Non-2xx/.test(result.out), result.out);
  assert.deepEqual([...new Set(await Promise.all(Array.from({ length: 40 }, () => healthz(k.base))))], [200]);
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200);
  assert.equal((await new At(k.base).signIn(c.email, PASSWORD)).status, 200);
  await k.stop();
  const entries = readFileSync(k.accessLog, 'utf8').split('\n').filter((l) => l.endsWith(`"${agent}"`));
  assert.ok(entries.length >= n, `every request of the load is in the access log (${entries.length} of ${n})`);
  assert.deepEqual([...new Set(entries.map((l) => Buffer.byteLength(l) + 1))], [len], 'all of one length');
});

// strace replaces one system call of one thread with getpgrp(2), which no
// part of the portal makes (a "pure" call, the only kind strace injects):
// the thread itself makes a forbidden call, as a library on that thread
// would.  Nothing in the module is there for the test.
async function killThread(t, which) {
  assert.ok(has('strace'), 'strace is installed (conf/local.sh TEST_PACKAGES)');
  const k = await Kore.start(`kill-${which}`, { tracing: false, accessLog: false });
  const c = await personAt(k.base, 'client');
  await taskThreadsEverywhere(k, c);
  const before = k.workers();
  const victim = before[0];
  const tids = threadsOf(victim);
  const tid = which === 'task' ? tids.find((x) => x !== victim) : victim;
  const call = which === 'task' ? 'futex' : 'epoll_wait';
  const auditBefore = auditRecords();

  const t0 = Date.now();
  const tracer = spawn('strace', ['-qq', '-o', '/dev/null', '-p', String(tid), '-e', `trace=${call}`,
    '-e', `inject=${call}:error=ENOSYS:syscall=getpgrp:when=1`], { stdio: 'ignore' });
  const traced = new Promise((r) => tracer.on('close', r));
  // Work for every thread: sign-ins (task threads), pages (event loops).
  const gone = await waitFor(async () => {
    await Promise.all([
      freshSignIn(k.base, c.email, PASSWORD),
      healthz(k.base), healthz(k.base),
    ]);
    return procStat(victim) === null;
  }, 10000);
  tracer.kill('SIGINT');
  await Promise.race([traced, sleep(3000)]);
  assert.ok(gone, `worker ${victim} is gone after its ${which} thread's violation ` +
    `(state ${procStat(victim)?.state}, threads ${threadsOf(victim).length})`);

  // Restarted, and the portal answers again, sign-ins included.
  assert.ok(await waitFor(() => k.workers().length === 2, 5000), 'a new worker is running');
  assert.ok(await waitFor(async () => (await healthz(k.base)) === 200, 5000));
  const took = Date.now() - t0;
  assert.ok(took < 10000, `back within seconds (${took} ms)`);
  t.diagnostic(`worker ${victim} killed and replaced; answering again after ${took} ms`);
  assert.ok(!k.workers().includes(victim));
  assert.deepEqual([...new Set(await Promise.all(Array.from({ length: 40 }, () => healthz(k.base))))], [200]);
  const st = await Promise.all(Array.from({ length: 6 }, () => freshSignIn(k.base, c.email, PASSWORD)));
  assert.deepEqual([...new Set(st)], [200]);
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200);
  assert.equal((await c.page('/')).status, 200);

  // Kore's parent said so; the kernel recorded a kill of the process.
  const log = k.log();
  assert.match(log, new RegExp(`worker \\d+ \\(pid: ${victim}\\) \\(hdlr: [^)]*\\) gone`));
  assert.match(log, /worker \d+ died from sandbox violation/);
  assert.match(log, /restarting worker \d+/);
  const auditAfter = auditRecords();
  if (auditBefore === null || auditAfter === null) {
    auditNote(t, 'the kill of the worker');
  } else {
    const rec = auditAfter.filter((l) => !auditBefore.includes(l) && ourRecord(l, [victim], true));
    assert.ok(rec.some((l) => / syscall=111 /.test(l) && /code=0x80000000/.test(l)),
      `a kill_process record (code=0x80000000) for getpgrp (111) of pid ${victim}:\n${rec.join('\n')}`);
  }
  await k.stop();
}

test('a task thread\'s violation kills its whole worker; Kore starts a new one and the portal answers', (t) => killThread(t, 'task'));

test('an event loop\'s violation while task threads live kills the whole worker too (no zombie)', (t) => killThread(t, 'main'));
