// E-mail: build/drive-mailer sends what the outbox holds to an SMTP server
// started here, and each mail is parsed as a mail client would.  To the
// right people, in their language, once (also across a crash and a
// temporary SMTP refusal), and never with an organisation's name or
// another person's address in it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { person, respond as publish, sql, sqlValue, unique, ROOT, BASE } from '../lib/drive.mjs';

// tests/run.sh installs the npm packages for the browser suite only; a
// fresh checkout may not have these yet.
async function load() {
  return [(await import('smtp-server')).SMTPServer, (await import('mailparser')).simpleParser];
}
let SMTPServer;
let simpleParser;
try {
  [SMTPServer, simpleParser] = await load();
} catch {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: join(ROOT, 'tests'), stdio: 'inherit' });
  [SMTPServer, simpleParser] = await load();
}

const MAILER = join(ROOT, 'build', 'drive-mailer');
// Which way responses and merges were made: the API once it answers,
// else the database functions the API calls.
const via = { responses: new Set(), merge: new Set() };

// ---- an SMTP server that keeps what it accepts ----------------------
class Inbox {
  constructor() {
    this.mails = [];		// accepted: { raw, parsed, rcpt }
    this.reject = null;		// (rcpt, parsed) => true: answer 451
    this.hold = null;		// async (mail) => before answering 250
  }

  async start() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      onData: (stream, session, done) => {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', async () => {
          try {
            const raw = Buffer.concat(chunks).toString('utf8');
            const parsed = await simpleParser(raw);
            const rcpt = session.envelope.rcptTo.map((r) => r.address);
            if (this.reject && this.reject(rcpt, parsed)) {
              const e = new Error('Try again later');
              e.responseCode = 451;
              done(e);
              return;
            }
            const mail = { raw, parsed, rcpt, from: session.envelope.mailFrom.address };
            this.mails.push(mail);
            if (this.hold) await this.hold(mail);
            done();
          } catch (e) {
            done(e);
          }
        });
      },
    });
    this.server.on('error', () => {});
    await new Promise((res) => this.server.listen(0, '127.0.0.1', res));
    this.url = `smtp://127.0.0.1:${this.server.server.address().port}`;
  }

  stop() {
    return new Promise((res) => this.server.close(res));
  }

  // Accepted mails about one idea (its link, or for a merge the dup's id
  // in the outbox row the Message-ID names).
  forRows(ids) {
    const want = new Set(ids.map(String));
    return this.mails.filter((m) => want.has(outboxId(m)));
  }
}

function outboxId(mail) {
  const m = /^<outbox-(\d+)\.\d+@drive>$/.exec(mail.parsed.messageId || '');
  return m ? m[1] : null;
}

const inbox = new Inbox();
await inbox.start();

// ---- the mailer as a child process ----------------------------------
const children = new Set();

function mailer({ env = {}, args = [] } = {}) {
  const child = spawn(MAILER, args, {
    env: {
      PATH: process.env.PATH,
      DRIVE_DATABASE_URL: process.env.DRIVE_DATABASE_URL,
      DRIVE_SMTP_URL: inbox.url,
      DRIVE_BASE_URL: process.env.DRIVE_TEST_BASE,
      DRIVE_ROOT: process.env.DRIVE_ROOT,
      DRIVE_MAIL_POLL_MS: '100',
      DRIVE_MAIL_BACKOFF_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.log = '';
  // Kept in the test folder too: tests/secrets-check.sh greps it.
  const keep = (d) => {
    if (process.env.DRIVE_TEST_WORK) appendFileSync(`${process.env.DRIVE_TEST_WORK}/mailer.log`, d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', (d) => { child.log += d; keep(d); });
  child.exited = new Promise((res) => child.on('exit', (code, signal) => {
    children.delete(child);
    res({ code, signal });
  }));
  children.add(child);
  return child;
}

async function stop(child) {
  child.kill('SIGTERM');
  const r = await child.exited;
  assert.deepEqual(r, { code: 0, signal: null }, `the mailer exits cleanly on SIGTERM:\n${child.log}`);
  return r;
}

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await inbox.stop();
});

async function until(what, fn, ms = 20000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function within(what, promise, ms = 20000) {
  let timer;
  const timeout = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function outbox(ideaIds) {
  return sql(`SELECT id, user_id, kind, status, attempts, coalesce(last_error, '')
    FROM outbox WHERE idea_id IN (${ideaIds.join(',')}) ORDER BY id`)
    .map(([id, user, kind, status, attempts, error]) =>
      ({ id: Number(id), user: Number(user), kind, status, attempts: Number(attempts), error }));
}

function settled(ideaIds) {
  return outbox(ideaIds).every((r) => r.status !== 'pending' && r.status !== 'sending');
}

// ---- the people and what they do -----------------------------------
const orgs = [unique('Mail Org Alpha'), unique('Mail Org Beta'), unique('Mail Org Gamma'),
  unique('Mail Org Delta'), unique('Mail Org Epsilon')];
const author = await person('client', orgs[0]);
const voterEn = await person('client', orgs[1]);
const voterDe = await person('client', orgs[2]);
const silent = await person('client', orgs[3]);
const extra = await person('client', orgs[4]);
const pm = await person('pm');
const people = [author, voterEn, voterDe, silent, extra, pm];
// Approves pm's commitments (four eyes): mails go out on approval.
const approver = await person('pm');

// German, and a name that needs RFC 2047 in To:.
voterDe.name = `Jürgen Größe ${unique('x').slice(2)}`;
sql(`UPDATE users SET lang = 'de', display_name = '${voterDe.name}' WHERE id = ${voterDe.id}`);
sql(`UPDATE users SET email_notifications = false WHERE id = ${silent.id}`);

async function propose(c, title) {
  const r = await c.api('POST', '/api/v1/ideas', { title, body: 'We would like this.', area: 'fx' });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function vote(c, id) {
  const r = await c.api('POST', `/api/v1/ideas/${id}/vote`);
  assert.equal(r.status, 200, r.text);
}

async function comment(c, id, body) {
  const r = await c.api('POST', `/api/v1/ideas/${id}/comments`, { body });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

function dollar(s) {
  assert.ok(!s.includes('$mail$'));
  return `$mail$${s}$mail$`;
}

async function respond(id, status, body) {
  const r = await publish(pm, approver, id, status, body);
  if (r.status !== 404) {
    assert.ok([200, 201].includes(r.status), r.text);
    via.responses.add('api');
    return;
  }
  const draft = sql(`SELECT response_id, state FROM response_create(${id}, ${pm.id}, '${status}', ${dollar(body)}, NULL)`)[0];
  if (draft[1] === 'pending_approval') sql(`SELECT * FROM response_approve(${draft[0]}, NULL, ${approver.id}, NULL)`);
  via.responses.add('sql');
}

async function merge(dup, into) {
  const r = await pm.api('POST', `/api/v1/ideas/${dup}/merge`, { into });
  if (r.status !== 404) {
    assert.equal(r.status, 200, r.text);
    via.merge.add('api');
    return;
  }
  sql(`SELECT idea_merge(${dup}, ${into}, ${pm.id}, NULL)`);
  via.merge.add('sql');
}

// What every mail must look like on the wire.
function wellFormed(mail) {
  assert.doesNotMatch(mail.raw, /[^\r]\n/, 'lines end in CRLF');
  for (const line of mail.raw.split('\r\n')) {
    assert.ok(line.length <= 78, `line of ${line.length}: ${line}`);
  }
  assert.match(mail.parsed.messageId, /^<outbox-\d+\.\d+@drive>$/);
  assert.equal(mail.parsed.from.value[0].address, 'drive@localhost');
  assert.equal(mail.parsed.headers.get('mime-version'), '1.0');
  assert.ok(mail.parsed.date instanceof Date && !Number.isNaN(mail.parsed.date.getTime()));
  assert.match(mail.raw, /Content-Type: multipart\/alternative;/);
  assert.match(mail.raw, /Content-Type: text\/plain; charset=utf-8/);
  assert.match(mail.raw, /Content-Type: text\/html; charset=utf-8/);
  // Inline styles only (mail programs drop style sheets), and nothing
  // that loads: no script, image, link, style sheet or url().
  assert.doesNotMatch(mail.parsed.html, /<script|<img|<link|<style|src=|url\(|@import/i,
    'no external resources, no style sheet');
  assert.match(mail.parsed.text, new RegExp(`${BASE}/profile`), 'says where to turn e-mail off');
  assert.match(mail.parsed.html, new RegExp(`href="${BASE}/profile"`));
}

function only(mails, email) {
  const m = mails.filter((x) => x.rcpt.includes(email));
  assert.equal(m.length, 1, `one mail to ${email}, got ${m.length}`);
  assert.equal(m[0].parsed.to.value[0].address, email);
  return m[0];
}

test('(a, c) a response reaches the author and each voter, in their language; not the responder, not who turned e-mail off', async () => {
  const title = `Faster FX confirmations & <b>alerts</b> ${unique('a')}`;
  const id = await propose(author, title);
  for (const c of [voterEn, voterDe, silent, extra, pm]) await vote(c, id);
  // extra turns e-mail off after the row was queued: not sent either.
  await respond(id, 'planned', 'We will build **this** in Q3.\n\n<script>alert(1)</script>');
  sql(`UPDATE users SET email_notifications = false WHERE id = ${extra.id}`);
  try {
    const child = mailer();
    await until('the outbox to settle', () => settled([id]));
    await stop(child);
  } finally {
    sql(`UPDATE users SET email_notifications = true WHERE id = ${extra.id}`);
  }

  const rows = outbox([id]);
  const mails = inbox.forRows(rows.map((r) => r.id));
  assert.deepEqual(mails.map((m) => m.rcpt[0]).sort(), [author.email, voterEn.email, voterDe.email].sort());
  assert.deepEqual(rows.filter((r) => r.status === 'sent').map((r) => r.user).sort(),
    [author.id, voterEn.id, voterDe.id].sort());
  assert.ok(rows.every((r) => r.kind === 'status'));
  const skipped = rows.find((r) => r.user === extra.id);
  assert.equal(skipped.status, 'failed');
  assert.match(skipped.error, /turned off/);
  // (c) no outbox row, no mail, but the notification in the portal.
  assert.ok(!rows.some((r) => r.user === silent.id || r.user === pm.id));
  assert.equal(sqlValue(`SELECT count(*) FROM notifications
    WHERE user_id = ${silent.id} AND idea_id = ${id} AND kind = 'status'`), '1');

  const link = `${BASE}/ideas/${id}`;
  for (const m of mails) {
    wellFormed(m);
    assert.match(m.parsed.html, new RegExp(`href="${link}"`));
    assert.ok(m.parsed.text.includes(link));
    assert.ok(m.parsed.text.includes('We will build **this** in Q3.'), 'the response as text');
    assert.match(m.parsed.html, /<strong>this<\/strong>/, 'the response as HTML');
    assert.doesNotMatch(m.parsed.html, /<script>alert/, 'Markdown in safe mode');
    assert.ok(m.parsed.html.includes('Faster FX confirmations &amp; &lt;b&gt;alerts&lt;/b&gt;'), 'the title escaped');
    assert.ok(m.parsed.text.includes(title), 'the title as it is in text/plain');
    assert.ok(m.parsed.text.includes(pm.name) && m.parsed.text.includes('(Bank)'), 'the responder, with "Bank"');
  }
  const a = only(mails, author.email);
  assert.equal(a.parsed.subject, `Your idea was answered: ${title}`);
  assert.match(a.parsed.text, /New status: Planned \(previously: New\)/);
  assert.match(a.parsed.html, /lang="en"/);
  assert.equal(a.parsed.to.value[0].name, author.name);
  const e = only(mails, voterEn.email);
  assert.equal(e.parsed.subject, `An idea you support changed status: ${title}`);
  assert.match(e.parsed.html, /<span style="[^"]*">Planned<\/span>/, 'the status as its badge');
  const d = only(mails, voterDe.email);
  assert.equal(d.parsed.subject, `Eine von Ihnen unterstützte Idee hat einen neuen Status: ${title}`);
  assert.match(d.raw, /^Subject: =\?UTF-8\?B\?/m, 'RFC 2047 subject');
  assert.match(d.raw, /^To: =\?UTF-8\?B\?/m, 'RFC 2047 display name');
  assert.equal(d.parsed.to.value[0].name, voterDe.name);
  assert.match(d.parsed.text, /Guten Tag Jürgen/);
  assert.match(d.parsed.text, /Neuer Status: Geplant \(bisher: Neu\)/);
  assert.match(d.parsed.html, /<span style="[^"]*">Geplant<\/span>/, 'the status as its badge');
  assert.match(d.parsed.html, /lang="de"/);
});

test('(b) a comment reaches the idea\'s author only; a deleted one is not sent', async () => {
  const title = `Netting of FX swaps ${unique('b')}`;
  const id = await propose(author, title);
  await vote(voterEn, id);
  await vote(voterDe, id);
  const c1 = await comment(voterEn, id, 'I **agree**, we net by hand today.');
  const c2 = await comment(pm, id, 'Which currencies do you need?');
  await comment(author, id, 'My own comment tells nobody.');
  const c3 = await comment(voterDe, id, 'Deleted before the mailer ran.');
  sql(`SELECT comment_change(${c3}, ${voterDe.id}, NULL)`);
  const child = mailer();
  await until('the outbox to settle', () => settled([id]));
  await stop(child);

  const rows = outbox([id]);
  assert.equal(rows.length, 3);
  assert.ok(rows.every((r) => r.kind === 'comment' && r.user === author.id));
  assert.deepEqual(rows.map((r) => r.status), ['sent', 'sent', 'failed']);
  assert.equal(rows[2].error, 'gone');
  const mails = inbox.forRows(rows.map((r) => r.id));
  assert.equal(mails.length, 2);
  for (const m of mails) {
    wellFormed(m);
    assert.deepEqual(m.rcpt, [author.email]);
    assert.equal(m.parsed.subject, `New comment on your idea: ${title}`);
  }
  const [m1, m2] = mails.sort((x, y) => Number(outboxId(x)) - Number(outboxId(y)));
  assert.ok(m1.parsed.text.includes(`${voterEn.name} commented on your idea`));
  assert.ok(m1.parsed.text.includes('> I **agree**, we net by hand today.'));
  assert.match(m1.parsed.html, /<strong>agree<\/strong>/);
  assert.ok(!m1.parsed.text.includes('(Bank)'));
  assert.ok(m1.parsed.html.includes(`href="${BASE}/ideas/${id}#comment-${c1}"`));
  assert.ok(m2.parsed.text.includes(`${pm.name} (Bank) commented`));
  assert.ok(m2.parsed.text.includes(`${BASE}/ideas/${id}#comment-${c2}`));
});

test('(b) a comment mail loads no remote image and shows where each link goes', async () => {
  const id = await propose(author, `Tracking pixels ${unique('px')}`);
  await comment(voterEn, id, 'See ![our chart](https://track.example/p.gif?who=author) and ' +
    '[the bank\'s form](https://evil.example/login).');
  const child = mailer();
  await until('the outbox to settle', () => settled([id]));
  await stop(child);
  const rows = outbox([id]);
  assert.equal(rows.length, 1);
  const [m] = inbox.forRows(rows.map((r) => r.id));
  wellFormed(m);
  assert.ok(!/<img/i.test(m.parsed.html), m.parsed.html);
  assert.ok(!m.parsed.html.includes('track.example'), m.parsed.html);
  assert.ok(m.parsed.html.includes('See our chart and'), m.parsed.html);
  assert.ok(m.parsed.html.includes('</a> (https://evil.example/login)'), m.parsed.html);
});

test('(d) a merge mail links to the original', async () => {
  const dupTitle = `Duplicate: FX limits per subsidiary ${unique('d')}`;
  const origTitle = `FX limits per legal entity ${unique('d')}`;
  const dup = await propose(author, dupTitle);
  const orig = await propose(voterEn, origTitle);
  await vote(voterDe, dup);
  await merge(dup, orig);
  const child = mailer();
  await until('the outbox to settle', () => settled([dup, orig]));
  await stop(child);

  const rows = outbox([dup, orig]);
  assert.deepEqual(rows.map((r) => [r.kind, r.status]), [['merged', 'sent'], ['merged', 'sent']]);
  const mails = inbox.forRows(rows.map((r) => r.id));
  assert.deepEqual(mails.map((m) => m.rcpt[0]).sort(), [author.email, voterDe.email].sort());
  for (const m of mails) {
    wellFormed(m);
    assert.ok(m.parsed.html.includes(`href="${BASE}/ideas/${orig}"`), 'links to the original');
    assert.ok(m.parsed.text.includes(`${BASE}/ideas/${orig}`));
    assert.ok(m.parsed.text.includes(origTitle));
    assert.ok(!m.parsed.text.includes(`${BASE}/ideas/${dup}\n`));
  }
  assert.equal(only(mails, author.email).parsed.subject, `Your idea was merged with another one: ${dupTitle}`);
  const d = only(mails, voterDe.email);
  assert.equal(d.parsed.subject, `Eine von Ihnen unterstützte Idee wurde zusammengeführt: ${dupTitle}`);
  assert.match(d.parsed.text, /Ihre Stimme zählt jetzt dort/);
});

test('(f) a temporary SMTP refusal (451) is retried after the backoff, and the mail arrives once', async () => {
  const title = `Intraday FX rates by API ${unique('f')}`;
  const id = await propose(author, title);
  await vote(voterEn, id);
  let refused = 0;
  inbox.reject = (rcpt) => {
    if (rcpt.includes(voterEn.email) && refused === 0) {
      refused++;
      return true;
    }
    return false;
  };
  try {
    await respond(id, 'under_review', 'We are looking into it.');
    const child = mailer();
    await until('the outbox to settle', () => settled([id]));
    await stop(child);
    assert.match(child.log, /SMTP 451/);
  } finally {
    inbox.reject = null;
  }
  assert.equal(refused, 1);
  const rows = outbox([id]);
  const row = rows.find((r) => r.user === voterEn.id);
  assert.equal(row.status, 'sent');
  assert.equal(row.attempts, 2);
  assert.match(row.error, /451/);
  const mails = inbox.forRows([row.id]);
  assert.equal(mails.length, 1, 'delivered once');
  assert.equal(mails[0].parsed.subject, `An idea you support changed status: ${title}`);
  assert.ok(mails[0].parsed.text.includes('Under review'));
});

test('(e) killed while sending, restarted: no mail twice, the one in flight is \'unknown\', all others arrive once', async () => {
  const id = await propose(author, `Crash-safe FX mails ${unique('e')}`);
  for (const c of [voterEn, voterDe, extra]) await vote(c, id);
  await respond(id, 'in_progress', 'Being built.');
  assert.equal(outbox([id]).length, 4);

  // The SMTP server has the whole first message but has not said 250
  // when the mailer dies.
  let held;
  const inFlight = new Promise((res) => { held = res; });
  let release;
  inbox.hold = (mail) => {
    if (!mail.parsed.text.includes(`${BASE}/ideas/${id}\n`)) return null;
    inbox.hold = null;
    return new Promise((res) => {
      release = res;
      held(mail);
    });
  };
  const first = mailer();
  const heldMail = await within('a mail in flight', inFlight);
  first.kill('SIGKILL');
  await first.exited;
  release();
  const during = outbox([id]);
  assert.deepEqual(during.map((r) => r.status).sort(), ['pending', 'pending', 'pending', 'sending'],
    'one row claimed at a time');
  assert.equal(String(during.find((r) => r.status === 'sending').id), outboxId(heldMail));

  const second = mailer();
  await until('the outbox to settle', () => settled([id]));
  await stop(second);
  assert.match(second.log, /1 mail\(s\) left 'sending'.*marked 'unknown'/);

  const rows = outbox([id]);
  assert.deepEqual(rows.map((r) => r.status).sort(), ['sent', 'sent', 'sent', 'unknown']);
  const unknown = rows.find((r) => r.status === 'unknown');
  assert.equal(String(unknown.id), outboxId(heldMail));
  const mails = inbox.forRows(rows.map((r) => r.id));
  assert.equal(mails.length, 4, 'each mail arrived once (the one in flight had arrived before the crash)');
  for (const r of rows) {
    assert.equal(mails.filter((m) => outboxId(m) === String(r.id)).length, 1, `row ${r.id} once`);
  }
  assert.ok(rows.every((r) => r.attempts === 1), 'nothing was sent again');
});

test('(e) stopped with SIGTERM while sending: the mail in flight is finished, the rest goes after a restart, once each', async () => {
  const id = await propose(author, `Graceful FX mails ${unique('e')}`);
  for (const c of [voterEn, voterDe, extra]) await vote(c, id);
  await respond(id, 'planned', 'Soon.');
  let held;
  const inFlight = new Promise((res) => { held = res; });
  inbox.hold = async (mail) => {
    if (!mail.parsed.text.includes(`${BASE}/ideas/${id}\n`)) return;
    inbox.hold = null;
    held();
    await sleep(500);
  };
  const first = mailer();
  await within('a mail in flight', inFlight);
  first.kill('SIGTERM');
  assert.deepEqual(await first.exited, { code: 0, signal: null }, first.log);
  const during = outbox([id]);
  assert.deepEqual(during.map((r) => r.status).sort(), ['pending', 'pending', 'pending', 'sent'], first.log);

  const second = mailer();
  await until('the outbox to settle', () => settled([id]));
  await stop(second);
  assert.match(second.log, /0 mail\(s\) left 'sending'/);
  const rows = outbox([id]);
  assert.ok(rows.every((r) => r.status === 'sent' && r.attempts === 1));
  const mails = inbox.forRows(rows.map((r) => r.id));
  assert.equal(mails.length, 4);
  assert.equal(new Set(mails.map(outboxId)).size, 4);
});

test('(e) no Message-ID twice, and no outbox row sent twice', () => {
  const ids = inbox.mails.map((m) => m.parsed.messageId);
  assert.equal(new Set(ids).size, ids.length, 'Message-IDs are unique');
  assert.ok(ids.length >= 15);
  // A row that was sent is 'sent' with one attempt, or more only after
  // refusals; it never went back to pending after a delivery.
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_at IS NULL`), '0');
});

test('(g) no mail names an organisation or anyone\'s address but the recipient\'s', () => {
  const emails = people.map((p) => p.email.toLowerCase());
  // The mails to this file's people: the mailer also sends what earlier
  // suites left in the outbox, such as a comment whose author confirmed
  // that an e-mail address in it is not confidential (e2e/guard.test.mjs).
  const ours = inbox.mails.filter((m) => emails.includes(m.rcpt[0].toLowerCase()));
  assert.ok(ours.length > 0);
  for (const m of inbox.mails) {
    const lower = [m.raw, m.parsed.subject, m.parsed.text, m.parsed.html].join('\n').toLowerCase();
    for (const org of orgs) {
      assert.ok(!lower.includes(org.toLowerCase()), `${org} in a mail to ${m.rcpt}`);
    }
  }
  for (const m of ours) {
    const all = [m.raw, m.parsed.subject, m.parsed.text, m.parsed.html].join('\n');
    const lower = all.toLowerCase();
    const rcpt = m.rcpt[0].toLowerCase();
    for (const e of emails) {
      if (e !== rcpt) assert.ok(!lower.includes(e), `${e} in a mail to ${rcpt}`);
    }
    const found = new Set((all.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g) || []).map((x) => x.toLowerCase()));
    found.delete(rcpt);
    assert.deepEqual([...found], [], `no other address in a mail to ${rcpt}`);
  }
});

test('(i) a status an admin added is named as the portal names it, in each language', async () => {
  const admin = await person('admin');
  const key = `later_${unique('s').slice(2, 10)}`;
  const made = await admin.api('POST', '/api/v1/statuses',
    { key, group: 'open', name_en: 'Later this year', name_de: 'Später im Jahr' });
  assert.equal(made.status, 201, made.text);
  const title = `Custom status mail ${unique('i')}`;
  const id = await propose(author, title);
  await vote(voterDe, id);
  await respond(id, key, 'We will look at this later this year.');
  const child = mailer();
  await until('the outbox to settle', () => settled([id]));
  await stop(child);
  const mails = inbox.forRows(outbox([id]).map((r) => r.id));
  const a = only(mails, author.email);
  wellFormed(a);
  assert.match(a.parsed.text, /New status: Later this year \(previously: New\)/);
  assert.match(a.parsed.html, /<span style="[^"]*">Later this year<\/span>/);
  const d = only(mails, voterDe.email);
  assert.match(d.parsed.text, /Neuer Status: Später im Jahr \(bisher: Neu\)/);
  assert.ok(!d.parsed.text.includes(key) && !a.parsed.text.includes(key), 'never the short name');
});

test('(h) without DRIVE_SMTP_URL each mail is an .eml file in DRIVE_MAIL_DIR', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drive-mail-'));
  try {
    const title = `FX mails on disk ${unique('h')}`;
    const id = await propose(author, title);
    await comment(voterEn, id, 'Written to a file.');
    const before = inbox.mails.length;
    const child = mailer({ env: { DRIVE_SMTP_URL: '', DRIVE_MAIL_DIR: dir }, args: ['--once'] });
    assert.deepEqual(await child.exited, { code: 0, signal: null }, child.log);
    assert.match(child.log, /DRIVE_SMTP_URL is not set: mails are written to .* as \.eml files/);
    assert.equal(inbox.mails.length, before, 'nothing went to the SMTP server');
    const [row] = outbox([id]);
    assert.equal(row.status, 'sent');
    const files = readdirSync(dir);
    assert.ok(files.includes(`outbox-${row.id}.eml`), files.join(' '));
    assert.ok(!files.some((f) => f.startsWith('.')), 'no temporary file left');
    const raw = readFileSync(join(dir, `outbox-${row.id}.eml`), 'utf8');
    const parsed = await simpleParser(raw);
    wellFormed({ raw, parsed, rcpt: [author.email] });
    assert.equal(parsed.to.value[0].address, author.email);
    assert.equal(parsed.subject, `New comment on your idea: ${title}`);
    assert.ok(parsed.text.includes('Written to a file.'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('which way responses and merges were made', (t) => {
  t.diagnostic(`responses via ${[...via.responses].join('+')}; merges via ${[...via.merge].join('+')}`);
  assert.ok(via.responses.size > 0 && via.merge.size > 0);
});
