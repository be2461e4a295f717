// PostgreSQL going away and coming back, and the seccomp sandbox with
// everything a worker does at once: SQL, task threads (Argon2), static
// files.  A seccomp violation after a task thread exists hangs a worker
// silently, so every request here has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, person, shell, BASE, PASSWORD } from '../lib/drive.mjs';

const PG = process.env.DRIVE_TEST_PGDATA;
const pgctl = (what) => shell(`source conf/local.sh; as_pg "$PG_BIN/pg_ctl" -D "${PG}" -m fast -w ${what} >/dev/null`);

async function timed(path, opts = {}) {
  const res = await fetch(BASE + path, { ...opts, signal: AbortSignal.timeout(8000) });
  await res.arrayBuffer();
  return res.status;
}

async function waitFor(pred, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

test('PostgreSQL down: 503 at once, never a hang; back up: the portal heals by itself', async () => {
  const c = await person('client');
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200);

  pgctl('stop');
  try {
    const t0 = Date.now();
    assert.equal(await timed('/healthz'), 503);
    const me = await c.api('GET', '/api/v1/me');
    assert.equal(me.status, 503);
    assert.equal(me.json.error.code, 'unavailable');
    const page = await c.page('/');
    assert.equal(page.status, 503);
    assert.match(page.text, /database/i);
    assert.ok(Date.now() - t0 < 8000, 'answers came quickly');
  } finally {
    pgctl(`start -l "${PG}/server.log"`);
  }

  assert.ok(await waitFor(async () => (await timed('/healthz')) === 200), 'healthz recovers');
  // Every pooled connection of every worker heals, not just one.
  const statuses = await Promise.all(Array.from({ length: 40 }, () => c.api('GET', '/api/v1/me').then((r) => r.status)));
  assert.deepEqual([...new Set(statuses)], [200]);
});

test('a restart under load: errors only for a moment, then every request succeeds', async () => {
  const c = await person('client');
  let stop = false;
  const seen = [];
  const load = (async () => {
    while (!stop) {
      const batch = await Promise.all(Array.from({ length: 8 }, () => c.api('GET', '/api/v1/me')
        .then((r) => r.status).catch(() => 'timeout')));
      seen.push(...batch);
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  pgctl('restart');
  await new Promise((r) => setTimeout(r, 1500));
  stop = true;
  await load;
  assert.ok(!seen.includes('timeout'), 'no request hung');
  assert.ok(seen.every((s) => s === 200 || s === 503), `only 200 and 503: ${[...new Set(seen)]}`);
  const after = await Promise.all(Array.from({ length: 40 }, () => c.api('GET', '/api/v1/me').then((r) => r.status)));
  assert.deepEqual([...new Set(after)], [200], 'healed after the restart');
});

test('seccomp: sign-ins on task threads, SQL and static files at once keep every worker alive', async () => {
  // Only what this test logs: the fault tests kill workers on purpose.
  const logFrom = readFileSync(process.env.DRIVE_TEST_KORE_LOG).length;
  const c = await person('client');
  for (let round = 0; round < 3; round++) {
    const work = [];
    for (let i = 0; i < 6; i++) {
      work.push(new Client().signIn(c.email, PASSWORD).then((r) => r.status));
      // Three wrong ones a round: nine in all stay under the rate limit.
      if (i < 3) work.push(new Client().signIn(c.email, 'a wrong password').then((r) => r.status));
      work.push(timed('/static/drive.css'));
      work.push(timed('/static/favicon.svg'));
      work.push(c.api('GET', '/api/v1/me').then((r) => r.status));
    }
    const statuses = await Promise.all(work);
    assert.equal(statuses.filter((s) => s === 200).length, 24, statuses.join());
    assert.equal(statuses.filter((s) => s === 401).length, 3, statuses.join());
  }
  // Both workers still answer (a hung one would time out some of these).
  const many = await Promise.all(Array.from({ length: 60 }, () => timed('/healthz')));
  assert.deepEqual([...new Set(many)], [200]);
  const log = readFileSync(process.env.DRIVE_TEST_KORE_LOG).subarray(logFrom).toString('utf8');
  assert.doesNotMatch(log, /violation|SIGSYS|exited with status|restarting worker/i);
});
