// Staff notes and the owner of an idea (issue 16, part 4): the bank
// writes and reads notes on the idea's desk and in the API; a client
// never sees one (not on the idea page, not in any answer a client can
// get, not in a notification or a mail).  The owner is a pm or an admin,
// shown on the triage desk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, sql, sqlValue, count, unique, formCsrf } from '../lib/drive.mjs';

const client = await person('client');
const voter = await person('client');
const pm = await person('pm');
const pm2 = await person('pm');
const admin = await person('admin');

const idea = (await client.api('POST', '/api/v1/ideas',
  { title: unique('Notes on cash pooling'), body: 'Please.', area: 'fx' })).json;
await voter.api('POST', `/api/v1/ideas/${idea.id}/vote`);
const SECRET = unique('Internal: ask treasury ops about the cut-off <b>first</b>');

test('the bank adds a note; it is listed for the bank, and nobody is told', async () => {
  const before = { n: count('notifications'), o: count('outbox') };
  const r = await pm.api('POST', `/api/v1/ideas/${idea.id}/notes`, { body: SECRET });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.body, SECRET);
  assert.deepEqual(r.json.author, { name: pm.name, bank: true });
  assert.equal(count('notifications'), before.n, 'no notification');
  assert.equal(count('outbox'), before.o, 'no mail');
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE payload::text LIKE '%${SECRET.slice(-12)}%'`), '0');
  // The audit entry names the note, not its text.
  assert.equal(sqlValue(`SELECT details->>'note' FROM audit_log WHERE action = 'idea.note'
    AND target = 'idea:${idea.id}'`), String(r.json.id));
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE details::text LIKE '%${SECRET.slice(-12)}%'`), '0');

  const l = await pm2.api('GET', `/api/v1/ideas/${idea.id}/notes`);
  assert.equal(l.status, 200);
  assert.deepEqual(l.json.notes.map((n) => [n.body, n.author.name]), [[SECRET, pm.name]]);
  assert.equal(l.json.owner, null);
  // And on the idea's desk, escaped.
  const page = await admin.page(`/ideas/${idea.id}`);
  assert.match(page.text, /Staff notes/);
  assert.ok(page.text.includes(SECRET.replace(/</g, '&lt;').replace(/>/g, '&gt;')));
});

test('a client never sees a note: not on the page, not in the API, not in mails', async () => {
  for (const c of [client, voter]) {
    for (const path of [`/ideas/${idea.id}`, '/', `/?q=${encodeURIComponent('cash pooling')}`, '/roadmap',
      '/notifications', '/listening', '/profile/data.json']) {
      const p = await c.page(path);
      assert.ok(!p.text.includes(SECRET.slice(-12)), `${path} shows the note`);
      assert.ok(!p.text.includes('Staff notes'), `${path} shows the notes' section`);
    }
    for (const path of [`/api/v1/ideas/${idea.id}`, '/api/v1/ideas', '/api/v1/notifications',
      '/api/v1/roadmap', '/api/v1/listening', '/api/v1/me']) {
      const a = await c.api('GET', path);
      assert.equal(a.status, 200, path);
      assert.ok(!a.text.includes(SECRET.slice(-12)), `${path} gives the note`);
      assert.ok(!/"owner"|"notes"/.test(a.text), `${path} tells of notes or owners`);
    }
    assert.equal((await c.api('GET', `/api/v1/ideas/${idea.id}/notes`)).status, 403);
    assert.equal((await c.api('POST', `/api/v1/ideas/${idea.id}/notes`, { body: 'Mine' })).status, 403);
    assert.equal((await c.api('PUT', `/api/v1/ideas/${idea.id}/owner`, { owner: c.id })).status, 403);
  }
  // A response to the idea mails the author and the voter: not the note.
  await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'under_review', body: 'Looking.' });
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE idea_id = ${idea.id}`), '2');
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE payload::text LIKE '%${SECRET.slice(-12)}%'`), '0');
  assert.equal(Number(sqlValue('SELECT count(*) FROM idea_notes')), 1, 'the client wrote none');
});

test('the page form: an empty note is refused next to its field; a note is added', async () => {
  const csrf = formCsrf((await pm.page(`/ideas/${idea.id}`)).text);
  let f = await pm.form(`/ideas/${idea.id}/notes`, { csrf_token: csrf, body: '   ' });
  assert.equal(f.status, 422);
  assert.match(f.text, /id="note-body-error"[^>]*>.*Enter a note of 1 to 5,000 characters\./);
  f = await pm.form(`/ideas/${idea.id}/notes`, { csrf_token: csrf, body: 'Second note, from the page.' });
  assert.equal(f.status, 303);
  const id = sqlValue(`SELECT max(id) FROM idea_notes WHERE idea_id = ${idea.id}`);
  assert.equal(f.headers.get('location'), `/ideas/${idea.id}#note-${id}`);
  assert.equal((await pm.api('POST', '/api/v1/ideas/999999999/notes', { body: 'x' })).status, 404);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${idea.id}/notes`, { body: 'x'.repeat(5001) })).status, 422);
});

test('the owner: a pm or an admin, set and cleared, shown on the triage desk', async () => {
  let r = await pm.api('PUT', `/api/v1/ideas/${idea.id}/owner`, { owner: pm2.id });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.owner, { id: pm2.id, name: pm2.name });
  assert.equal(sqlValue(`SELECT owner_id FROM ideas WHERE id = ${idea.id}`), String(pm2.id));
  assert.equal((await pm.api('GET', `/api/v1/ideas/${idea.id}/notes`)).json.owner.name, pm2.name);
  // A client cannot own an idea; nor can a person deactivated.
  r = await pm.api('PUT', `/api/v1/ideas/${idea.id}/owner`, { owner: client.id });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'owner');
  r = await pm.api('PUT', `/api/v1/ideas/${idea.id}/owner`, { owner: 'someone' });
  assert.equal(r.status, 422);
  // The triage desk (the idea is answered now: a new one waits).
  const waiting = (await client.api('POST', '/api/v1/ideas',
    { title: unique('Owned and waiting'), body: 'Please.', area: 'fx' })).json;
  await admin.api('PUT', `/api/v1/ideas/${waiting.id}/owner`, { owner: admin.id });
  const t = await pm.page('/triage?area=fx');
  const row = t.text.match(new RegExp(`<tr>\\s*<td class="cell-wrap t-title"[^>]*><a href="/ideas/${waiting.id}">[\\s\\S]*?</tr>`));
  assert.ok(row, 'the idea is on the desk');
  assert.match(row[0], new RegExp(`data-label="Owner">${admin.name}</td>`));
  // The page form, and clearing.
  const csrf = formCsrf((await pm.page(`/ideas/${waiting.id}`)).text);
  const f = await pm.form(`/ideas/${waiting.id}/owner`, { csrf_token: csrf, owner: String(pm.id) });
  assert.equal(f.status, 303);
  assert.equal(f.headers.get('location'), `/ideas/${waiting.id}#desk`);
  assert.match((await pm.page(`/ideas/${waiting.id}`)).text, new RegExp(`${pm.name} looks after this idea\\.`));
  r = await pm.api('PUT', `/api/v1/ideas/${waiting.id}/owner`, { owner: null });
  assert.equal(r.status, 200);
  assert.equal(r.json.owner, null);
  assert.match((await pm.page('/triage?area=fx')).text, /data-label="Owner"><span class="muted">Nobody yet<\/span>/);
  assert.equal(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'idea.owner'`), '4');
});

test('the desk in German', async () => {
  const res = await pm.fetch(`/ideas/${idea.id}`, { headers: { 'accept-language': 'de' } });
  const t = await res.text();
  assert.match(t, /<h3 id="notes-heading">Interne Notizen<\/h3>/);
  assert.match(t, /Kunden sehen diese Notizen nie/);
  assert.match(t, /Zuständig bei der Bank/);
});
