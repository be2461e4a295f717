// An idle connection kept open as long as Kore says it will be.  Kore
// answers "keep-alive: timeout=N" (http_keepalive_time), and a client's
// pool (Node's fetch, nginx upstream keepalive) reuses a connection for
// up to about N seconds after the answer.  Kore 4.1.0 counts the idle
// time from the last read, i.e. from the request, so an answer that took
// T seconds (a wait for a lock, Argon2 on a loaded machine) left the
// connection open only N - T seconds after it: a client that reused it
// in that gap had its request cut ("fetch failed").  Witness: a raw
// socket, a request held 1.5 s by a lock, and the moment Kore closes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { BASE, person, sqlValue } from '../lib/drive.mjs';
import { Kore, freePort, waitFor } from '../lib/kore.mjs';

const KEEPALIVE = 3;
let kore;
after(async () => { await kore?.stop(); });

// Holds an exclusive lock on the sessions for ms, from another connection.
function holdSessions(ms) {
  const p = spawn('psql', [process.env.DRIVE_TEST_SUPER_URL, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c',
    `BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(${ms / 1000}); COMMIT;`],
  { stdio: 'ignore' });
  return new Promise((resolve) => p.on('exit', resolve));
}

const held = () => Number(sqlValue(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
  WHERE c.relname = 'sessions' AND l.mode = 'AccessExclusiveLock' AND l.granted`)) > 0;

test('an answer that took a while: the connection stays open the announced keep-alive time after it', async () => {
  const port = await freePort();
  kore = await Kore.start('keepalive', {
    port,
    conf: (c) => c.replace(/^http_keepalive_time\s+\d+/m, `http_keepalive_time\t${KEEPALIVE}`),
  });
  const p = await person('client');
  const lock = holdSessions(1500);
  assert.ok(await waitFor(held, 5000), 'the lock is held');

  const sock = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let text = '';
  let answered = 0;
  const closed = new Promise((resolve) => sock.once('close', () => resolve(Date.now())));
  const answer = new Promise((resolve) => {
    sock.on('data', (d) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text);
      if (end > 0 && len && text.length >= end + 4 + Number(len[1]) && !answered) {
        answered = Date.now();
        resolve();
      }
    });
  });
  const sent = Date.now();
  sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`
    + `Cookie: drive_session=${p.cookies.get('drive_session')}\r\n\r\n`);
  await answer;
  await lock;
  assert.match(text, /^HTTP\/1\.1 200/, text.slice(0, 200));
  assert.match(text, new RegExp(`\\r\\nkeep-alive: timeout=${KEEPALIVE}\\r\\n`, 'i'));
  assert.ok(answered - sent >= 1000, `the answer waited for the lock: ${answered - sent} ms`);

  const idle = (await closed) - answered;
  assert.ok(idle >= KEEPALIVE * 1000 - 250,
    `open ${idle} ms after the answer, announced ${KEEPALIVE * 1000} ms (answered in ${answered - sent} ms)`);
  assert.ok(idle <= KEEPALIVE * 1000 + 3000, `closed at last: ${idle} ms`);
});

// The suite's Kore, configured as conf/drive.conf: an idle connection is
// closed when the announced time has passed, silently, and not by Kore's
// header timeout, which wrote an unasked "408 Request Timeout" first.
test('an idle connection is closed after the announced time, without an unasked 408', async () => {
  const { hostname, port } = new URL(BASE);
  const sock = net.connect(Number(port), hostname);
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let text = '';
  let answered = 0;
  let after = '';
  const closed = new Promise((resolve) => sock.once('close', () => resolve(Date.now())));
  const answer = new Promise((resolve) => {
    sock.on('data', (d) => {
      if (answered) { after += d.toString('latin1'); return; }
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text);
      if (end > 0 && len && text.length >= end + 4 + Number(len[1])) {
        answered = Date.now();
        after = text.slice(end + 4 + Number(len[1]));
        resolve();
      }
    });
  });
  sock.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  await answer;
  const announced = /\r\nkeep-alive: timeout=(\d+)\r\n/i.exec(text);
  assert.ok(announced, text.slice(0, 300));
  const seconds = Number(announced[1]);
  const idle = (await closed) - answered;
  assert.equal(after, '', 'nothing after the answer');
  assert.ok(idle >= seconds * 1000 - 250, `open ${idle} ms after the answer, announced ${seconds} s`);
  assert.ok(idle <= seconds * 1000 + 2000, `closed ${idle} ms after the answer, announced ${seconds} s`);
});
