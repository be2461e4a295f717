// Backup and point-in-time restore with pgBackRest.  Patroni's
// archive_command has pushed every WAL segment since the cluster began
// (across the failover and the switchover of the tests before); an
// incremental backup is taken from the primary of the moment.  Then:
// activity (ideas, votes, sign-ins: audit entries), the audit chain
// anchored, the time T noted with a snapshot of the ideas, votes and
// audit_log tables (counts and an md5 of each, ordered by key); more
// activity after T.  Proves: the backup restored to T into a fresh
// cluster (its own folder and port, apart from Patroni) holds exactly
// the data of T (same counts and hashes, not those after T), and
// `drivectl audit verify` passes on it against the anchor made before
// T.  The restore time is printed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Client, sql, sqlValue, PASSWORD, ROOT } from '../lib/drive.mjs';
import { CW, PORTS, SUPER_PW, CLUSTER_ENV, ctl, sleep, waitFor, votersAndIdeas } from './lib.mjs';

const RESTORE_PORT = PORTS.pgNode[1] + 1;
const restoredUrl = (user, db = 'drive') => `host=127.0.0.1 port=${RESTORE_PORT} dbname=${db} user=${user} connect_timeout=3`;

function psqlRestored(query) {
  return execFileSync('psql', [restoredUrl('postgres'), '-qAtX', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: SUPER_PW } }).trim();
}

const SNAPSHOT = `SELECT
  (SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM ideas t),
  (SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.idea_id, t.user_id)), '-') FROM votes t),
  (SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t.id)), '-') FROM audit_log t)`;

after(() => {
  try {
    execFileSync('bash', ['-c', `source conf/local.sh; as_pg /usr/lib/postgresql/15/bin/pg_ctl -D "${CW}/pgrestore" -m fast -w stop`],
      { cwd: ROOT, stdio: 'ignore' });
  } catch { /* not running */ }
});

async function activity(n) {
  const { ideas, voters } = await votersAndIdeas(n, 2);
  for (const v of voters) for (const i of ideas) assert.equal((await v.api('POST', `/api/v1/ideas/${i}/vote`)).status, 200);
  // A sign-in more each: an audit entry.
  for (const v of voters) assert.equal((await new Client().signIn(v.email, PASSWORD)).status, 200);
}

test('a backup restored to a point in time into a new cluster: the data of that time, the audit chain verifies', { timeout: 240000 }, async () => {
  ctl('backup', 'incr');
  await activity(4);
  // The chain's head, anchored as the operator's cron does.
  execFileSync(`${ROOT}/build/drivectl`, ['audit', 'anchor'], { encoding: 'utf8' });
  await sleep(1000);
  const atT = sql(SNAPSHOT)[0].join('\t');
  const T = sqlValue(`SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`);
  await sleep(1000);
  await activity(3);
  const afterT = sql(SNAPSHOT)[0].join('\t');
  assert.notEqual(afterT, atT, 'there was activity after T');
  ctl('archive_check');

  const t0 = Date.now();
  ctl('restore_pitr', T, String(RESTORE_PORT));
  assert.ok(await waitFor(() => {
    try { return psqlRestored('SELECT pg_is_in_recovery()') === 'f'; } catch { return false; }
  }, 120000, 500), 'the restored cluster reaches T and is promoted');
  const restoreMs = Date.now() - t0;

  const restored = psqlRestored(SNAPSHOT);
  const [ideas, votes, audit] = restored.split('\t');
  console.log(`cluster: restore to ${T}: ${(restoreMs / 1000).toFixed(1)} s (pgbackrest restore + recovery); ` +
    `ideas ${ideas.split(' ')[0]}, votes ${votes.split(' ')[0]}, audit entries ${audit.split(' ')[0]} ` +
    `(after T: ${afterT.split('\t').map((x) => x.split(' ')[0]).join('/')})`);
  assert.equal(restored, atT, 'the restored ideas, votes and audit_log are those of T');

  // drivectl audit verify, as the portal's role, against the anchor of T.
  const verify = () => execFileSync(`${ROOT}/build/drivectl`, ['audit', 'verify'], {
    encoding: 'utf8',
    env: { ...process.env, DRIVE_DATABASE_URL: `${restoredUrl('drive')} password=${CLUSTER_ENV.DRIVE_PW}` },
  });
  const out = verify();
  assert.match(out, /chain intact; \d+ anchors? hold, the newest .* is followed by 0 entries/, out);
  // The check is real: an entry changed in the restored copy fails it.
  psqlRestored(`ALTER TABLE audit_log DISABLE TRIGGER USER;
    UPDATE audit_log SET action = action || '!' WHERE id = (SELECT max(id) - 1 FROM audit_log)`);
  assert.throws(verify, (e) => e.status === 1 && /tampered/.test(e.stdout), 'a changed entry fails the check');
});
