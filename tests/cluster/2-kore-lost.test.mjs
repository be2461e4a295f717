// A Kore host is lost under load: one host's Kore (parent and workers)
// is SIGKILLed while signed-in clients read and vote through HAProxy.
// Proves: HAProxy sends everything to the other host; at most the
// requests in flight on the lost host fail (each as HAProxy's 502/503
// error envelope, or, for a request on a kept-alive connection, the
// connection closed unanswered as HAProxy does so that a client may
// retry; never a hang), every later one succeeds; no one is signed
// out (sessions live in PostgreSQL, not in a host).  The host is started
// again and taken back into the rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { person, unique } from '../lib/drive.mjs';
import { CW, PORTS, ctl, alive, call, sleep, waitFor } from './lib.mjs';

// HAProxy's statistics (CSV): a server's state and its total sessions.
async function stats() {
  const res = await fetch(`http://127.0.0.1:${PORTS.stats}/;csv`, { signal: AbortSignal.timeout(3000) });
  const rows = (await res.text()).split('\n').map((l) => l.split(','));
  const head = rows[0];
  const col = (n) => head.indexOf(n === 'pxname' ? '# pxname' : n);
  const out = {};
  for (const r of rows.slice(1)) {
    if (r[col('pxname')] === 'kore') out[r[col('svname')]] = { status: r[col('status')], stot: Number(r[col('stot')]) };
  }
  return out;
}

test('a Kore host lost under load: the other serves, at most the in-flight requests fail, no one is signed out', { timeout: 90000 }, async () => {
  const org = unique('Org');
  const author = await person('client', org);
  const idea = (await author.api('POST', '/api/v1/ideas', { title: `Host loss ${unique()}`, body: 'x', area: 'fx' })).json.id;
  const clients = [];
  for (let i = 0; i < 8; i++) clients.push(await person('client', org));
  assert.ok(await waitFor(async () => {
    const s = await stats();
    return s.app1.status === 'UP' && s.app2.status === 'UP';
  }, 15000), 'both hosts in the rotation');
  const s0 = await stats();

  const answers = [];
  let stopping = false;
  const loops = clients.map(async (c, i) => {
    let cast = true;
    while (!stopping) {
      const a = i % 2
        ? await call(c, 'GET', '/api/v1/me')
        : await call(c, cast ? 'POST' : 'DELETE', `/api/v1/ideas/${idea}/vote`);
      if (i % 2 === 0 && a.status === 200) cast = !cast;
      answers.push({ ...a, client: i });
    }
  });
  await sleep(2000);
  const s1 = await stats();
  assert.ok(s1.app1.stot > s0.app1.stot && s1.app2.stot > s0.app2.stot, 'both hosts serve before');

  const pid = Number(readFileSync(`${CW}/kore1.conf.pid`, 'utf8'));
  const t0 = Date.now();
  process.kill(-pid, 'SIGKILL');
  assert.ok(await waitFor(() => !alive(pid), 5000), 'the host is gone');
  assert.ok(await waitFor(async () => (await stats()).app1.status.startsWith('DOWN'), 10000), 'HAProxy sees app1 down');
  const down = Date.now() - t0;
  await sleep(3000);
  stopping = true;
  await Promise.all(loops);

  const after = answers.filter((a) => a.t + a.ms >= t0);
  const bad = after.filter((a) => a.status !== 200);
  console.log(`cluster: Kore host lost: HAProxy marked it down after ${(down / 1000).toFixed(1)} s; ` +
    `${after.length - bad.length} requests answered 200 and ${bad.length} failed after the kill ` +
    `(${JSON.stringify(bad.map((a) => a.status))}); ${clients.length} clients in flight at most`);
  assert.ok(bad.length <= clients.length, `at most the in-flight requests fail (${bad.length})`);
  for (const a of bad) {
    assert.ok(a.status === 502 || a.status === 503 || a.status === 'neterr', `a failure is HAProxy's 502/503 or a closed connection: ${JSON.stringify(a)}`);
    assert.ok(a.status === 'neterr' || a.envelope, `with the error envelope: ${JSON.stringify(a)}`);
    assert.ok(a.ms < 5000, `answered at once, no hang: ${JSON.stringify(a)}`);
  }
  assert.ok(!after.some((a) => a.status === 401), 'no one was signed out');
  // Every client's later requests succeed, still signed in, on app2 alone.
  const last = await Promise.all(clients.map((c) => c.api('GET', '/api/v1/me')));
  assert.deepEqual(last.map((r) => r.status), clients.map(() => 200));
  assert.deepEqual(last.map((r) => r.json.user?.id ?? r.json.id), clients.map((c) => c.id));

  // The host comes back and HAProxy takes it in again.
  ctl('kore_host', '1');
  assert.ok(await waitFor(async () => (await stats()).app1.status === 'UP', 15000), 'app1 back in the rotation');
});
