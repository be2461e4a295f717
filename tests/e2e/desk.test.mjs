// The product managers' desk: official responses and the status history,
// merging duplicates, voters, hiding comments, triage, roadmap, export,
// notifications and the profile's e-mail switch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, Client, sql, sqlValue, count, snapshot, unique, formCsrf, recordSecret, respond } from '../lib/drive.mjs';

const orgA = unique('Desk Org A');
const a1 = await person('client', orgA);
const a2 = await person('client', orgA);
const b1 = await person('client');
const pm = await person('pm');
// Approves the commitments pm writes (planned, released: four eyes).
const pm2 = await person('pm');
const admin = await person('admin');

async function propose(c = a1, title = unique('Intraday camt.052 reports')) {
  const r = await c.api('POST', '/api/v1/ideas', { title, body: 'Please.', area: 'cash-management' });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

function desk() {
  return { ideas: count('ideas'), responses: count('responses'), votes: count('votes'),
    notifications: count('notifications'), outbox: count('outbox'), audit: count('audit_log') };
}

test('an official response sets the status, is kept, and tells voters and author', async () => {
  const idea = await propose(a1);
  await a2.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  await b1.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  await pm.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  const before = desk();
  const r = await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'under_review', body: 'We are **looking** at it.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.from_status, 'new');
  assert.equal(r.json.status, 'under_review');
  assert.deepEqual(r.json.author, { name: pm.name, bank: true });
  const after = desk();
  assert.equal(after.responses, before.responses + 1);
  // a1 (author), a2 and b1 (voters); not the pm who answered.
  assert.equal(after.notifications, before.notifications + 3);
  assert.equal(after.outbox, before.outbox + 3);
  assert.equal(after.audit, before.audit + 1);
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE idea_id = ${idea.id} AND user_id = ${pm.id}`), '0');

  assert.equal((await respond(pm, pm2, idea.id, 'planned', 'Planned for Q3.')).status, 200);
  await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'in_progress', body: 'Being built.' });
  const g = await b1.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(g.json.status, 'in_progress');
  assert.deepEqual(g.json.responses.map((x) => [x.from_status, x.status]),
    [['new', 'under_review'], ['under_review', 'planned'], ['planned', 'in_progress']]);
  assert.equal(g.json.responses[1].body, 'Planned for Q3.');
  assert.equal(g.json.responses[0].author.bank, true);
  // The author can no longer edit.
  assert.equal((await a1.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'Changed after answer' })).status, 409);
  // The idea page shows the history.
  const page = await b1.page(`/ideas/${idea.id}`);
  assert.ok(page.text.includes('Planned for Q3.'));
  // The latest answer comes under the title, before the description; the
  // full history, oldest first, further down.
  const answer = page.text.match(/<section class="answer"[\s\S]*?<\/section>/);
  assert.ok(answer, 'the answer section');
  assert.match(answer[0], /The bank(&#39;|&#x27;|')s answer/);
  assert.match(answer[0], /badge s-in_progress/);
  assert.match(answer[0], /Being built\./);
  assert.ok(!answer[0].includes('Planned for Q3.'), 'only the latest answer at the top');
  assert.ok(page.text.indexOf('<section class="answer"') < page.text.indexOf('class="prose idea-body"'),
    'the answer before the description');
  const history = page.text.match(/<section class="history"[\s\S]*?<\/section>/);
  assert.ok(history, 'the full history below');
  assert.ok(history[0].indexOf('We are <strong>looking') < history[0].indexOf('Planned for Q3.') &&
    history[0].indexOf('Planned for Q3.') < history[0].indexOf('Being built.'), 'oldest first');
  assert.ok(page.text.indexOf('class="prose idea-body"') < page.text.indexOf('<section class="history"'));
  // Unanswered: the top says so, no history section.
  const fresh = await propose(a1);
  const none = await b1.page(`/ideas/${fresh.id}`);
  assert.match(none.text, /<section class="answer no-answer"[\s\S]*?No official response yet\./);
  assert.ok(!none.text.includes('<section class="history"'));
  // German.
  const de = await b1.fetch(`/ideas/${idea.id}`, { headers: { 'accept-language': 'de' } });
  assert.match(await de.text(), /Antwort der Bank[\s\S]*Being built\./);
});

test('responses: only staff; invalid status or text is 422 and changes nothing', async () => {
  const idea = await propose(a1);
  const before = desk();
  assert.equal((await a1.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'planned', body: 'x' })).status, 403);
  for (const [body, field] of [
    [{ status: 'duplicate', body: 'Use merge.' }, 'status'],
    [{ status: 'shipped', body: 'Unknown.' }, 'status'],
    [{ body: 'No status.' }, 'status'],
    [{ status: 'planned', body: '' }, 'body'],
    [{ status: 'planned' }, 'body'],
    [{ status: 'planned', body: 'x'.repeat(10001) }, 'body'],
  ]) {
    const r = await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, field);
  }
  assert.equal((await pm.api('POST', '/api/v1/ideas/999999999/responses', { status: 'planned', body: 'x' })).status, 404);
  assert.deepEqual(desk(), before);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${idea.id}`), 'new');
});

test('responses: every wrong field at once, on the API and on the idea page with what was typed', async () => {
  const idea = await propose(a1);
  const before = desk();
  const r = await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'shipped', body: ' \n ' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'status');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['body', 'status']);
  assert.match(r.json.error.fields.body, /1 to 10,000 characters/);

  const page = await pm.page(`/ideas/${idea.id}`);
  const csrf = formCsrf(page.text);
  let f = await pm.form(`/ideas/${idea.id}/responses`, { csrf_token: csrf, status: 'duplicate', body: '' });
  assert.equal(f.status, 422);
  assert.match(f.text, /id="response-status-error"/);
  assert.match(f.text, /id="response-body-error"/);
  // One wrong field: the other keeps what was typed (the status chosen, the text).
  f = await pm.form(`/ideas/${idea.id}/responses`, { csrf_token: csrf, status: 'planned', body: 'x'.repeat(10001) });
  assert.equal(f.status, 422);
  assert.doesNotMatch(f.text, /id="response-status-error"/);
  assert.match(f.text, /id="response-body-error"/);
  assert.match(f.text, /<option value="planned" selected>/);
  f = await pm.form(`/ideas/${idea.id}/responses`, { csrf_token: csrf, status: 'shipped', body: 'Kept <b>as typed</b>' });
  assert.equal(f.status, 422);
  assert.match(f.text, /id="response-status-error"/);
  assert.ok(f.text.includes('>Kept &lt;b&gt;as typed&lt;/b&gt;</textarea>'));
  assert.ok(f.text.includes(idea.title), 'the idea page again');
  assert.deepEqual(desk(), before);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${idea.id}`), 'new');
});

// Issue 14, items 9 and 18: merging on pages finds the original by its
// title (no number to type), shows both ideas and merges only once that
// is confirmed; a refused choice is shown on the form, nothing changes.
test('merging from pages: find the original, see both, confirm; refusals on the form', async () => {
  const tag = unique('mrg').replace('-', '');
  const original = await propose(a1, `Payment factory dashboard ${tag}`);
  const dup = await propose(b1, `Payment factory dashboards ${tag}`);
  const other = await propose(a1);
  const before = desk();

  // The idea page leads to the finding page: similar titles first.
  const ideaPage = await pm.page(`/ideas/${dup.id}`);
  assert.ok(ideaPage.text.includes(`action="/ideas/${dup.id}/merge"`));
  let f = await pm.page(`/ideas/${dup.id}/merge`);
  assert.equal(f.status, 200);
  assert.match(f.text, /Ideas with similar titles/);
  assert.ok(f.text.includes(`name="into" value="${original.id}"`), 'the original is offered');
  assert.ok(!f.text.includes(`name="into" value="${dup.id}"`), 'never itself');
  // A search by words, by number, by #number.
  for (const find of [`factory ${tag}`, String(original.id), `%23${original.id}`]) {
    f = await pm.page(`/ideas/${dup.id}/merge?find=${encodeURIComponent(decodeURIComponent(find))}`);
    assert.equal(f.status, 200, find);
    assert.ok(f.text.includes(`name="into" value="${original.id}"`), find);
  }
  f = await pm.page(`/ideas/${dup.id}/merge?find=${unique('nothing')}zz`);
  assert.match(f.text, /No other idea matches/);

  // Choosing one: the confirmation, nothing merged yet.
  const csrf = formCsrf(f.text);
  let r = await pm.form(`/ideas/${dup.id}/merge`, { csrf_token: csrf, into: String(original.id) });
  assert.equal(r.status, 200);
  assert.match(r.text, /Merge these two ideas\?/);
  assert.ok(r.text.includes(dup.title) && r.text.includes(original.title), 'both ideas shown');
  assert.match(r.text, /name="confirm" value="1"/);
  assert.deepEqual(desk(), before, 'nothing changed before confirming');
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${dup.id}`), 'new');

  // Refused choices: the finding page again, the error at the field,
  // the search kept; nothing changes.
  for (const [into, message] of [['abc', /Enter the number of another idea/], [String(dup.id), /Enter the number of another idea/],
    ['999999999', /There is no idea with this number/], ['', /Enter the number of another idea/]]) {
    r = await pm.form(`/ideas/${dup.id}/merge`, { csrf_token: csrf, into, find: 'kept words' });
    assert.equal(r.status, 422, into);
    assert.match(r.text, /id="merge-into-error"/, into);
    assert.match(r.text, message, into);
    assert.ok(r.text.includes('value="kept words"'), 'the search is kept');
  }
  assert.deepEqual(desk(), before);
  // German confirmation.
  const de = await pm.fetch(`/ideas/${dup.id}/merge`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: `csrf_token=${csrf}&into=${original.id}` });
  assert.match(await de.text(), /Diese beiden Ideen zusammenführen\?/);

  // Confirmed: merged, to the original.
  r = await pm.form(`/ideas/${dup.id}/merge`, { csrf_token: csrf, into: String(original.id), confirm: '1' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/ideas/${original.id}`);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${dup.id}`), 'duplicate');
  // Merged already: the finding page says so; a second merge is refused.
  f = await pm.page(`/ideas/${dup.id}/merge`);
  assert.match(f.text, /This idea has been merged already/);
  r = await pm.form(`/ideas/${dup.id}/merge`, { csrf_token: csrf, into: String(other.id) });
  assert.equal(r.status, 422);
  // Clients never see it.
  assert.equal((await a1.page(`/ideas/${other.id}/merge`)).status, 403);
});

test('moving back: a released idea reopened unfreezes its votes', async () => {
  const idea = await propose(a1);
  assert.equal((await respond(pm, pm2, idea.id, 'released', 'Live.')).status, 200);
  assert.equal((await b1.api('POST', `/api/v1/ideas/${idea.id}/vote`)).status, 409);
  await pm.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'in_progress', body: 'Reopened: a gap remains.' });
  assert.equal((await b1.api('POST', `/api/v1/ideas/${idea.id}/vote`)).status, 200);
});

test('merging: votes move one per person; the duplicate points to the original', async () => {
  const original = await propose(b1, unique('Original idea'));
  const dup = await propose(a1, unique('Duplicate idea'));
  const c1 = await person('client');
  // dup: a1 (its author), a2, b1, c1 (b1 also votes for the original);
  // original: b1 (its author), pm.
  for (const p of [a2, b1, c1]) await p.api('POST', `/api/v1/ideas/${dup.id}/vote`);
  for (const p of [b1, pm]) await p.api('POST', `/api/v1/ideas/${original.id}/vote`);
  await c1.api('POST', `/api/v1/ideas/${dup.id}/comments`, { body: 'Same as the other one?' });
  const notesBefore = Number(sqlValue("SELECT count(*) FROM notifications WHERE kind = 'merged'"));

  const r = await pm.api('POST', `/api/v1/ideas/${dup.id}/merge`, { into: original.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.votes_moved, 3, 'a1, a2 and c1; b1 voted for both and counts once');
  assert.equal(r.json.into_vote_count, 5);
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${original.id}`), '5');
  assert.equal(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${original.id}`), '5');
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${dup.id}`), '0');
  assert.equal(sqlValue(`SELECT organization_count FROM ideas WHERE id = ${original.id}`),
    sqlValue(`SELECT count(DISTINCT u.organization_id) FROM votes v JOIN users u ON u.id = v.user_id WHERE v.idea_id = ${original.id}`));
  const d = await c1.api('GET', `/api/v1/ideas/${dup.id}`);
  assert.equal(d.json.status, 'duplicate');
  assert.equal(d.json.comment_count, 1, 'keeps its comments');
  assert.equal(d.json.responses.at(-1).status, 'duplicate');
  const page = await c1.page(`/ideas/${dup.id}`);
  assert.ok(page.text.includes(`/ideas/${original.id}`), 'links to the original');
  // Its voters (a2, b1, c1) and author (a1) are told; not the pm.
  assert.equal(Number(sqlValue("SELECT count(*) FROM notifications WHERE kind = 'merged'")), notesBefore + 4);
  assert.equal((await a2.api('GET', `/api/v1/ideas/${original.id}`)).json.voted, true);
  // A merged idea takes no further status.
  assert.equal((await pm.api('POST', `/api/v1/ideas/${dup.id}/responses`, { status: 'planned', body: 'x' })).status, 409);
});

test('merging is refused into itself, into a merged idea, in a cycle, twice', async () => {
  const x = await propose(a1);
  const y = await propose(a1);
  const z = await propose(a1);
  const before = desk();
  assert.equal((await pm.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: x.id })).status, 422);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: 999999999 })).status, 404);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: 'abc' })).status, 422);
  assert.equal((await a1.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: y.id })).status, 403);
  assert.deepEqual(desk(), before);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: y.id })).status, 200);
  // y <- x; now into x (merged) is refused, and y into x would be a cycle.
  assert.equal((await pm.api('POST', `/api/v1/ideas/${z.id}/merge`, { into: x.id })).status, 422);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${y.id}/merge`, { into: x.id })).status, 422);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${x.id}/merge`, { into: z.id })).status, 409);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${y.id}`), 'new');
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${z.id}`), 'new');
});

test('voters with organisations: staff only', async () => {
  const idea = await propose(b1);
  await a1.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  await pm.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  const r = await pm.api('GET', `/api/v1/ideas/${idea.id}/voters`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.voters.map((v) => [v.name, v.organization]),
    [[b1.name, b1.organization], [a1.name, orgA], [pm.name, null]], 'the author first, by their own vote');
  assert.equal((await a1.api('GET', `/api/v1/ideas/${idea.id}/voters`)).status, 403);
  assert.equal((await a1.page(`/ideas/${idea.id}/voters`)).status, 403);
});

test('hiding a comment: kept, shown as hidden, audited; staff only', async () => {
  const idea = await propose(a1);
  const c = await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Something inappropriate' });
  assert.equal((await a1.api('POST', `/api/v1/comments/${c.json.id}/hide`)).status, 403);
  const auditBefore = count('audit_log');
  assert.equal((await pm.api('POST', `/api/v1/comments/${c.json.id}/hide`)).status, 200);
  assert.equal(count('audit_log'), auditBefore + 1);
  assert.equal(sqlValue(`SELECT body FROM comments WHERE id = ${c.json.id}`), 'Something inappropriate');
  const g = await a1.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(g.json.comments[0].hidden, true);
  assert.equal(g.json.comments[0].body, null);
  const page = await a1.page(`/ideas/${idea.id}`);
  assert.ok(!page.text.includes('Something inappropriate'));
  // The author can no longer change it either.
  assert.equal((await b1.api('PATCH', `/api/v1/comments/${c.json.id}`, { body: 'x' })).status, 409);
});

test('roadmap: planned, in progress and released', async () => {
  const p = await propose(a1);
  const rel = await propose(a1);
  await respond(pm, pm2, p.id, 'planned', 'Q3');
  await respond(pm, pm2, rel.id, 'released', 'Done');
  const r = await b1.api('GET', '/api/v1/roadmap');
  assert.equal(r.status, 200);
  assert.ok(r.json.planned.some((i) => i.id === p.id));
  assert.ok(r.json.released.some((i) => i.id === rel.id));
  assert.ok(Array.isArray(r.json.in_progress));
  const page = await b1.page('/roadmap');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(p.title));
});

test('triage: unanswered ideas oldest first with the figures; staff only', async () => {
  const old = await propose(a1, unique('Old unanswered idea'));
  sql(`UPDATE ideas SET created_at = now() - interval '400 days' WHERE id = ${old.id}`);
  const answered = await propose(a1, unique('Answered idea'));
  await respond(pm, pm2, answered.id, 'planned', 'Yes');
  const page = await pm.page('/triage');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(old.title));
  assert.ok(!page.text.includes(answered.title));
  assert.ok(page.text.indexOf(old.title) < page.text.indexOf('Intraday') || !page.text.includes('Intraday'));
  assert.equal((await a1.page('/triage')).status, 403);
});

// The rows of the triage table in order: [id, title].
function triageRows(html) {
  return [...html.matchAll(/<td class="cell-wrap t-title"[^>]*><a href="\/ideas\/(\d+)">([^<]*)<\/a>/g)]
    .map((m) => [Number(m[1]), m[2]]);
}

// The link of a pager's rel ("next" or "prev"), unescaped, or null.
function pagerLink(html, rel) {
  const m = html.match(new RegExp(`<a class="btn btn-secondary" href="([^"]*)" rel="${rel}">`));
  return m ? m[1].replace(/&amp;/g, '&') : null;
}

// The line that says where the page is.
function triageCount(html) {
  const m = html.match(/<p class="t-count" id="queue-count">([^<]*)<\/p>/);
  return m ? m[1] : null;
}

// Issue 14, item 10: the triage list pages (50 at a time, saying where it
// is), sorts by age, votes or organisations, filters by area, and refuses
// values it does not know.
test('triage: pages of 50 with where they are, next and previous, three sorts, the area filter', async () => {
  const slug = unique('triage').slice(0, 20);
  const made = await admin.api('POST', '/api/v1/areas', { slug, name_en: 'Liquidity Desk', name_de: 'Liquiditätsdesk' });
  assert.equal(made.status, 201, made.text);
  // 120 unanswered ideas in the area: the g-th is g days younger than the
  // first; votes a permutation of 0..119, organisations 0..6 with ties.
  const tag = unique('tp');
  sql(`SELECT idea_create(${a1.id}, '${slug}', 'Triage paging ${tag} ' || lpad(g::text, 3, '0'), '')
       FROM generate_series(1, 120) g ORDER BY g`);
  sql(`UPDATE ideas SET created_at = now() - (interval '1 day' * (300 - n)),
       vote_count = (n * 37) % 120, organization_count = n % 7
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ideas
       WHERE title LIKE 'Triage paging ${tag} %') x WHERE ideas.id = x.id`);
  // Retired at once, so that the other tests see the five areas; a
  // retired area's ideas still wait, and the filter still offers it.
  assert.equal((await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'retire' })).status, 200);
  const ideas = sql(`SELECT id, vote_count, organization_count FROM ideas
    WHERE title LIKE 'Triage paging ${tag} %' ORDER BY id`).map(([id, v, o]) => ({ id: Number(id), v: Number(v), o: Number(o) }));
  assert.equal(ideas.length, 120);
  const byAge = ideas.map((i) => i.id);
  const byVotes = [...ideas].sort((x, y) => y.v - x.v || x.id - y.id).map((i) => i.id);
  const byOrgs = [...ideas].sort((x, y) => y.o - x.o || x.id - y.id).map((i) => i.id);
  // One idea in another area, which the filter leaves out.
  const elsewhere = await propose(a1, unique('Triage elsewhere'));

  // Oldest first by default: 1-50, then 51-100, then 101-120.
  let page = await pm.page(`/triage?area=${slug}`);
  assert.equal(page.status, 200);
  assert.equal(triageCount(page.text), '120 unanswered ideas in Liquidity Desk, showing 1–50');
  assert.deepEqual(triageRows(page.text).map(([id]) => id), byAge.slice(0, 50));
  assert.ok(!page.text.includes(elsewhere.title), 'the filter keeps to its area');
  assert.equal(pagerLink(page.text, 'prev'), null, 'no page before the first');
  assert.match(page.text, /<option value="[^"]*" selected>Liquidity Desk<\/option>/);
  assert.match(page.text, /<th scope="col" class="num" aria-sort="ascending">Age \(days\)<\/th>/);
  const next1 = pagerLink(page.text, 'next');
  assert.match(next1, new RegExp(`^/triage\\?sort=age&area=${slug}&cursor=\\d+\\.${byAge[49]}$`));

  page = await pm.page(next1);
  assert.equal(triageCount(page.text), '120 unanswered ideas in Liquidity Desk, showing 51–100');
  assert.deepEqual(triageRows(page.text).map(([id]) => id), byAge.slice(50, 100));
  const prev2 = pagerLink(page.text, 'prev');
  assert.match(prev2, new RegExp(`^/triage\\?sort=age&area=${slug}&before=\\d+\\.${byAge[50]}$`));
  const next2 = pagerLink(page.text, 'next');

  page = await pm.page(next2);
  assert.equal(triageCount(page.text), '120 unanswered ideas in Liquidity Desk, showing 101–120');
  assert.deepEqual(triageRows(page.text).map(([id]) => id), byAge.slice(100));
  assert.equal(pagerLink(page.text, 'next'), null, 'the last page');
  page = await pm.page(pagerLink(page.text, 'prev'));
  assert.equal(triageCount(page.text), '120 unanswered ideas in Liquidity Desk, showing 51–100');
  assert.deepEqual(triageRows(page.text).map(([id]) => id), byAge.slice(50, 100));

  // An idea of the first page answered meanwhile: back from the second
  // page is a full first page, and the count says 119.
  const answered = await pm.api('POST', `/api/v1/ideas/${byAge[9]}/responses`, { status: 'under_review', body: 'Looking.' });
  assert.equal(answered.status, 201, answered.text);
  page = await pm.page(prev2);
  assert.equal(triageCount(page.text), '119 unanswered ideas in Liquidity Desk, showing 1–50');
  const left = byAge.filter((id) => id !== byAge[9]);
  assert.deepEqual(triageRows(page.text).map(([id]) => id), left.slice(0, 50));
  assert.equal(pagerLink(page.text, 'prev'), null);
  // Onwards from a page shown before the answer: nothing skipped.
  page = await pm.page(next1);
  assert.equal(triageCount(page.text), '119 unanswered ideas in Liquidity Desk, showing 50–99');
  assert.deepEqual(triageRows(page.text).map(([id]) => id), left.slice(49, 99));

  // Most votes first, then most organisations (ties: the older first).
  page = await pm.page(`/triage?sort=votes&area=${slug}`);
  assert.equal(page.status, 200);
  const votes = byVotes.filter((id) => id !== byAge[9]);
  assert.deepEqual(triageRows(page.text).map(([id]) => id), votes.slice(0, 50));
  assert.match(page.text, /<a href="\/triage\?sort=votes&amp;area=[^"]*" aria-current="page">Most votes<\/a>/);
  assert.match(page.text, /aria-sort="descending">Votes<\/th>/);
  assert.match(page.text, /<input type="hidden" name="sort" value="votes">/, 'the area filter keeps the sort');
  page = await pm.page(pagerLink(page.text, 'next'));
  assert.deepEqual(triageRows(page.text).map(([id]) => id), votes.slice(50, 100));
  assert.match(pagerLink(page.text, 'next'), /^\/triage\?sort=votes&/);
  const orgs = byOrgs.filter((id) => id !== byAge[9]);
  page = await pm.page(`/triage?sort=organizations&area=${slug}`);
  assert.deepEqual(triageRows(page.text).map(([id]) => id), orgs.slice(0, 50));
  page = await pm.page(pagerLink(page.text, 'next'));
  assert.deepEqual(triageRows(page.text).map(([id]) => id), orgs.slice(50, 100));
  page = await pm.page(pagerLink(page.text, 'next'));
  assert.deepEqual(triageRows(page.text).map(([id]) => id), orgs.slice(100));
  assert.equal(triageCount(page.text), '119 unanswered ideas in Liquidity Desk, showing 101–119');

  // Without a filter: every unanswered idea counted, the oldest first.
  const all = Number(sqlValue('SELECT count(*) FROM ideas WHERE first_response_at IS NULL'));
  page = await pm.page('/triage');
  assert.equal(triageCount(page.text), `${all} unanswered ideas, showing 1–50`);
  assert.equal(triageRows(page.text).length, 50);
  // In German.
  sql(`UPDATE users SET lang = 'de' WHERE id = ${pm.id}`);
  try {
    page = await pm.page(`/triage?area=${slug}&sort=votes`);
    assert.equal(triageCount(page.text), '119 unbeantwortete Ideen im Bereich Liquiditätsdesk, angezeigt werden 1–50');
    assert.ok(page.text.includes('>Nächste Seite</a>'));
  } finally {
    sql(`UPDATE users SET lang = NULL WHERE id = ${pm.id}`);
  }
  // An area with a single idea, and one with none.
  const one = unique('triage').slice(0, 20);
  const single = await admin.api('POST', '/api/v1/areas', { slug: one, name_en: 'Single Desk', name_de: 'Einzeldesk' });
  assert.equal(single.status, 201);
  try {
    page = await pm.page(`/triage?area=${one}`);
    assert.equal(page.status, 200);
    assert.equal(triageCount(page.text), null);
    assert.ok(page.text.includes('No idea in this product area is waiting for a response.'));
    sql(`SELECT idea_create(${a1.id}, '${one}', 'Triage single ${tag}', '')`);
  } finally {
    assert.equal((await admin.api('PATCH', `/api/v1/areas/${single.json.id}`, { action: 'retire' })).status, 200);
  }
  page = await pm.page(`/triage?area=${one}`);
  assert.equal(triageCount(page.text), '1 unanswered idea in Single Desk');
  assert.equal(pagerLink(page.text, 'next'), null);
});

test('triage: unknown sort, area or cursor is 400 and changes nothing', async () => {
  const before = desk();
  for (const [qs, message] of [
    ['sort=newest', 'Choose one of the sort orders: age, votes or organizations.'],
    ['sort=top', 'Choose one of the sort orders: age, votes or organizations.'],
    ['sort=votes%00', 'Please'],
    ['area=atlantis', 'This product area does not exist.'],
    [`area=${'x'.repeat(60)}`, 'This product area does not exist.'],
    ['cursor=abc', 'This page link is no longer valid.'],
    ['cursor=1.', 'This page link is no longer valid.'],
    ['cursor=.5', 'This page link is no longer valid.'],
    ['cursor=-.5', 'This page link is no longer valid.'],
    ['cursor=1.2.3', 'This page link is no longer valid.'],
    ['cursor=1e3.4', 'This page link is no longer valid.'],
    [`cursor=${'9'.repeat(19)}.1`, 'This page link is no longer valid.'],
    ['before=x.1', 'This page link is no longer valid.'],
    ['cursor=5.1&before=5.1', 'This page link is no longer valid.'],
  ]) {
    const r = await pm.page(`/triage?${qs}`);
    assert.equal(r.status, 400, qs);
    if (message !== 'Please') assert.ok(r.text.includes(message), `${qs}: ${message}`);
  }
  assert.deepEqual(desk(), before, 'nothing written');
  // Well-formed values are taken, also a cursor past the end.
  for (const qs of ['sort=age', 'sort=organizations&area=fx', 'cursor=-3.1', 'before=1.1',
    `cursor=${'9'.repeat(18)}.${'9'.repeat(18)}`]) {
    assert.equal((await pm.page(`/triage?${qs}`)).status, 200, qs);
  }
  const past = await pm.page(`/triage?cursor=${'9'.repeat(18)}.1`);
  assert.ok(past.text.includes('No more ideas without a response after this point.'));
  assert.match(past.text, /<a class="btn btn-secondary" href="\/triage\?sort=age">First page<\/a>/);
  assert.equal((await a1.page('/triage?sort=votes')).status, 403);
});

// Issue 14, item 11: a column of the roadmap holding more than its 50
// says how many more and links to the ideas list of its status.
test('roadmap: a column with more than 50 ideas links to the rest', async () => {
  const tag = unique('rm');
  const status = (s) => Number(sqlValue(`SELECT count(*) FROM ideas WHERE status = '${s}'`));
  // 55 more in progress; planned made exactly 51.
  sql(`SELECT idea_create(${a2.id}, 'fx', 'Roadmap in progress ${tag} ' || g, '') FROM generate_series(1, 55) g`);
  sql(`UPDATE ideas SET status = 'in_progress', first_response_at = now() WHERE title LIKE 'Roadmap in progress ${tag} %'`);
  const planned0 = status('planned');
  assert.ok(planned0 <= 51, `planned: ${planned0}`);
  if (planned0 < 51) {
    sql(`SELECT idea_create(${a2.id}, 'fx', 'Roadmap planned ${tag} ' || g, '') FROM generate_series(1, ${51 - planned0}) g`);
    sql(`UPDATE ideas SET status = 'planned', first_response_at = now() WHERE title LIKE 'Roadmap planned ${tag} %'`);
  }
  const inProgress = status('in_progress');
  const released = status('released');
  assert.ok(inProgress >= 55 && released <= 50);

  // The API as before, with each column's total.
  const r = await b1.api('GET', '/api/v1/roadmap');
  assert.equal(r.status, 200);
  assert.equal(r.json.in_progress.length, 50);
  assert.equal(r.json.planned.length, 50);
  assert.equal(r.json.released.length, released);
  assert.deepEqual(r.json.totals, { planned: 51, in_progress: inProgress, released });

  const page = await b1.page('/roadmap');
  assert.equal(page.status, 200);
  const column = (s) => page.text.match(new RegExp(`<section class="rm-col rm-${s}"[\\s\\S]*?</section>`))[0];
  assert.equal((column('in_progress').match(/<li class="rm-idea">/g) || []).length, 50);
  assert.ok(column('in_progress').includes(
    `<a class="btn btn-secondary rm-more" href="/?status=in_progress">${inProgress - 50} more ideas in progress</a>`));
  assert.ok(column('planned').includes(
    '<a class="btn btn-secondary rm-more" href="/?status=planned">1 more planned idea</a>'));
  assert.ok(!column('released').includes('rm-more'), 'a column that shows all has no link');
  // The link leads to the list of that status, which pages on.
  const list = await b1.page('/?status=in_progress');
  assert.equal(list.status, 200);
  assert.match(list.text, /rel="next"/);
  // In German.
  sql(`UPDATE users SET lang = 'de' WHERE id = ${b1.id}`);
  try {
    const de = await b1.page('/roadmap');
    assert.ok(de.text.includes(`>${inProgress - 50} weitere Ideen in Umsetzung</a>`));
    assert.ok(de.text.includes('>1 weitere geplante Idee</a>'));
  } finally {
    sql(`UPDATE users SET lang = NULL WHERE id = ${b1.id}`);
  }
});

test('export: RFC 4180 CSV, formulas neutralised; staff only', async () => {
  await propose(a1, '=HYPERLINK("http://x","y")');
  await propose(a1, 'Comma, "quotes" and more');
  const umlaut = await propose(a1, 'Grüße an die Überweisung');
  const r = await pm.fetch('/export/ideas.csv');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  // UTF-8's byte-order mark first, so that Excel reads the umlauts.
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const csv = bytes.subarray(3).toString('utf8');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], '"id","title","link","area","status","votes","organisations","created","first response","last status change"');
  // Each idea by its number and a link to its page.
  const base = process.env.DRIVE_BASE_URL;
  assert.ok(lines.some((l) => l.startsWith(`"${umlaut.id}","Grüße an die Überweisung","${base}/ideas/${umlaut.id}",`)),
    'id, title and link of the idea');
  assert.ok(csv.includes('"\'=HYPERLINK(""http://x"",""y"")"'));
  assert.ok(csv.includes('"Comma, ""quotes"" and more"'));
  assert.ok(!csv.includes(orgA), 'no organisation names');
  assert.equal((await a1.fetch('/export/ideas.csv')).status, 403);
});

test('notifications: unread count in the navigation, mark all read', async () => {
  const reader = await person('client');
  const idea = await propose(reader);
  await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'A comment for the reader' });
  const page = await reader.page('/notifications');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(idea.title));
  assert.equal(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${reader.id} AND read_at IS NULL`), '1');
  const r = await reader.form('/notifications/read', { csrf_token: formCsrf(page.text) });
  assert.equal(r.status, 303);
  assert.equal(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${reader.id} AND read_at IS NULL`), '0');
});

// Issue 14, item 6: opening a notification marks it read and leads to
// what it tells of (a comment: that comment); its words are sentences.
test('notifications: opening one marks it read and leads to the comment; sentences', async () => {
  const reader = await person('client');
  const idea = await propose(reader);
  const c = await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Opened from the list' });
  await respond(pm, pm2, idea.id, 'planned', 'Planned.');
  const ids = sql(`SELECT id, kind FROM notifications WHERE user_id = ${reader.id} ORDER BY id`);
  assert.deepEqual(ids.map((x) => x[1]), ['comment', 'status']);
  const [commentNote, statusNote] = ids.map((x) => Number(x[0]));
  const page = await reader.page('/notifications');
  assert.ok(page.text.includes(`href="/notifications/${commentNote}"`));
  assert.ok(page.text.includes(`${b1.name} commented on your idea “${idea.title}”.`));
  assert.ok(page.text.includes(`The bank set the status of “${idea.title}” to Planned.`));
  const de = await (await reader.fetch('/notifications', { headers: { 'accept-language': 'de' } })).text();
  assert.ok(de.includes(`Die Bank hat den Status von „${idea.title}“ auf Geplant gesetzt.`));
  const unread = () => sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${reader.id} AND read_at IS NULL`);
  assert.equal(unread(), '2');
  let r = await reader.page(`/notifications/${commentNote}`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/ideas/${idea.id}#comment-${c.json.id}`);
  assert.equal(unread(), '1', 'that one is read');
  r = await reader.page(`/notifications/${statusNote}`);
  assert.equal(r.headers.get('location'), `/ideas/${idea.id}`);
  assert.equal(unread(), '0');
  // Opening it again keeps when it was first read.
  const at = sqlValue(`SELECT read_at FROM notifications WHERE id = ${commentNote}`);
  await reader.page(`/notifications/${commentNote}`);
  assert.equal(sqlValue(`SELECT read_at FROM notifications WHERE id = ${commentNote}`), at);
  // A hidden comment: to the idea only.
  await pm.api('POST', `/api/v1/comments/${c.json.id}/hide`);
  r = await reader.page(`/notifications/${commentNote}`);
  assert.equal(r.headers.get('location'), `/ideas/${idea.id}`);
  // Somebody else's notification, or none: 404, nothing marked.
  sql(`UPDATE notifications SET read_at = NULL WHERE id = ${commentNote}`);
  assert.equal((await b1.page(`/notifications/${commentNote}`)).status, 404);
  assert.equal((await reader.page('/notifications/999999999')).status, 404);
  assert.equal(unread(), '1');
  // The API names the comment.
  const api = await reader.api('GET', '/api/v1/notifications');
  assert.deepEqual(api.json.notifications.find((n) => n.id === commentNote).comment, { id: c.json.id });
});

test('profile: e-mail off stops mails, not notifications; language', async () => {
  const quiet = await person('client');
  const idea = await propose(quiet);
  const page = await quiet.page('/profile');
  assert.equal(page.status, 200);
  let r = await quiet.form('/profile', { csrf_token: formCsrf(page.text), name: 'Quiet Person', lang: 'de' });
  assert.equal(r.status, 303);
  assert.equal(sqlValue(`SELECT email_notifications FROM users WHERE id = ${quiet.id}`), 'f');
  assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${quiet.id}`), 'Quiet Person');
  const before = count('outbox');
  await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'No mail for this' });
  assert.equal(count('outbox'), before);
  assert.equal(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${quiet.id}`), '1');
  const de = await quiet.page('/');
  assert.match(de.text, /<html lang="de">/);
  r = await quiet.form('/profile', { csrf_token: formCsrf(page.text), name: 'X', lang: 'en', email_notifications: '1' });
  assert.equal(r.status, 422);
  assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${quiet.id}`), 'Quiet Person');
  void admin;
});

test('profile: every wrong field at once, shown next to each with what was typed', async () => {
  const p = await person('client');
  const page = await p.page('/profile');
  const csrf = formCsrf(page.text);
  const before = snapshot();
  const r = await p.form('/profile', { csrf_token: csrf, name: 'X', lang: 'fr' });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="p-name-error"/);
  assert.match(r.text, /id="p-lang-error"/);
  assert.match(r.text, /id="p-name"[^>]* value="X"/);
  // The box was not ticked: it stays unticked, whatever is stored.
  assert.doesNotMatch(r.text, /id="p-email"[^>]* checked/);
  assert.deepEqual(snapshot(), before);
  assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${p.id}`), p.name);
  assert.equal(sqlValue(`SELECT email_notifications FROM users WHERE id = ${p.id}`), 't');
});

test('password change: every wrong field at once, no password sent back, nothing counted', async () => {
  const p = await person('client');
  const page = await p.page('/profile');
  const before = { ...snapshot(), hash: sqlValue(`SELECT password_hash FROM users WHERE id = ${p.id}`) };
  const failed = () => sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.password_failed' AND actor_id = ${p.id}`);
  const r = await p.form('/profile/password', { csrf_token: formCsrf(page.text), current_password: '',
    new_password: 'too short 1', new_password_confirm: 'something else entirely' });
  assert.equal(r.status, 422);
  for (const id of ['pw-current-error', 'pw-new-error', 'pw-confirm-error']) assert.match(r.text, new RegExp(`id="${id}"`), id);
  assert.ok(!r.text.includes('too short 1') && !r.text.includes('something else entirely'), 'no password in the page');
  // The rest of the page is the stored profile.
  assert.match(r.text, new RegExp(`id="p-name"[^>]* value="${p.name}"`));
  assert.deepEqual({ ...snapshot(), hash: sqlValue(`SELECT password_hash FROM users WHERE id = ${p.id}`) }, before);
  assert.equal(failed(), '0');
  // A wrong current password is counted and shown next to its field.
  const w = await p.form('/profile/password', { csrf_token: formCsrf(page.text), current_password: 'not my password',
    new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' });
  assert.equal(w.status, 422);
  assert.match(w.text, /id="pw-current-error"/);
  assert.doesNotMatch(w.text, /id="pw-new-error"/);
  assert.equal(failed(), '1');
});

test('API tokens from the profile page: a refused name is kept; a new one is shown once', async () => {
  const p = await person('client');
  const page = await p.page('/profile');
  const csrf = formCsrf(page.text);
  const before = count('api_tokens');
  const long = 'n'.repeat(61);
  let r = await p.form('/profile/tokens', { csrf_token: csrf, name: long });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="token-name-error"/);
  assert.match(r.text, new RegExp(`id="token-name"[^>]* value="${long}"`));
  assert.doesNotMatch(r.text, /id="p-name-error"/);
  assert.match(r.text, new RegExp(`id="p-name"[^>]* value="${p.name}"`));
  const a = await p.api('POST', '/api/v1/tokens', { name: '' });
  assert.equal(a.status, 422);
  assert.deepEqual(Object.keys(a.json.error.fields), ['name']);
  assert.equal(count('api_tokens'), before);
  r = await p.form('/profile/tokens', { csrf_token: csrf, name: 'Nightly job' });
  assert.equal(r.status, 200);
  const m = r.text.match(/<code>([0-9a-f]{64})<\/code>/);
  assert.ok(m, 'the new token is shown');
  recordSecret('api_token', m[1]);
  assert.equal(count('api_tokens'), before + 1);
  assert.equal((await new Client().api('GET', '/api/v1/me', undefined, { authorization: `Bearer ${m[1]}` })).status, 200);
  const id = sqlValue(`SELECT id FROM api_tokens WHERE user_id = ${p.id}`);
  r = await p.form(`/profile/tokens/${id}/revoke`, { csrf_token: csrf });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/profile?revoked=1');
  assert.equal((await p.form(`/profile/tokens/${id}/revoke`, { csrf_token: csrf })).status, 404);
});

// Issue 14, item 18: hiding a comment from a page without JavaScript asks
// first (the comment, what hiding does); only the confirmed form hides.
// With JavaScript, the browser's confirm() adds confirm=1 (confirm.js).
test('hiding a comment by form: a confirmation page first, then hidden', async () => {
  const idea = await propose(a1);
  const c = await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Something **off-topic**' });
  const page = await pm.page(`/ideas/${idea.id}`);
  const csrf = formCsrf(page.text);
  const auditBefore = count('audit_log');
  let r = await pm.form(`/comments/${c.json.id}/hide`, { csrf_token: csrf });
  assert.equal(r.status, 200);
  assert.match(r.text, /Hide this comment\?/);
  assert.ok(r.text.includes('Something <strong>off-topic</strong>'), 'the comment is shown');
  assert.match(r.text, /name="confirm" value="1"/);
  assert.equal(sqlValue(`SELECT hidden_at IS NULL FROM comments WHERE id = ${c.json.id}`), 't', 'not hidden yet');
  assert.equal(count('audit_log'), auditBefore);
  r = await pm.form(`/comments/${c.json.id}/hide`, { csrf_token: csrf, confirm: '1' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/ideas/${idea.id}#comment-${c.json.id}`);
  assert.equal(sqlValue(`SELECT hidden_at IS NOT NULL FROM comments WHERE id = ${c.json.id}`), 't');
  assert.equal(count('audit_log'), auditBefore + 1);
  // Asked again once hidden: back to it; unknown: 404; clients: 403.
  r = await pm.form(`/comments/${c.json.id}/hide`, { csrf_token: csrf });
  assert.equal(r.status, 303);
  assert.equal((await pm.form('/comments/999999999/hide', { csrf_token: csrf })).status, 404);
  assert.equal((await a1.form(`/comments/${c.json.id}/hide`, { csrf_token: formCsrf((await a1.page('/')).text) })).status, 403);
  const c2 = await b1.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Noch einer' });
  const de = await pm.fetch(`/comments/${c2.json.id}/hide`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: `csrf_token=${csrf}` });
  assert.match(await de.text(), /Diesen Kommentar ausblenden\?/);
});
