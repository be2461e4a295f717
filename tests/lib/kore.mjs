// A Kore of a test's own, on the suite's database, module and
// configuration (tests/run.sh starts the suite's stack): on a port of its
// own, with its own pid file and log, the access log off, and whatever
// else the test changes in the configuration (env.conf).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, openSync, closeSync, existsSync } from 'node:fs';
import net from 'node:net';
import { ROOT } from './drive.mjs';

const WORK = process.env.DRIVE_TEST_WORK;
const SUITE_CONF = readFileSync(process.env.DRIVE_TEST_KORE_CONF, 'utf8');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(100);
  }
  return false;
}

export class Kore {
  static async start(name, env) {
    const k = new Kore();
    k.dir = mkdtempSync(`${WORK}/${name}-`);
    k.port = env.port;
    k.base = `http://127.0.0.1:${k.port}`;
    k.logFile = `${k.dir}/kore.log`;
    let conf = SUITE_CONF
      .replace(/^(\s*bind\s+\S+\s+)\d+/m, `$1${k.port}`)
      .replace(/^pidfile\s+.*$/m, `pidfile ${k.dir}/kore.pid`)
      .replace(/^\s*accesslog\s+.*\n/m, '')
      // To find a missing system call: its name in the log, not a kill.
      .replace(/^seccomp_tracing\s+.*$/m, `seccomp_tracing\t\t${process.env.SSO_SECCOMP_TRACING ? 'yes' : 'no'}`);
    if (env.conf) conf = env.conf(conf);
    writeFileSync(`${k.dir}/kore.conf`, conf);
    const out = openSync(k.logFile, 'a');
    // SSO_STRACE=1: every system call of Kore and its workers' threads
    // in strace.log (how app/main.c's additions for libcurl were found).
    const cmd = ['stdbuf', '-oL', '-eL', 'kore', '-f', '-n', '-r', '-c', `${k.dir}/kore.conf`];
    if (process.env.SSO_STRACE) cmd.unshift('strace', '-f', '-qq', '-o', `${k.dir}/strace.log`);
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: ROOT, detached: true, stdio: ['ignore', out, out],
      env: { ...process.env, DRIVE_BASE_URL: k.base, ...env.vars },
    });
    closeSync(out);
    child.unref();
    const up = await waitFor(async () => {
      try {
        return (await fetch(`${k.base}/healthz`, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch { return false; }
    }, 15000);
    assert.ok(up, `kore ${name} answers on /healthz:\n${k.log().slice(-2000)}`);
    k.pid = Number(readFileSync(`${k.dir}/kore.pid`, 'utf8'));
    return k;
  }

  log() { return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : ''; }

  async stop() {
    if (!this.pid) return;
    try { process.kill(this.pid, 'SIGTERM'); } catch { return; }
    const gone = await waitFor(() => { try { process.kill(this.pid, 0); return false; } catch { return true; } }, 8000);
    if (!gone) try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
    this.pid = 0;
  }
}

