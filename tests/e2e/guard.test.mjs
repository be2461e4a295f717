// Issue 16, part 2: the sensitive data guard.  An idea (title, body), a
// comment or an edit of either that carries an IBAN, a card number, an
// e-mail address, a telephone number or an account number is refused
// (the page shows the form again, the API answers 422 sensitive_data),
// nothing is stored; the author may confirm, which publishes and audits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, sqlValue, count, unique, formCsrf } from '../lib/drive.mjs';

const alice = await person('client');
const bob = await person('client');

const samples = {
  iban: { text: 'Please pay to DE89 3704 0044 0532 0130 00 soon.', shown: 'DE89 3704', word: 'An IBAN' },
  card: { text: 'My card 4111 1111 1111 1111 was charged twice.', shown: '4111', word: 'A payment card number' },
  email: { text: 'Write to anna.berg@treasury.example.com for more.', shown: '@treasury.example.com', word: 'An e-mail address' },
  phone: { text: 'Call me on +49 30 1234567 tomorrow.', shown: '+49 30', word: 'A telephone number' },
  account: { text: 'Our account 12345678 needs it.', shown: '123', word: 'An account number' },
};
const full = {
  iban: 'DE89 3704 0044 0532 0130 00', card: '4111 1111 1111 1111',
  email: 'anna.berg@treasury.example.com', phone: '+49 30 1234567', account: '12345678',
};

function counts() {
  return { ideas: count('ideas'), comments: count('comments'), audit: count('audit_log'), votes: count('votes') };
}

async function propose(c = alice, fields = {}) {
  const r = await c.api('POST', '/api/v1/ideas',
    { title: unique('Guarded idea'), body: 'Nothing secret here.', area: 'fx', ...fields });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('API: each kind in the title, the body and a comment is refused with 422 sensitive_data; nothing is stored', async () => {
  const idea = await propose();
  for (const [kind, s] of Object.entries(samples)) {
    const before = counts();
    let r = await alice.api('POST', '/api/v1/ideas', { title: unique('Idea') + ' ' + s.text.slice(0, 80), body: 'fine', area: 'fx' });
    assert.equal(r.status, 422, `${kind} in the title: ${r.text}`);
    assert.equal(r.json.error.code, 'sensitive_data');
    assert.equal(r.json.error.field, 'title');
    assert.ok(r.json.error.message.startsWith(s.word), r.json.error.message);
    assert.ok(r.json.error.message.includes('in the title, line 1'), r.json.error.message);
    assert.ok(r.json.error.message.includes(s.shown), r.json.error.message);
    assert.ok(!r.text.includes(full[kind]) || kind === 'email', `${kind}: the API does not repeat the number`);

    r = await alice.api('POST', '/api/v1/ideas', { title: unique('Idea'), body: `Line one\n\n${s.text}`, area: 'fx' });
    assert.equal(r.status, 422, `${kind} in the body: ${r.text}`);
    assert.equal(r.json.error.code, 'sensitive_data');
    assert.equal(r.json.error.field, 'body');
    assert.ok(r.json.error.message.includes('in the description, line 3'), r.json.error.message);

    r = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: s.text });
    assert.equal(r.status, 422, `${kind} in a comment: ${r.text}`);
    assert.equal(r.json.error.code, 'sensitive_data');
    assert.equal(r.json.error.field, 'body');
    assert.ok(r.json.error.message.includes('in the comment, line 1'), r.json.error.message);
    assert.deepEqual(counts(), before, `${kind}: nothing stored`);
  }
});

test('no false hits on years, amounts, dates, idea numbers and versions', async () => {
  const body = 'In 2026 we moved 1,250,000.00 EUR, due 2026-12-06 (06.12.2026), see #42 and v10.0.19045.';
  const idea = await propose(alice, { body });
  assert.equal(idea.body, body);
  const r = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Like #42, since 2024; 15% of 3,500.00.' });
  assert.equal(r.status, 201, r.text);
});

test('API: confirm_sensitive publishes and audits the kinds, never the data', async () => {
  const before = counts();
  const r = await alice.api('POST', '/api/v1/ideas',
    { title: unique('Service line'), body: `${samples.phone.text}\n${samples.email.text}`, area: 'fx', confirm_sensitive: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(count('ideas'), before.ideas + 1);
  assert.equal(count('audit_log'), before.audit + 1);
  const row = sqlValue(`SELECT action || ' ' || target || ' ' || details::text FROM audit_log ORDER BY id DESC LIMIT 1`);
  assert.match(row, new RegExp(`^idea\\.sensitive_confirmed idea:${r.json.id} `));
  assert.match(row, /"email"/);
  assert.match(row, /"phone"/);
  assert.ok(!row.includes('1234567') && !row.includes('anna.berg'), 'the audit names kinds only');
  // Not a boolean true: refused.
  const no = await alice.api('POST', '/api/v1/ideas',
    { title: unique('Service line'), body: samples.phone.text, area: 'fx', confirm_sensitive: 'yes' });
  assert.equal(no.status, 422);

  const c = await bob.api('POST', `/api/v1/ideas/${r.json.id}/comments`, { body: samples.card.text, confirm_sensitive: true });
  assert.equal(c.status, 201, c.text);
  assert.equal(sqlValue(`SELECT action || ' ' || target FROM audit_log ORDER BY id DESC LIMIT 1`),
    `comment.sensitive_confirmed comment:${c.json.id}`);
});

test('edits are checked too: an idea (PATCH) and a comment', async () => {
  const idea = await propose();
  const before = counts();
  let r = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { body: samples.iban.text });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'sensitive_data');
  assert.equal(r.json.error.field, 'body');
  r = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: unique('Now with') + ' ' + samples.card.text });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'title');
  assert.equal(sqlValue(`SELECT body FROM ideas WHERE id = ${idea.id}`), 'Nothing secret here.');
  const c = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'A plain comment.' });
  const after = counts();
  r = await bob.api('PATCH', `/api/v1/comments/${c.json.id}`, { body: samples.account.text });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'sensitive_data');
  assert.equal(sqlValue(`SELECT body FROM comments WHERE id = ${c.json.id}`), 'A plain comment.');
  assert.deepEqual(counts(), after);
  assert.equal(after.audit, before.audit);
  r = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { body: samples.iban.text, confirm_sensitive: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(count('audit_log'), after.audit + 1);
  assert.match(sqlValue('SELECT details::text FROM audit_log ORDER BY id DESC LIMIT 1'), /"iban"/);
  r = await bob.api('PATCH', `/api/v1/comments/${c.json.id}`, { body: samples.account.text, confirm_sensitive: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(count('audit_log'), after.audit + 2);
});

test('pages: the form again with a masked message and the box; ticking it publishes', async () => {
  const page = await alice.page('/ideas/new');
  const csrf = formCsrf(page.text);
  const title = unique('Page idea');
  const body = `First line\nSecond: ${samples.iban.text}`;
  assert.doesNotMatch(page.text, /name="confirm_sensitive"/, 'the box only after a hit');
  const before = counts();
  let r = await alice.form('/ideas/new', { csrf_token: csrf, title, area: 'fx', body });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('An IBAN (DE89 3704 …) in the description, line 2'), r.text.match(/field-error.*$/m)?.[0]);
  assert.match(r.text, /name="confirm_sensitive"/);
  assert.ok(r.text.includes('This is not confidential: publish it anyway'));
  assert.ok(r.text.includes(body.replace('\n', '\n')), 'the text typed is kept');
  assert.deepEqual(counts(), before);
  r = await alice.form('/ideas/new', { csrf_token: csrf, title, area: 'fx', body, confirm_sensitive: '1' });
  assert.equal(r.status, 303, r.text);
  assert.equal(count('ideas'), before.ideas + 1);
  assert.equal(count('audit_log'), before.audit + 1);
  const url = r.headers.get('location');

  // A comment on the idea page.
  const ip = await bob.page(url);
  const b2 = counts();
  r = await bob.form(`${url}/comments`, { csrf_token: formCsrf(ip.text), body: samples.email.text });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('An e-mail address (an…@treasury.example.com) in the comment, line 1'));
  assert.match(r.text, /name="confirm_sensitive"/);
  assert.deepEqual(counts(), b2);
  r = await bob.form(`${url}/comments`, { csrf_token: formCsrf(ip.text), body: samples.email.text, confirm_sensitive: '1' });
  assert.equal(r.status, 303);
  assert.equal(count('comments'), b2.comments + 1);

  // The edit page of an idea.
  const id = url.split('/').pop();
  const own = await propose(alice);
  const ep = await alice.page(`/ideas/${own.id}/edit`);
  r = await alice.form(`/ideas/${own.id}/edit`, { csrf_token: formCsrf(ep.text), title: own.title, area: 'fx', body: samples.phone.text });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('A telephone number (+49 30 …) in the description, line 1'));
  assert.equal(sqlValue(`SELECT body FROM ideas WHERE id = ${own.id}`), 'Nothing secret here.');
  assert.ok(id);
});

test('German messages', async () => {
  const idea = await propose();
  const de = { 'accept-language': 'de' };
  let r = await alice.api('POST', '/api/v1/ideas', { title: unique('Idee'), body: samples.iban.text, area: 'fx' }, de);
  assert.equal(r.status, 422);
  assert.ok(r.json.error.message.startsWith('Eine IBAN (DE89 3704 …) in der Beschreibung, Zeile 1'), r.json.error.message);
  r = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: `${samples.card.text} ${samples.phone.text}` }, de);
  assert.equal(r.status, 422);
  assert.ok(r.json.error.message.startsWith('Eine Zahlungskartennummer (4111 …) in dem Kommentar, Zeile 1, und 1 weitere'), r.json.error.message);
});

test('redaction: a pm replaces a passage by [redacted]; kept for the audit only; a client gets 403', async () => {
  const pm = await person('pm');
  const tag = unique('zq').replace('-', '');
  const secret = `Vault code ${tag} behind the desk`;
  const idea = await propose(alice, { body: `Our idea.\n\nThe ${secret}, see above.` });
  const c = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: `Also ${secret}.` });
  assert.equal(c.status, 201);
  const before = counts();

  // A client may not.
  let r = await alice.api('POST', `/api/v1/ideas/${idea.id}/redact`, { text: secret });
  assert.equal(r.status, 403);
  const ap = await alice.page(`/ideas/${idea.id}`);
  assert.doesNotMatch(ap.text, /action="\/ideas\/\d+\/redact"/, 'no form for clients');
  r = await alice.form(`/ideas/${idea.id}/redact`, { csrf_token: formCsrf(ap.text), text: secret });
  assert.equal(r.status, 403);
  // A passage that is not there, or an empty one: 422, nothing changes.
  r = await pm.api('POST', `/api/v1/ideas/${idea.id}/redact`, { text: 'not in the text at all' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'text');
  r = await pm.api('POST', `/api/v1/ideas/${idea.id}/redact`, { text: '' });
  assert.equal(r.status, 422);
  r = await pm.api('POST', `/api/v1/ideas/${idea.id}/redact`, { text: secret, comment_id: 999999999 });
  assert.equal(r.status, 404);
  assert.deepEqual(counts(), before);

  // The description, by the API.
  r = await pm.api('POST', `/api/v1/ideas/${idea.id}/redact`, { text: secret });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { idea_id: idea.id, occurrences: 1 });
  // The comment, by the page's form.
  const pp = await pm.page(`/ideas/${idea.id}`);
  assert.match(pp.text, /action="\/ideas\/\d+\/redact"/);
  r = await pm.form(`/ideas/${idea.id}/redact`, { csrf_token: formCsrf(pp.text), text: secret, comment: String(c.json.id) });
  assert.equal(r.status, 303, r.text);
  assert.equal(count('audit_log'), before.audit + 2);
  const audit = sqlValue(`SELECT string_agg(action || ' ' || target || ' ' || details::text, '|' ORDER BY id)
    FROM (SELECT * FROM audit_log ORDER BY id DESC LIMIT 2) a`);
  assert.match(audit, new RegExp(`idea\\.redact idea:${idea.id} `));
  assert.match(audit, new RegExp(`comment\\.redact comment:${c.json.id} `));
  assert.ok(!audit.includes(tag), 'the audit log names no text');
  // The original, where only the owner reads it.
  assert.equal(sqlValue(`SELECT count(*) FROM redactions WHERE idea_id = ${idea.id} AND original = '${secret}'`), '2');
  assert.equal(sqlValue("SELECT has_table_privilege('drive', 'redactions', 'SELECT')"), 'f');

  // Gone for everybody, the pm too: page, API, search, CSV.
  for (const who of [alice, bob, pm]) {
    const page = await who.page(`/ideas/${idea.id}`);
    assert.ok(!page.text.includes(tag), 'not on the idea page');
    assert.ok(page.text.includes('[redacted]'));
    const api = await who.api('GET', `/api/v1/ideas/${idea.id}`);
    assert.ok(!api.text.includes(tag), 'not in the API');
    assert.equal(api.json.body, 'Our idea.\n\nThe [redacted], see above.');
    const found = await who.api('GET', `/api/v1/ideas?q=${tag}`);
    assert.equal(found.status, 200);
    assert.ok(!found.text.includes(tag) || found.json.ideas.length === 0);
    assert.equal(found.json.ideas.filter((i) => i.id === idea.id).length, 0, 'search finds it no more');
    const sp = await who.page(`/?q=${tag}`);
    assert.ok(!sp.text.includes(`/ideas/${idea.id}"`), 'not in the search page');
  }
  const csv = await pm.fetch('/export/ideas.csv');
  assert.equal(csv.status, 200);
  assert.ok(!(await csv.text()).includes(tag), 'not in the CSV export');
  assert.equal(sqlValue(`SELECT body FROM comments WHERE id = ${c.json.id}`), 'Also [redacted].');
});
