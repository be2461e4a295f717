// Helpers of the cluster tests: the cluster's engines (conf/cluster/
// cluster.sh ctl), Patroni's REST API, and a vote load whose every answer
// is recorded.  tests/cluster/run.sh starts the cluster and sets
// DRIVE_TEST_CLUSTER (its work folder) and the DRIVE_TEST_* of
// tests/lib/drive.mjs.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { ROOT, sql, sqlValue, person, unique } from '../lib/drive.mjs';

export const CW = process.env.DRIVE_TEST_CLUSTER;
if (!CW) throw new Error('run the cluster tests through tests/cluster/run.sh (make test-cluster)');

const env = Object.fromEntries(readFileSync(`${CW}/cluster.env`, 'utf8').split('\n')
  .filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const B = Number(env.CLUSTER_BASE);
export const PORTS = {
  http: B, pg: B + 1, stats: B + 2, kore: [B + 10, B + 11], pgNode: [B + 20, B + 21],
  rest: [B + 30, B + 31], etcd: B + 40,
};
export const SUPER_PW = env.SUPER_PW;
export const CLUSTER_ENV = env;

// One of conf/cluster/cluster.sh's functions on this cluster, its output
// to log/ctl.log: an engine it starts (Kore, through a shell that waits
// for it) must not hold a pipe of ours.  Throws when it fails.
export function ctl(...args) {
  const f = `${CW}/log/ctl.log`;
  const from = existsSync(f) ? readFileSync(f).length : 0;
  const fd = openSync(f, 'a');
  try {
    execFileSync(`${ROOT}/conf/cluster/cluster.sh`, ['ctl', CW, ...args],
      { cwd: ROOT, stdio: ['ignore', fd, fd] });
  } catch (e) {
    throw new Error(`cluster.sh ctl ${args.join(' ')} failed: ${readFileSync(f).subarray(from).toString('utf8').slice(-2000)}`);
  } finally {
    closeSync(fd);
  }
}

export function pidOf(name) {
  const f = `${CW}/${name}.pid`;
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : null;
}

export function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

// The postmaster of node n (1 or 2), from its postmaster.pid.
export function postmasterPid(n) {
  const f = `${CW}/pg${n}/postmaster.pid`;
  if (!existsSync(f)) return null;
  return Number(readFileSync(f, 'utf8').split('\n')[0]);
}

// Every process of node n's PostgreSQL that is left (a postmaster whose
// Patroni is gone keeps running, its backends too): as if the machine
// were switched off.
export function killNodePostgres(n) {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-f', `postgres -D ${CW}/pg${n}`], { encoding: 'utf8' });
  } catch { /* none */ }
  for (const pid of out.split('\n').filter(Boolean).map(Number)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

export async function rest(n, path) {
  try {
    const res = await fetch(`http://127.0.0.1:${PORTS.rest[n - 1]}${path}`,
      { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json };
  } catch {
    return { status: 0, json: null };
  }
}

// The node whose Patroni says it is the primary, or null.
export async function primaryNode() {
  for (const n of [1, 2]) if ((await rest(n, '/primary')).status === 200) return n;
  return null;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(pred, ms, step = 250) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(step);
  }
  return false;
}

// The answer of one request with a deadline: a hang is 'timeout', a
// failed connection 'neterr'; the error envelope's code when there is one.
export async function call(client, method, path, body, ms = 12000) {
  const t = Date.now();
  try {
    const r = await Promise.race([
      client.api(method, path, body),
      sleep(ms).then(() => { throw new Error('timeout'); }),
    ]);
    return { status: r.status, code: r.json?.error?.code ?? null, envelope: !!r.json?.error, t, ms: Date.now() - t };
  } catch (e) {
    return { status: e.message === 'timeout' ? 'timeout' : 'neterr', code: null, envelope: false, t, ms: Date.now() - t };
  }
}

// Votes cast and withdrawn at random by each voter on the ideas until
// stop() is called.  A request that was not answered 200 is sent again
// (casting and withdrawing are idempotent) until it is: so when the load
// ends, each (voter, idea) is in the state of its last answered request,
// which `expected` holds.  Every answer goes to `answers`.
export function voteLoad(voters, ideas) {
  const answers = [];
  const expected = new Map(); // `${voter.id}:${idea}` -> true (voted) | false
  let stopping = false;
  const loops = voters.map(async (v) => {
    while (!stopping) {
      const idea = ideas[Math.floor(Math.random() * ideas.length)];
      const key = `${v.id}:${idea}`;
      const cast = !expected.get(key);
      // Until answered 200: the outcome of a failed one is unknown.
      for (let tries = 0; ; tries++) {
        const a = await call(v, cast ? 'POST' : 'DELETE', `/api/v1/ideas/${idea}/vote`);
        answers.push({ ...a, voter: v.id, idea, cast });
        if (a.status === 200) { expected.set(key, cast); break; }
        if (tries > 400) throw new Error(`no 200 for ${key} after ${tries} tries`);
        await sleep(200);
      }
    }
  });
  return {
    answers,
    expected,
    async stop() { stopping = true; await Promise.all(loops); },
  };
}

// The state of each (voter, idea) after its last request answered 200.
export function expectedVotes(answers) {
  const m = new Map();
  for (const a of answers.filter((x) => x.status === 200).sort((x, y) => x.t - y.t)) {
    m.set(`${a.voter}:${a.idea}`, a.cast);
  }
  return m;
}

// The votes of these voters in the database against their answered
// requests: { lost, extra, standing }; and the database's own checks:
// no vote twice, every idea's vote_count equal to a recount.
export function checkVotes(voters, answers) {
  const ids = voters.map((v) => v.id).join(',');
  const inDb = new Set(sql(`SELECT user_id || ':' || idea_id FROM votes WHERE user_id IN (${ids})`).map((r) => r[0]));
  const want = new Set([...expectedVotes(answers)].filter(([, v]) => v).map(([k]) => k));
  return {
    lost: [...want].filter((k) => !inDb.has(k)),
    extra: [...inDb].filter((k) => !want.has(k)),
    standing: want.size,
    twice: Number(sqlValue('SELECT count(*) - count(DISTINCT (idea_id, user_id)) FROM votes')),
    miscounted: Number(sqlValue(`SELECT count(*) FROM ideas i WHERE i.vote_count <>
      (SELECT count(*) FROM votes v WHERE v.idea_id = i.id)`)),
  };
}

// An author's ideas and voters of one organisation, for a vote load.
export async function votersAndIdeas(nVoters, nIdeas) {
  const org = unique('Org');
  const author = await person('client', org);
  const ideas = [];
  for (let i = 0; i < nIdeas; i++) {
    const r = await author.api('POST', '/api/v1/ideas', { title: `Cluster idea ${i} ${unique()}`, body: 'votes under failover', area: 'fx' });
    if (r.status !== 201) throw new Error(`idea: ${r.status} ${r.text}`);
    ideas.push(r.json.id);
  }
  const voters = [];
  for (let i = 0; i < nVoters; i++) voters.push(await person('client', org));
  return { author, ideas, voters };
}
