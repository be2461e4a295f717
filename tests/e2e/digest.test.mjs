// The weekly digest (README, "Weekly digest"): build/drive-mailer queues
// one digest a person and week (digest_enqueue) and sends it through the
// outbox to an SMTP server started here.  What it tells (ideas proposed,
// supported or commented on; nothing else, no organisation, no note, no
// redacted passage), that a person with nothing new gets none, that two
// mailers and repeated enqueuing send each person's digest once, the
// unsubscribe link without signing in (a wrong token: 400, nothing
// changed), the profile's setting and the API's.
//
// The changes are made through the API and then moved into the last week
// that ended (digest_period()), as the listening test backdates its
// ideas: the mailer then runs exactly as in production, no clock is
// faked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { person, sql, sqlValue, unique, recordSecret, formCsrf, Client, ROOT, BASE, respond }
  from '../lib/drive.mjs';

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

const WEEK = 604800;

// ---- an SMTP server that keeps what it accepts (as e2e/mail.test.mjs) --
const mails = [];
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, done) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', async () => {
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        mails.push({ raw, parsed: await simpleParser(raw), rcpt: session.envelope.rcptTo.map((r) => r.address) });
        done();
      } catch (e) {
        done(e);
      }
    });
  },
});
server.on('error', () => {});
await new Promise((res) => server.listen(0, '127.0.0.1', res));
const SMTP_URL = `smtp://127.0.0.1:${server.server.address().port}`;
after(() => new Promise((res) => server.close(res)));

// The mailer with the portal's key (tests/run.sh exports it for Kore), so
// that the links it signs are the ones Kore checks.
function mailer(env = {}) {
  const child = spawn(join(ROOT, 'build', 'drive-mailer'), ['--once'], {
    env: {
      PATH: process.env.PATH,
      DRIVE_DATABASE_URL: process.env.DRIVE_DATABASE_URL,
      DRIVE_SMTP_URL: SMTP_URL,
      DRIVE_BASE_URL: BASE,
      DRIVE_ROOT: process.env.DRIVE_ROOT,
      DRIVE_SECRET_KEY: process.env.DRIVE_SECRET_KEY,
      DRIVE_MAIL_POLL_MS: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.log = '';
  const keep = (d) => {
    if (process.env.DRIVE_TEST_WORK) appendFileSync(`${process.env.DRIVE_TEST_WORK}/mailer.log`, d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', (d) => { child.log += d; keep(d); });
  child.exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return child;
}

// ---- the people and what they do -----------------------------------
const orgs = ['Digest Org Author', 'Digest Org Voter', 'Digest Org Commenter', 'Digest Org German',
  'Digest Org Outsider', 'Digest Org Quiet', 'Digest Org Optout'].map((o) => unique(o));
const author = await person('client', orgs[0]);
const voter = await person('client', orgs[1]);
const commenter = await person('client', orgs[2]);
const german = await person('client', orgs[3]);
const outsider = await person('client', orgs[4]);
const quiet = await person('client', orgs[5]);
const optout = await person('client', orgs[6]);
const pm = await person('pm');
// Planned is a commitment: a second person at the bank approves it.
const approver = await person('pm');
const people = [author, voter, commenter, german, outsider, quiet, optout, pm];
sql(`UPDATE users SET lang = 'de' WHERE id = ${german.id}`);

async function ok(c, method, path, body, status = 200) {
  const r = await c.api(method, path, body);
  assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
  return r.json;
}

const NOTE = `Staff only ${unique('note')}`;
const SECRET = `ACCT ${unique('redact')}`;
const titleX = `Digest: sweep accounts nightly ${unique('x')}`;
const titleM = `Digest: nightly sweeping ${unique('m')}`;
const titleY = `Digest: someone else's idea ${unique('y')}`;
const titleZ = `Digest: nothing happens here ${unique('z')}`;

const x = (await ok(author, 'POST', '/api/v1/ideas', { title: titleX, body: 'Sweep every night.', area: 'cash-management' }, 201)).id;
const m = (await ok(voter, 'POST', '/api/v1/ideas', { title: titleM, body: 'The same, really.', area: 'cash-management' }, 201)).id;
const y = (await ok(outsider, 'POST', '/api/v1/ideas', { title: titleY, body: 'Mine alone.', area: 'fx' }, 201)).id;
const z = (await ok(author, 'POST', '/api/v1/ideas', { title: titleZ, body: 'Quiet.', area: 'fx' }, 201)).id;
await ok(voter, 'POST', `/api/v1/ideas/${x}/vote`);
await ok(german, 'POST', `/api/v1/ideas/${x}/vote`);
await ok(german, 'POST', `/api/v1/ideas/${m}/vote`);
await ok(optout, 'POST', `/api/v1/ideas/${x}/vote`);
await ok(quiet, 'POST', `/api/v1/ideas/${z}/vote`);
const c1 = (await ok(commenter, 'POST', `/api/v1/ideas/${x}/comments`, { body: `Our account is ${SECRET}, please.`, confirm_sensitive: true }, 201)).id;
await ok(voter, 'POST', `/api/v1/ideas/${x}/comments`, { body: 'We would use it too.' }, 201);
const hidden = (await ok(optout, 'POST', `/api/v1/ideas/${x}/comments`, { body: 'Off topic.' }, 201)).id;
await ok(pm, 'POST', `/api/v1/comments/${hidden}/hide`, {});
await ok(pm, 'POST', `/api/v1/ideas/${x}/redact`, { text: SECRET, comment_id: c1 });
await ok(pm, 'POST', `/api/v1/ideas/${x}/notes`, { body: NOTE }, 201);
// e2e/notes.test.mjs, which runs later, counts every note there is.
after(() => sql(`DELETE FROM idea_notes WHERE body = '${NOTE}'`));
const planned = await respond(pm, approver, x, 'planned', 'We plan **nightly sweeps** for Q3.');
assert.equal(planned.status, 200, planned.text);
await ok(pm, 'POST', `/api/v1/ideas/${y}/responses`, { status: 'under_review', body: 'Looking at it.' }, 201);
await ok(pm, 'POST', `/api/v1/ideas/${m}/merge`, { into: x });
// The optout person turns the digest off through the API before it is
// queued: none for them.
assert.deepEqual(await ok(optout, 'PATCH', '/api/v1/me', { digest: false }), { digest: false });

// Every change of these ideas into the middle of the last week that ended.
const [pStart, pEnd] = sql(`SELECT period_start, period_end FROM digest_period(${WEEK})`)[0];
const ours = [x, m, y, z].join(',');
sql(`UPDATE responses SET created_at = '${pStart}'::timestamptz + interval '2 days' WHERE idea_id IN (${ours})`);
sql(`UPDATE comments SET created_at = '${pStart}'::timestamptz + interval '3 days' WHERE idea_id IN (${ours})`);

function digestRows(user) {
  return sql(`SELECT o.id, o.status, d.period_end = '${pEnd}'::timestamptz FROM outbox o
    JOIN digests d ON d.id = o.digest_id WHERE o.user_id = ${user.id} AND o.kind = 'digest'`);
}
// The digests a person received (the other mails about these ideas go
// out too: the Message-ID names the outbox row).
function mailsTo(p) {
  const ids = new Set(sql(`SELECT id FROM outbox WHERE user_id = ${p.id} AND kind = 'digest'`).map((r) => r[0]));
  return mails.filter((x1) => x1.rcpt.includes(p.email)
    && ids.has((/^<outbox-(\d+)\.\d+@drive>$/.exec(x1.parsed.messageId || '') || [])[1]));
}

test('queued once however often: enqueuing twice and two mailers at once send one digest a person', async () => {
  const first = Number(sqlValue(`SELECT enqueued FROM digest_enqueue(${WEEK})`));
  assert.ok(first >= 4, `at least our four people: ${first}`);
  assert.equal(sqlValue(`SELECT enqueued FROM digest_enqueue(${WEEK})`), '0', 'a second call queues nothing');
  // Two mailers at once: one holds the lock (and enqueues again), the
  // other waits on standby, then runs too.
  const a = mailer();
  const b = mailer();
  assert.deepEqual(await a.exited, { code: 0, signal: null }, a.log);
  assert.deepEqual(await b.exited, { code: 0, signal: null }, b.log);
  // And a restart.
  const c = mailer();
  assert.deepEqual(await c.exited, { code: 0, signal: null }, c.log);

  for (const p of [author, voter, commenter, german, outsider]) {
    const rows = digestRows(p);
    assert.equal(rows.length, 1, `one digest row for ${p.email}`);
    assert.deepEqual(rows[0].slice(1), ['sent', 't']);
    assert.equal(mailsTo(p).length, 1, `one mail to ${p.email}`);
  }
  assert.equal(sqlValue(`SELECT count(*) FROM digests d WHERE d.period_end = '${pEnd}'::timestamptz
    GROUP BY d.user_id ORDER BY count(*) DESC LIMIT 1`), '1', 'nobody has two digests of one period');
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE kind = 'digest' AND status <> 'sent'
    AND user_id IN (${[author, voter, commenter, german, outsider].map((p) => p.id).join(',')})`), '0');
});

test('a person with nothing new, the responder, and who turned it off get none', () => {
  for (const p of [quiet, pm, optout]) {
    assert.equal(digestRows(p).length, 0, p.email);
    assert.equal(mailsTo(p).length, 0, p.email);
  }
});

function text(mail) {
  return [mail.raw, mail.parsed.subject, mail.parsed.text, mail.parsed.html].join('\n');
}

test('the author\'s digest: the answer with its excerpt, a count of comments, the merge; nothing else', () => {
  const [mail] = mailsTo(author);
  const t = mail.parsed.text;
  assert.match(mail.parsed.subject, /^Your week in Drive: what changed from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d$/);
  assert.ok(t.includes(titleX) && t.includes(`${BASE}/ideas/${x}`), t);
  assert.ok(t.includes('Your idea'));
  assert.ok(t.includes('The bank set the status from New to Planned.'), t);
  assert.ok(t.includes(`${pm.name} (Bank) wrote:`));
  assert.ok(t.includes('> We plan **nightly sweeps** for Q3.'));
  assert.match(mail.parsed.html, /<strong>nightly sweeps<\/strong>/);
  // The commenter's and the voter's; the hidden one is not counted.
  assert.ok(t.includes('2 new comments.'), t);
  // Idea m was merged into x, but the author has no link to m.
  assert.ok(!t.includes(titleM), 'not an idea the author has no link to');
  assert.ok(!t.includes(titleY) && !t.includes(titleZ), 'nothing of ideas without news or without a link');
  assert.match(mail.parsed.html, /lang="en"/);
});

test('the voter\'s and the commenter\'s digests; the German one in German', () => {
  const v = mailsTo(voter)[0].parsed.text;
  assert.ok(v.includes(titleX) && v.includes('You support it'), v);
  assert.ok(v.includes(titleM) && v.includes(`Merged into: ${titleX}`), 'their own idea, merged');
  assert.ok(v.includes('1 new comment.'), 'the commenter\'s comment, not their own');
  const c = mailsTo(commenter)[0].parsed.text;
  assert.ok(c.includes(titleX) && c.includes('You commented on it'), c);
  assert.ok(c.includes('1 new comment.'), 'the voter\'s comment, not their own');
  const g = mailsTo(german)[0];
  assert.match(g.parsed.subject, /^Ihre Woche in Drive: was sich vom \d{4}-\d\d-\d\d bis zum \d{4}-\d\d-\d\d geändert hat$/);
  assert.ok(g.parsed.text.includes('Die Bank hat den Status von Neu auf Geplant gesetzt.'), g.parsed.text);
  assert.ok(g.parsed.text.includes('Sie unterstützen sie'));
  assert.ok(g.parsed.text.includes(`Zusammengeführt mit: ${titleX}`), 'told of m, which they voted for');
  assert.match(g.parsed.html, /lang="de"/);
  const o = mailsTo(outsider)[0].parsed.text;
  assert.ok(o.includes(titleY) && !o.includes(titleX), 'the outsider hears of their own idea only');
});

test('no digest names an organisation, a note, a redacted passage or another person\'s address', () => {
  const addresses = people.map((p) => p.email.toLowerCase());
  for (const p of [author, voter, commenter, german, outsider]) {
    const [mail] = mailsTo(p);
    const all = text(mail);
    const lower = all.toLowerCase();
    for (const org of orgs) assert.ok(!lower.includes(org.toLowerCase()), `${org} in a digest to ${p.email}`);
    assert.ok(!all.includes(NOTE), 'no staff note');
    assert.ok(!all.includes(SECRET), 'no redacted passage');
    assert.ok(!all.includes('Off topic.'), 'no comment text at all');
    for (const e of addresses) if (e !== p.email.toLowerCase()) assert.ok(!lower.includes(e), `${e} in ${p.email}'s`);
    // Other clients are not named: only the bank's responder is.
    for (const q of [author, voter, commenter, german, outsider]) {
      if (q !== p) assert.ok(!all.includes(q.name), `${q.name} named in ${p.email}'s digest`);
    }
  }
});

function unsubscribeUrl(p) {
  const [mail] = mailsTo(p);
  const header = /^List-Unsubscribe:(?:\r\n)? <([^>]+)>\r$/m.exec(mail.raw);
  assert.ok(header, 'a List-Unsubscribe header');
  const url = header[1];
  assert.equal(mail.parsed.headers.get('list').unsubscribe.url, url, 'as a mail program reads it');
  const token = new URL(url).searchParams.get('token');
  recordSecret('digest_token', token);
  assert.ok(mail.parsed.text.includes(url), 'the link is in the text too');
  assert.match(mail.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
  for (const line of mail.raw.split('\r\n')) {
    assert.ok(line.length <= 78 || line === ` <${url}>`, `line of ${line.length}: ${line}`);
  }
  assert.ok(url.startsWith(`${BASE}/digest/unsubscribe?token=`), url);
  return { url, token };
}

const digestOf = (p) => sqlValue(`SELECT digest FROM users WHERE id = ${p.id}`);
const audits = () => Number(sqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'user.digest%'"));

test('unsubscribing by the link, without signing in: a page, a button; a wrong token is a 400 that changes nothing', async () => {
  const { url, token } = unsubscribeUrl(author);
  const stranger = new Client();
  // A scanner following the link changes nothing.
  let r = await stranger.page(url.slice(BASE.length));
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /<form method="post" action="\/digest\/unsubscribe">/);
  assert.ok(r.text.includes(`name="token" value="${token}"`));
  assert.ok(!r.text.includes(author.email) && !r.text.includes(author.name), 'names nobody');
  assert.equal(digestOf(author), 't');

  const before = audits();
  const [id, mac] = token.split('.');
  const flip = (s) => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
  const bad = [flip(token), `${voter.id}.${mac}`, `${id}.${mac.toUpperCase()}`, `0${id}.${mac}`, `${id}.${mac}0`,
    'nonsense', '', `${id}`];
  for (const t of bad) {
    for (const res of [await stranger.page(`/digest/unsubscribe?token=${encodeURIComponent(t)}`),
      await stranger.form('/digest/unsubscribe', { token: t })]) {
      assert.equal(res.status, 400, `${t}: ${res.status}`);
      assert.ok(res.text.includes('This unsubscribe link is not valid.'), res.text);
      assert.ok(!res.text.includes(author.name) && !res.text.includes(voter.name), 'names nobody');
    }
  }
  r = await stranger.page('/digest/unsubscribe');
  assert.equal(r.status, 400);
  assert.equal(digestOf(author), 't');
  assert.equal(digestOf(voter), 't');
  assert.equal(audits(), before, 'nothing audited, nothing changed');

  // The button.
  r = await stranger.form('/digest/unsubscribe', { token });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.text.includes('The weekly digest is off.'));
  assert.equal(digestOf(author), 'f');
  assert.deepEqual(sql(`SELECT actor_id, target, details->>'via' FROM audit_log
    WHERE action = 'user.digest_off' ORDER BY id DESC LIMIT 1`)[0], [String(author.id), `user:${author.id}`, 'link']);
  // Again: still off, nothing more audited.
  r = await stranger.form('/digest/unsubscribe', { token });
  assert.equal(r.status, 200);
  assert.equal(audits(), before + 1);

  // German.
  r = await (await stranger.fetch(url.slice(BASE.length), { headers: { 'accept-language': 'de' } })).text();
  assert.ok(r.includes('Übersicht abbestellen'), r);
});

test('one click (RFC 8058): a mail program POSTs to the link itself', async () => {
  const { url } = unsubscribeUrl(voter);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
    redirect: 'manual',
  });
  assert.equal(res.status, 200);
  assert.equal(digestOf(voter), 'f');
  // RFC 8058 prefers multipart/form-data: the link's token is enough.
  const { url: gurl } = unsubscribeUrl(german);
  const form = new FormData();
  form.append('List-Unsubscribe', 'One-Click');
  const res2 = await fetch(gurl, { method: 'POST', body: form, redirect: 'manual' });
  assert.match(res2.headers.get('content-type') || '', /^text\/html/);
  assert.equal(res2.status, 200, await res2.text());
  assert.equal(digestOf(german), 'f');
  // Elsewhere such a body is still refused.
  const res3 = await fetch(`${BASE}/login`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(res3.status, 415);
});

test('the profile turns it on and off (and shows it); the API too; bad input changes nothing', async () => {
  let page = await quiet.page('/profile');
  assert.match(page.text, /<input id="p-digest" name="digest" type="checkbox" value="1" checked/);
  const csrf = formCsrf(page.text);
  const before = audits();
  let r = await quiet.form('/profile', { csrf_token: csrf, name: quiet.name, lang: 'en', email_notifications: '1' });
  assert.equal(r.status, 303, r.text);
  assert.equal(digestOf(quiet), 'f');
  assert.equal(audits(), before + 1);
  assert.equal(sqlValue("SELECT details->>'via' FROM audit_log WHERE action = 'user.digest_off' ORDER BY id DESC LIMIT 1"), 'profile');
  page = await quiet.page('/profile');
  assert.match(page.text, /<input id="p-digest" name="digest" type="checkbox" value="1" aria-describedby/);
  r = await quiet.form('/profile', { csrf_token: csrf, name: quiet.name, lang: 'en', email_notifications: '1', digest: '1' });
  assert.equal(r.status, 303);
  assert.equal(digestOf(quiet), 't');
  assert.equal(sqlValue("SELECT action FROM audit_log WHERE action LIKE 'user.digest%' ORDER BY id DESC LIMIT 1"), 'user.digest_on');

  // The API: {} tells, a wrong type is a 422 naming the field.
  assert.deepEqual(await ok(quiet, 'PATCH', '/api/v1/me', {}), { digest: true });
  const n = audits();
  for (const body of [{ digest: 'no' }, { digest: 0 }, { digest: null }]) {
    r = await quiet.api('PATCH', '/api/v1/me', body);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json.error.field, 'digest');
  }
  assert.equal(digestOf(quiet), 't');
  assert.equal(audits(), n);
  assert.deepEqual(await ok(quiet, 'PATCH', '/api/v1/me', { digest: false }), { digest: false });
  assert.deepEqual(await ok(quiet, 'PATCH', '/api/v1/me', { digest: true }), { digest: true });
  assert.equal(audits(), n + 2);
  r = await new Client().api('PATCH', '/api/v1/me', { digest: false });
  assert.equal(r.status, 401);
  // One's own data says so too.
  const data = await quiet.page('/profile/data.json');
  assert.equal(JSON.parse(data.text).user.digest, true);
});

test('a digest queued before its person turned it off is not sent', async () => {
  // A digest of the week before, queued by hand for the author (now off).
  const did = sqlValue(`INSERT INTO digests (user_id, period_start, period_end)
    VALUES (${author.id}, '${pStart}'::timestamptz - interval '7 days', '${pStart}') RETURNING id`);
  const oid = sqlValue(`INSERT INTO outbox (user_id, kind, digest_id) VALUES (${author.id}, 'digest', ${did}) RETURNING id`);
  const before = mailsTo(author).length;
  const child = mailer();
  assert.deepEqual(await child.exited, { code: 0, signal: null }, child.log);
  assert.deepEqual(sql(`SELECT status, last_error FROM outbox WHERE id = ${oid}`)[0],
    ['failed', 'recipient inactive or digest turned off']);
  assert.equal(mailsTo(author).length, before);
});

test('DRIVE_DIGEST_SECONDS=0: this mailer queues no digests', async () => {
  const child = mailer({ DRIVE_DIGEST_SECONDS: '0' });
  assert.deepEqual(await child.exited, { code: 0, signal: null }, child.log);
  assert.match(child.log, /DRIVE_DIGEST_SECONDS=0: no weekly digests/);
  const bad = mailer({ DRIVE_DIGEST_SECONDS: '59' });
  assert.deepEqual(await bad.exited, { code: 2, signal: null }, bad.log);
});
