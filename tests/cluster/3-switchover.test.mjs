// The old primary comes back and the roles are switched back, planned.
// Proves: a node whose Patroni was gone (test 1 kills db1's; run alone,
// there is none and this step is skipped) rejoins as the synchronous
// replica by itself (Patroni, with pg_rewind), its rejoin time printed;
// then `patronictl switchover` under vote load moves the primary to it
// and loses nothing: every vote answered 200 is in the database, every
// answered withdrawal holds, counts agree, failures are 503 envelopes
// only, and the old primary follows as the synchronous replica.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CW, ctl, pidOf, alive, rest, primaryNode, waitFor, sleep, voteLoad, checkVotes, votersAndIdeas,
} from './lib.mjs';

const run = promisify(execFile);
let load = null;
after(async () => { if (load) await load.stop().catch(() => {}); });

test('the old primary rejoins as a replica; a planned switchover back loses nothing', { timeout: 240000 }, async () => {
  const down = [1, 2].filter((n) => !alive(pidOf(`patroni${n}`) ?? -1));
  assert.ok(down.length <= 1, 'at most one node is down');
  if (down.length) {
    const n = down[0];
    const t0 = Date.now();
    ctl('patroni_up', String(n));
    assert.ok(await waitFor(async () => (await rest(n, '/sync')).status === 200, 120000, 500),
      `db${n} rejoins as the synchronous replica`);
    console.log(`cluster: db${n} rejoined as the synchronous replica ${((Date.now() - t0) / 1000).toFixed(1)} s after its Patroni started`);
  }
  const from = await primaryNode();
  assert.ok(from, 'a primary');
  const to = from === 1 ? 2 : 1;
  assert.equal((await rest(to, '/sync')).status, 200, `db${to} is the synchronous replica`);

  const { ideas, voters } = await votersAndIdeas(8, 4);
  load = voteLoad(voters, ideas);
  await sleep(2000);
  const t0 = Date.now();
  const out = await run('patronictl', ['-c', `${CW}/patroni-${to}.yml`, 'switchover',
    '--leader', `db${from}`, '--candidate', `db${to}`, '--force'], { timeout: 60000 });
  assert.match(out.stdout, /Successfully switched over/, out.stdout + out.stderr);
  assert.ok(await waitFor(async () => (await primaryNode()) === to, 30000), `db${to} is the primary`);
  const switched = Date.now() - t0;
  assert.ok(await waitFor(() => {
    const late = load.answers.filter((a) => a.t > Date.now() - 3000);
    return late.length > 10 && late.every((a) => a.status === 200);
  }, 60000), 'votes are answered 200 again');
  await load.stop();
  const answers = load.answers;
  load = null;

  const bad = answers.filter((a) => a.t >= t0 && a.status !== 200);
  const outage = bad.length ? Math.max(...bad.map((a) => a.t + a.ms)) - t0 : 0;
  console.log(`cluster: switchover db${from} -> db${to}: primary after ${(switched / 1000).toFixed(1)} s; ` +
    `votes failing for ${(outage / 1000).toFixed(1)} s; ${answers.length - bad.length} answered 200, ${bad.length} not`);
  for (const a of bad) {
    assert.equal(a.status, 503, `only 503s fail: ${JSON.stringify(a)}`);
    assert.ok(a.envelope, `a 503 is the error envelope: ${JSON.stringify(a)}`);
  }
  const v = checkVotes(voters, answers);
  assert.deepEqual(v.lost, [], 'every vote answered 200 is in the database');
  assert.deepEqual(v.extra, [], 'every withdrawal answered 200 holds');
  assert.ok(v.standing > 0, 'some votes stand');
  assert.equal(v.twice, 0, 'no vote twice');
  assert.equal(v.miscounted, 0, 'vote_count agrees with a recount');
  assert.ok(await waitFor(async () => (await rest(from, '/sync')).status === 200, 60000, 500),
    `db${from} follows as the synchronous replica`);
});
