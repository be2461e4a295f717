// The PostgreSQL primary is lost under vote load: its postmaster is
// SIGKILLed, then its Patroni, then whatever of its PostgreSQL is left
// (the machine is gone).  Proves: the synchronous replica is promoted by
// Patroni and HAProxy sends the Kore hosts' connections to it; the portal
// answers votes again within 30 s (measured, printed); every answer during
// the switch is a 200 or a 503 error envelope (never a 500, a hang or a
// dropped connection); every vote answered 200 is in the database, each
// withdrawal answered 200 is not, none is there twice, and every idea's
// maintained vote_count equals a recount of its votes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client, BASE, PASSWORD } from '../lib/drive.mjs';
import {
  CW, pidOf, postmasterPid, killNodePostgres, primaryNode, waitFor, sleep, voteLoad,
  checkVotes, votersAndIdeas,
} from './lib.mjs';

let load = null;
after(async () => { if (load) await load.stop().catch(() => {}); });

test('primary lost under vote load: the replica takes over, no answered vote is lost', { timeout: 150000 }, async () => {
  const before = await primaryNode();
  assert.ok(before, 'a primary before the fault');
  const { ideas, voters } = await votersAndIdeas(10, 6);

  // /healthz through HAProxy, every 200 ms, for the outage as a
  // monitor sees it.
  const health = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t = Date.now();
      let s;
      try {
        const res = await fetch(`${BASE}/healthz`, { signal: AbortSignal.timeout(8000) });
        await res.arrayBuffer();
        s = res.status;
      } catch { s = 'error'; }
      health.push({ t, s });
      await sleep(200);
    }
  })();

  load = voteLoad(voters, ideas);
  await sleep(3000);
  const warm = load.answers.filter((a) => a.status === 200).length;
  assert.ok(warm > 20, `the load runs before the fault (${warm} votes answered)`);

  const logFrom = [1, 2].map((n) => readFileSync(`${CW}/log/kore${n}.log`).length);
  const t0 = Date.now();
  process.kill(postmasterPid(before), 'SIGKILL');
  await sleep(1000);
  process.kill(pidOf(`patroni${before}`), 'SIGKILL');
  killNodePostgres(before);
  const other = before === 1 ? 2 : 1;
  assert.ok(await waitFor(async () => (await primaryNode()) === other, 60000), `db${other} becomes the primary`);
  const promoted = Date.now() - t0;
  // The load goes on until the portal has answered 200 for a while again.
  assert.ok(await waitFor(() => {
    const late = load.answers.filter((a) => a.t > Date.now() - 4000);
    return late.length > 20 && late.every((a) => a.status === 200);
  }, 60000), 'votes are answered 200 again');
  const ended = Date.now();
  await load.stop();
  const answers = load.answers;
  load = null;
  probing = false;
  await probe;

  const during = answers.filter((a) => a.t >= t0);
  const bad = during.filter((a) => a.status !== 200);
  // The portal's outage: from the fault to the end of the last failed answer.
  const outage = bad.length ? Math.max(...bad.map((a) => a.t + a.ms)) - t0 : 0;
  const hbad = health.filter((h) => h.t >= t0 && h.s !== 200);
  const houtage = hbad.length ? Math.max(...hbad.map((h) => h.t)) - t0 : 0;
  const kinds = {};
  for (const a of bad) kinds[`${a.status} ${a.code}`] = (kinds[`${a.status} ${a.code}`] || 0) + 1;
  console.log(`cluster: primary lost: db${other} promoted after ${(promoted / 1000).toFixed(1)} s; ` +
    `votes failing for ${(outage / 1000).toFixed(1)} s (healthz ${(houtage / 1000).toFixed(1)} s); ` +
    `${during.length - bad.length} votes answered 200 and ${bad.length} not during ${((ended - t0) / 1000).toFixed(1)} s ` +
    `(${JSON.stringify(kinds)}); longest answer ${Math.max(...during.map((a) => a.ms))} ms; ${answers.length} requests in all`);

  for (const a of bad) {
    assert.equal(a.status, 503, `during the switch only 503s fail: ${JSON.stringify(a)}`);
    assert.ok(a.envelope, `a 503 is the error envelope: ${JSON.stringify(a)}`);
  }
  assert.ok(outage < 30000, `the portal answers again within 30 s (${outage} ms)`);
  for (const n of [1, 2]) {
    const log = readFileSync(`${CW}/log/kore${n}.log`).subarray(logFrom[n - 1]).toString('utf8');
    assert.doesNotMatch(log, /exited with status|restarting worker|Bad file descriptor/, `no worker of Kore host ${n} died`);
  }

  // Each (voter, idea) is as its last answered request left it.
  const v = checkVotes(voters, answers);
  assert.deepEqual(v.lost, [], 'every vote answered 200 is in the database');
  assert.deepEqual(v.extra, [], 'every withdrawal answered 200 holds');
  assert.ok(v.standing > 0, 'some votes stand');
  assert.equal(v.twice, 0, 'no vote twice');
  assert.equal(v.miscounted, 0, 'vote_count agrees with a recount');
  // The portal is whole: a new sign-in and a write through the new primary.
  const c = new Client();
  assert.equal((await c.signIn(voters[0].email, PASSWORD)).status, 200);
});
