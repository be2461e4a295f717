// The mailer fails over: two build/drive-mailer run against the cluster
// (through HAProxy), one holding the PostgreSQL advisory lock and
// sending, the other waiting.  Responses to ideas queue mails for their
// voters; the active mailer is SIGKILLed while it has mail to send.
// Proves: the standby takes the lock and sends the rest (its takeover
// time printed); no mail goes out twice (each outbox row is at most one
// .eml file across both mailers' folders, a row left 'sending' by the
// killed one is marked 'unknown', not sent again); every row ends sent
// or unknown, and each 'sent' row is exactly one file.  The killed
// mailer is started again and waits as the standby.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { person, sql, respond } from '../lib/drive.mjs';
import { CW, ctl, pidOf, alive, waitFor, votersAndIdeas } from './lib.mjs';

const log = (n) => (existsSync(`${CW}/log/mailer${n}.log`) ? readFileSync(`${CW}/log/mailer${n}.log`, 'utf8') : '');

// The mailer holding the lock: the last word of each log about the lock.
function active() {
  const holds = [1, 2].filter((n) => {
    const said = log(n).split('\n').filter((l) => /: (started|sending again) \(|another drive-mailer holds the lock|lost the database/.test(l));
    return said.length && /(started|sending again) \(/.test(said[said.length - 1]) && alive(pidOf(`mailer${n}`) ?? -1);
  });
  return holds.length === 1 ? holds[0] : null;
}

// Every .eml file of both mailers: outbox id -> the folders it is in.
function files() {
  const m = new Map();
  for (const n of [1, 2]) {
    const dir = `${CW}/mail${n}`;
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) {
      const id = /^outbox-(\d+)\.eml$/.exec(f);
      if (id) m.set(Number(id[1]), [...(m.get(Number(id[1])) || []), n]);
    }
  }
  return m;
}

const rows = (ideas) => sql(`SELECT id, status FROM outbox WHERE idea_id IN (${ideas.join(',')}) ORDER BY id`)
  .map(([id, status]) => ({ id: Number(id), status }));

test('the active mailer killed: the standby sends the rest, no mail twice', { timeout: 120000 }, async () => {
  // Staff sign in by password here (the policy is the portal's, not
  // what this test is about).
  sql('UPDATE second_factor_policy SET required = false');
  const pm = await person('pm');
  const { ideas, voters } = await votersAndIdeas(8, 6);
  for (const v of voters) for (const i of ideas) assert.equal((await v.api('POST', `/api/v1/ideas/${i}/vote`)).status, 200);
  assert.ok(await waitFor(() => active() !== null, 20000), 'one mailer holds the lock');
  const first = active();
  const standby = first === 1 ? 2 : 1;

  // A response to each idea: a mail to each voter and the author.
  const published = async (some) => {
    for (const i of some) assert.ok([200, 201].includes((await respond(pm, null, i, 'under_review', 'We are looking at it.')).status));
  };
  await published(ideas.slice(0, 2));
  assert.ok(await waitFor(() => rows(ideas).some((r) => r.status === 'sent'), 20000), 'the active mailer sends');
  await published(ideas.slice(2));
  const queued = rows(ideas).length;
  assert.ok(queued >= 6 * (voters.length + 1), `the responses queued mail (${queued})`);
  const t0 = Date.now();
  process.kill(pidOf(`mailer${first}`), 'SIGKILL');
  assert.ok(await waitFor(() => active() === standby, 30000, 100), `mailer ${standby} takes over`);
  const takeover = Date.now() - t0;
  assert.ok(await waitFor(() => rows(ideas).every((r) => r.status === 'sent' || r.status === 'unknown'), 60000),
    'every mail is sent (or, interrupted while sending, unknown)');
  const all = rows(ideas);
  const f = files();
  const twice = [...f].filter(([, dirs]) => dirs.length > 1);
  const byFirst = all.filter((r) => (f.get(r.id) || []).includes(first)).length;
  const byStandby = all.filter((r) => (f.get(r.id) || []).includes(standby)).length;
  const unknown = all.filter((r) => r.status === 'unknown');
  console.log(`cluster: mailer ${first} killed: mailer ${standby} took the lock after ${(takeover / 1000).toFixed(1)} s; ` +
    `${all.length} mails: ${byFirst} sent by mailer ${first}, ${byStandby} by mailer ${standby}, ${unknown.length} unknown (interrupted), ${twice.length} twice`);
  assert.deepEqual(twice, [], 'no mail twice');
  for (const r of all) {
    if (r.status === 'sent') assert.equal((f.get(r.id) || []).length, 1, `sent row ${r.id} is one file`);
    else assert.ok((f.get(r.id) || []).length <= 1, `unknown row ${r.id} is at most one file`);
  }
  assert.ok(byStandby > 0, 'the standby sent some of them');
  assert.ok(byFirst > 0, 'the first mailer sent some before it was killed');

  // The killed mailer comes back as the standby.
  ctl('mailer', String(first));
  assert.ok(await waitFor(() => /another drive-mailer holds the lock/.test(log(first).split('\n').slice(-3).join('\n')), 20000),
    `mailer ${first} waits as the standby`);
  assert.equal(active(), standby);
});
