// Ideas in the API and in pages: propose, list (sorts, filters, search,
// cursor), read, edit, vote (exact under concurrency, frozen), comment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, sql, sqlValue, count, unique, formCsrf } from '../lib/drive.mjs';

const orgA = unique('Org A');
const alice = await person('client', orgA);
const bob = await person('client', orgA);
const carol = await person('client');
const pm = await person('pm');

function ideaCounts() {
  return { ideas: count('ideas'), votes: count('votes'), comments: count('comments') };
}

async function propose(c = alice, fields = {}) {
  const body = { title: `${unique('Real-time MT940 statements')}`, body: 'We need **intraday** data.\n\n- one\n- two', area: 'cash-management', ...fields };
  const r = await c.api('POST', '/api/v1/ideas', body);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// The vote tests count other people's votes: the author's own vote,
// which every idea starts with, is withdrawn first.
async function proposeUnvoted(c = alice, fields = {}) {
  const idea = await propose(c, fields);
  const r = await c.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 0, voted: false });
  return idea;
}

test('areas: the five product areas, in the person\'s language', async () => {
  const r = await alice.api('GET', '/api/v1/areas');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.areas.map((a) => a.slug),
    ['cash-management', 'trade-finance', 'securities-services', 'fx', 'channels-apis']);
  const de = await alice.api('GET', '/api/v1/areas', undefined, { 'accept-language': 'de' });
  assert.equal(de.json.areas[1].name, 'Handelsfinanzierung');
});

test('proposing: 201 with the idea as the API describes it', async () => {
  const before = ideaCounts();
  const idea = await propose(alice, { title: 'Bulk SEPA Instant payments via pain.001' });
  assert.deepEqual(Object.keys(idea).sort(), ['area', 'audience', 'author', 'body', 'body_html', 'comment_count',
    'comments', 'created_at', 'id', 'responses', 'status', 'title', 'updated_at', 'vote_count', 'voted',
    'can_edit'].sort());
  assert.equal(idea.status, 'new');
  assert.equal(idea.audience, 'all', 'open to every client unless the author says otherwise');
  assert.equal(idea.area, 'cash-management');
  assert.deepEqual(idea.author, { name: alice.name, bank: false });
  // The author's own vote counts from the start, like anybody's.
  assert.equal(idea.vote_count, 1);
  assert.equal(idea.voted, true);
  assert.match(idea.body_html, /<strong>intraday<\/strong>/);
  assert.match(idea.created_at, /Z$/);
  assert.equal(ideaCounts().ideas, before.ideas + 1);
  assert.equal(ideaCounts().votes, before.votes + 1);
  assert.equal(sqlValue(`SELECT vote_count || ' ' || recent_vote_count || ' ' || organization_count
    FROM ideas WHERE id = ${idea.id}`), '1 1 1', 'counted as any vote, for the author\'s organisation');
  assert.equal(sqlValue(`SELECT user_id FROM votes WHERE idea_id = ${idea.id}`), String(alice.id));
  // Withdrawable like any vote.
  const w = await alice.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(w.json, { vote_count: 0, voted: false });
  assert.equal(sqlValue(`SELECT organization_count FROM ideas WHERE id = ${idea.id}`), '0');
});

test('proposing with bad input: 422 naming the field, nothing stored', async () => {
  const cases = [
    [{ title: 'Four', body: 'x', area: 'fx' }, 'title'],
    [{ title: 'x'.repeat(121), body: 'x', area: 'fx' }, 'title'],
    [{ body: 'x', area: 'fx' }, 'title'],
    [{ title: 42, body: 'x', area: 'fx' }, 'title'],
    [{ title: 'Line\nbreak title', body: 'x', area: 'fx' }, 'title'],
    [{ title: 'Valid title', body: 'y'.repeat(10001), area: 'fx' }, 'body'],
    [{ title: 'Valid title', body: ['no'], area: 'fx' }, 'body'],
    [{ title: 'Valid title', body: 'x', area: 'no-such-area' }, 'area'],
    [{ title: 'Valid title', body: 'x' }, 'area'],
  ];
  for (const [body, field] of cases) {
    const before = ideaCounts();
    const r = await alice.api('POST', '/api/v1/ideas', body);
    assert.equal(r.status, 422, `${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
    assert.equal(r.json.error.field, field);
    assert.deepEqual(ideaCounts(), before);
  }
  // 120 characters of umlauts are 120 characters, not 240 bytes.
  const ok = await alice.api('POST', '/api/v1/ideas', { title: 'ä'.repeat(120), body: '', area: 'fx' });
  assert.equal(ok.status, 201);
});

test('the idea: Markdown rendered in safe mode', async () => {
  const idea = await propose(alice, {
    body: '# Heading\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(1)>',
  });
  const r = await bob.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.status, 200);
  assert.match(r.json.body_html, /<h3>Heading<\/h3>/, 'headings sit under the page\'s own');
  assert.doesNotMatch(r.json.body_html, /<script|onerror|javascript:/i);
  assert.deepEqual(r.json.responses, []);
  assert.equal((await bob.api('GET', '/api/v1/ideas/999999999')).status, 404);
});

test('votes: cast and withdraw idempotently; the count is the table\'s', async () => {
  const idea = await proposeUnvoted();
  let r = await bob.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 1, voted: true });
  r = await bob.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 1, voted: true });
  r = await carol.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  assert.equal(r.json.vote_count, 2);
  r = await bob.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 1, voted: false });
  r = await bob.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 1, voted: false });
  assert.equal(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${idea.id}`), '1');
  const g = await carol.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(g.json.voted, true);
  assert.equal((await carol.api('POST', '/api/v1/ideas/999999999/vote')).status, 404);
  // A vote older than the trending clock no longer counts as recent;
  // withdrawing it takes it from the total only.
  await bob.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  assert.equal(sqlValue(`SELECT recent_vote_count FROM ideas WHERE id = ${idea.id}`), '2');
  sql(`UPDATE votes SET created_at = (SELECT aged_to - interval '1 day' FROM trending_clock) WHERE idea_id = ${idea.id} AND user_id = ${bob.id}`);
  sql(`UPDATE ideas SET recent_vote_count = 1 WHERE id = ${idea.id}`);
  r = await bob.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  assert.deepEqual(r.json, { vote_count: 1, voted: false });
  assert.equal(sqlValue(`SELECT recent_vote_count FROM ideas WHERE id = ${idea.id}`), '1');
});

test('30 people voting at once: exactly 30', async () => {
  const idea = await proposeUnvoted();
  const people = await Promise.all(Array.from({ length: 30 }, () => person('client')));
  const results = await Promise.all(people.map((p) => p.api('POST', `/api/v1/ideas/${idea.id}/vote`)));
  assert.ok(results.every((r) => r.status === 200));
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`), '30');
  assert.equal(sqlValue(`SELECT recent_vote_count FROM ideas WHERE id = ${idea.id}`), '30');
  assert.equal(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${idea.id}`), '30');
  const shown = await alice.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(shown.json.vote_count, 30);
  // And 30 withdrawing at once: exactly 0.
  await Promise.all(people.map((p) => p.api('DELETE', `/api/v1/ideas/${idea.id}/vote`)));
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`), '0');
  assert.equal(sqlValue(`SELECT recent_vote_count FROM ideas WHERE id = ${idea.id}`), '0');
});

test('one person voting 20 times at once: exactly 1', async () => {
  const idea = await proposeUnvoted();
  const results = await Promise.all(Array.from({ length: 20 }, () => carol.api('POST', `/api/v1/ideas/${idea.id}/vote`)));
  assert.ok(results.every((r) => r.status === 200 && r.json.voted === true));
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`), '1');
  assert.equal(sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${idea.id}`), '1');
});

test('votes are frozen while released, declined or duplicate: 409, nothing changes', async () => {
  for (const status of ['released', 'declined', 'duplicate']) {
    const idea = await proposeUnvoted();
    await bob.api('POST', `/api/v1/ideas/${idea.id}/vote`);
    sql(`UPDATE ideas SET status = '${status}' WHERE id = ${idea.id}`);
    const before = ideaCounts();
    const cast = await carol.api('POST', `/api/v1/ideas/${idea.id}/vote`);
    assert.equal(cast.status, 409);
    assert.equal(cast.json.error.code, 'votes_frozen');
    assert.equal((await bob.api('DELETE', `/api/v1/ideas/${idea.id}/vote`)).status, 409);
    assert.deepEqual(ideaCounts(), before);
    assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${idea.id}`), '1');
    // Reopened: votes unfreeze.
    sql(`UPDATE ideas SET status = 'under_review' WHERE id = ${idea.id}`);
    assert.equal((await carol.api('POST', `/api/v1/ideas/${idea.id}/vote`)).status, 200);
  }
});

test('organisations behind the votes: for staff only', async () => {
  const idea = await proposeUnvoted(carol);
  await alice.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  await bob.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  let r = await pm.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.organization_count, 1, 'alice and bob are one organisation');
  await carol.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  r = await pm.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.organization_count, 2);
  await alice.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  r = await pm.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.organization_count, 2, 'bob still votes for org A');
  await bob.api('DELETE', `/api/v1/ideas/${idea.id}/vote`);
  r = await pm.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.organization_count, 1);
  const c = await carol.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal('organization_count' in c.json, false);
  const list = await carol.api('GET', '/api/v1/ideas?sort=new');
  assert.ok(list.json.ideas.every((i) => !('organization_count' in i)));
  const pmList = await pm.api('GET', '/api/v1/ideas?sort=new');
  assert.ok(pmList.json.ideas.every((i) => typeof i.organization_count === 'number'));
});

test('editing: the author until the first official response; others 403', async () => {
  const idea = await propose(alice);
  const r = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'Edited title here', area: 'fx' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.title, 'Edited title here');
  assert.equal(r.json.area, 'fx');
  assert.equal(r.json.body, idea.body, 'absent fields stay');
  const before = ideaCounts();
  assert.equal((await bob.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'Not mine to edit' })).status, 403);
  const bad = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'abc' });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'title');
  assert.equal((await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { area: 'nope' })).status, 422);
  sql(`UPDATE ideas SET first_response_at = now() WHERE id = ${idea.id}`);
  const late = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'Too late to edit' });
  assert.equal(late.status, 409);
  assert.equal(sqlValue(`SELECT title FROM ideas WHERE id = ${idea.id}`), 'Edited title here');
  assert.deepEqual(ideaCounts(), before);
});

test('comments: create, the author is notified; edit and delete own for 15 minutes', async () => {
  const idea = await propose(alice);
  const before = Number(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${alice.id}`));
  const r = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Would this cover **camt.054**?\nSecond line.' });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.body_html, /<strong>camt.054<\/strong>/);
  assert.deepEqual(r.json.author, { name: bob.name, bank: false });
  assert.equal(Number(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${alice.id}`)), before + 1);
  const n = await alice.api('GET', '/api/v1/notifications');
  assert.equal(n.json.notifications[0].kind, 'comment');
  assert.equal(n.json.notifications[0].idea.id, idea.id);
  // Commenting on one's own idea notifies nobody.
  await alice.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Thanks!' });
  assert.equal(Number(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${alice.id}`)), before + 1);
  const g = await carol.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(g.json.comment_count, 2);
  assert.equal(g.json.comments[0].body, 'Would this cover **camt.054**?\nSecond line.');

  const cid = r.json.id;
  assert.equal((await carol.api('PATCH', `/api/v1/comments/${cid}`, { body: 'Not mine' })).status, 403);
  const e = await bob.api('PATCH', `/api/v1/comments/${cid}`, { body: 'Edited comment' });
  assert.equal(e.status, 200);
  assert.equal(sqlValue(`SELECT body FROM comments WHERE id = ${cid}`), 'Edited comment');
  for (const body of [{ body: '' }, { body: 'z'.repeat(5001) }, {}, { body: '   ' }]) {
    const bad = await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, body);
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.field, 'body');
  }
  assert.equal((await bob.api('POST', '/api/v1/ideas/999999999/comments', { body: 'x' })).status, 404);
  sql(`UPDATE comments SET created_at = now() - interval '16 minutes' WHERE id = ${cid}`);
  assert.equal((await bob.api('PATCH', `/api/v1/comments/${cid}`, { body: 'Too late' })).status, 409);
  assert.equal((await bob.api('DELETE', `/api/v1/comments/${cid}`)).status, 409);
  sql(`UPDATE comments SET created_at = now() WHERE id = ${cid}`);
  assert.equal((await bob.api('DELETE', `/api/v1/comments/${cid}`)).status, 200);
  assert.equal(sqlValue(`SELECT comment_count FROM ideas WHERE id = ${idea.id}`), '1');
});

test('similar titles: trigram similarity, up to 5', async () => {
  const base = unique('Letter of credit status tracking');
  const idea = await propose(alice, { title: `${base} in the portal`, area: 'trade-finance' });
  const r = await bob.api('GET', `/api/v1/ideas/similar?title=${encodeURIComponent(`${base} in portal`)}`);
  assert.equal(r.status, 200);
  assert.ok(r.json.ideas.length <= 5);
  assert.equal(r.json.ideas[0].id, idea.id);
  assert.deepEqual(Object.keys(r.json.ideas[0]).sort(), ['id', 'status', 'title', 'vote_count']);
  assert.equal((await bob.api('GET', '/api/v1/ideas/similar')).status, 400);
});

test('the list: top, new, trending; filters; search; cursor paging', async () => {
  const area = 'securities-services';
  const tag = unique('zqx').replace('-', '');
  const made = [];
  for (let i = 0; i < 23; i++) {
    made.push(await propose(carol, { title: `Custody report ${tag} number ${i}`, area, body: `word${tag} body` }));
  }
  // Votes: idea 5 gets 2, idea 7 gets 1 (old), idea 9 gets 1 (recent).
  await alice.api('POST', `/api/v1/ideas/${made[5].id}/vote`);
  await bob.api('POST', `/api/v1/ideas/${made[5].id}/vote`);
  await alice.api('POST', `/api/v1/ideas/${made[7].id}/vote`);
  // Those three votes turn 15 days old, while the trending clock last ran
  // 16 days back: the next trending list takes them back (and shows the
  // counts from before); the one after it shows the aged counts.
  sql(`UPDATE votes SET created_at = now() - interval '15 days' WHERE idea_id IN (${made[5].id}, ${made[7].id})`);
  sql("UPDATE trending_clock SET aged_to = now() - interval '16 days'");
  await alice.api('POST', `/api/v1/ideas/${made[9].id}/vote`);

  const q = `q=${tag}`;
  const top = await alice.api('GET', `/api/v1/ideas?sort=top&${q}`);
  assert.equal(top.status, 200);
  assert.equal(top.json.ideas.length, 20);
  assert.equal(top.json.ideas[0].id, made[5].id);
  assert.ok(top.json.next_cursor);
  const page2 = await alice.api('GET', `/api/v1/ideas?sort=top&${q}&cursor=${top.json.next_cursor}`);
  assert.equal(page2.json.ideas.length, 3);
  assert.equal(page2.json.next_cursor, null);
  const all = [...top.json.ideas, ...page2.json.ideas].map((i) => i.id);
  assert.equal(new Set(all).size, 23, 'no idea twice, none missing');

  const newest = await alice.api('GET', `/api/v1/ideas?sort=new&${q}`);
  assert.equal(newest.json.ideas[0].id, made[22].id);
  const before = await alice.api('GET', `/api/v1/ideas?sort=trending&${q}`);
  assert.equal(before.json.ideas[0].id, made[5].id, 'not aged yet');
  assert.equal(sqlValue(`SELECT recent_vote_count FROM ideas WHERE id = ${made[5].id}`), '0');
  assert.equal(sqlValue("SELECT aged_to > now() - interval '14 days 1 minute' FROM trending_clock"), 't');
  const trending = await alice.api('GET', `/api/v1/ideas?sort=trending&${q}`);
  assert.equal(trending.json.ideas[0].id, made[9].id, 'recent votes first');
  const recount = sqlValue(`SELECT count(*) FROM ideas i WHERE i.recent_vote_count <> (SELECT count(*) FROM votes v WHERE v.idea_id = i.id AND v.created_at > (SELECT aged_to FROM trending_clock))`);
  assert.equal(recount, '0', 'every trending count agrees with the votes');

  const byArea = await alice.api('GET', `/api/v1/ideas?area=${area}&${q}`);
  assert.ok(byArea.json.ideas.every((i) => i.area === area));
  sql(`UPDATE ideas SET status = 'planned' WHERE id = ${made[3].id}`);
  const planned = await alice.api('GET', `/api/v1/ideas?status=planned&${q}`);
  assert.deepEqual(planned.json.ideas.map((i) => i.id), [made[3].id]);
  // Words match as prefixes, in any case, across title and body.
  const prefix = await alice.api('GET', `/api/v1/ideas?q=CUSTOD%20${tag.slice(0, 8)}`);
  assert.equal(prefix.json.ideas.length, 20);
  const inBody = await alice.api('GET', `/api/v1/ideas?q=word${tag}`);
  assert.equal(inBody.json.ideas.length, 20);
  const hostile = await alice.api('GET', `/api/v1/ideas?q=${encodeURIComponent("' & | ! ( :* \\")}`);
  assert.equal(hostile.status, 200);
  const none = await alice.api('GET', `/api/v1/ideas?q=${unique('nothing')}zz`);
  assert.deepEqual(none.json.ideas, []);

  for (const [qs, field] of [['sort=best', 'sort'], ['cursor=abc', 'cursor'], ['cursor=1.', 'cursor'],
    ['cursor=..', 'cursor'], ['status=open', 'status'], ['area=atlantis', 'area']]) {
    const r = await alice.api('GET', `/api/v1/ideas?${qs}`);
    assert.equal(r.status, 400, qs);
    assert.equal(r.json.error.field, field, qs);
  }
});

// Issue 14, item 4: "my ideas", "ideas I voted for", "ideas I commented
// on", in the API and on the page; another person's list is theirs.
test('the list: the ideas one proposed, voted for or commented on', async () => {
  const dave = await person('client');
  const tag = unique('mine').replace('-', '');
  const own = await propose(dave, { title: `Own idea ${tag}` });
  const voted = await propose(carol, { title: `Voted idea ${tag}` });
  const commented = await propose(carol, { title: `Commented idea ${tag}` });
  const other = await propose(carol, { title: `Other idea ${tag}` });
  await dave.api('POST', `/api/v1/ideas/${voted.id}/vote`);
  await dave.api('POST', `/api/v1/ideas/${commented.id}/comments`, { body: 'Same here.' });
  const ids = async (c, qs) => {
    const r = await c.api('GET', `/api/v1/ideas?${qs}`);
    assert.equal(r.status, 200, `${qs}: ${r.text}`);
    return r.json.ideas.map((i) => i.id);
  };
  assert.deepEqual(await ids(dave, 'show=mine'), [own.id]);
  assert.deepEqual(await ids(dave, 'show=voted&sort=new'), [voted.id, own.id], 'with the own vote');
  assert.deepEqual(await ids(dave, 'show=commented'), [commented.id]);
  // Withdrawn, the own vote no longer lists the idea under "voted".
  await dave.api('DELETE', `/api/v1/ideas/${own.id}/vote`);
  assert.deepEqual(await ids(dave, 'show=voted'), [voted.id]);
  // With the other filters and the search, and on the next pages.
  assert.deepEqual(await ids(dave, `show=voted&q=${tag}&area=cash-management&status=new`), [voted.id]);
  assert.deepEqual(await ids(dave, 'show=voted&area=fx'), []);
  // Carol's "mine" are hers.
  const carols = await ids(carol, `show=mine&q=${tag}&sort=new`);
  assert.deepEqual(carols, [other.id, commented.id, voted.id]);
  // The page: the select, the choice kept in the sort links, the empty state.
  const page = await dave.page('/?show=commented');
  assert.equal(page.status, 200);
  assert.match(page.text, /<option value="commented" selected>Ideas I commented on<\/option>/);
  assert.ok(page.text.includes(`Commented idea ${tag}`));
  assert.ok(!page.text.includes(`Other idea ${tag}`));
  assert.match(page.text, /href="\/\?sort=new&amp;show=commented"/);
  const empty = await (await person('client')).page('/?show=mine');
  assert.match(empty.text, /No idea matches these filters\./);
  // German.
  const de = await dave.fetch('/?show=voted', { headers: { 'accept-language': 'de' } });
  assert.match(await de.text(), /<option value="voted" selected>Ideen mit meiner Stimme<\/option>/);
  // Anything else is refused, naming the field.
  const bad = await dave.api('GET', '/api/v1/ideas?show=everyone');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.field, 'show');
  assert.equal((await dave.page('/?show=everyone')).status, 400);
});

// Issue 14, item 5: a search ranks by relevance (the title above the
// description), the sorts stay available, and the words are shown where
// they matched.
test('search: best matches first, titles above bodies; the matched words marked', async () => {
  const tag = unique('rel').replace('-', '');
  const word = `camt${tag}`;
  const inTitle = await propose(carol, { title: `Intraday ${word} statements`, body: 'Please.' });
  const inBody = [];
  for (let i = 0; i < 3; i++) {
    const idea = await propose(carol, { title: `Reporting wish ${tag} ${i}`,
      body: `Our auditors want the ${word} format for every account, and more of it.` });
    inBody.push(idea);
    for (const p of [alice, bob]) await p.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  }
  const ids = async (qs) => (await alice.api('GET', `/api/v1/ideas?${qs}`)).json.ideas.map((i) => i.id);
  const best = await ids(`q=${word}`);
  assert.equal(best[0], inTitle.id, 'the title match first, despite fewer votes');
  assert.deepEqual(new Set(best.slice(1)), new Set(inBody.map((i) => i.id)));
  assert.deepEqual(await ids(`q=${word}&sort=relevance`), best);
  const top = await ids(`q=${word}&sort=top`);
  assert.equal(top.at(-1), inTitle.id, 'by votes when asked');
  // Paging by relevance: one per page is not possible here (20 a page),
  // so the cursor of relevance is checked to be accepted and to continue.
  const r = await alice.api('GET', `/api/v1/ideas?q=${word}&sort=relevance&cursor=1.1`);
  assert.equal(r.status, 200);
  // Without words, relevance is the top list.
  assert.equal((await alice.api('GET', '/api/v1/ideas?sort=relevance')).status, 200);

  const page = await alice.page(`/?q=${word.toUpperCase()}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /aria-current="page">Best match</);
  assert.ok(page.text.includes(`Intraday <mark>${word}</mark> statements`), 'the title, marked');
  assert.ok(page.text.includes(`the <mark>${word}</mark> format`), 'the passage of the description');
  assert.ok(page.text.indexOf(`Intraday <mark>${word}`) < page.text.indexOf(`Reporting wish ${tag}`));
  // Marking escapes what it shows.
  const x = await propose(carol, { title: `<b>${tag}</b> & more`, body: 'x' });
  const esc = await alice.page(`/?q=${tag}&sort=new`);
  assert.ok(esc.text.includes(`&lt;b&gt;<mark>${tag}</mark>&lt;/b&gt; &amp; more`), 'escaped around the mark');
  assert.ok(x.id);
  // Without a search, no "Best match" tab.
  assert.doesNotMatch((await alice.page('/')).text, />Best match</);
});

test('pages: the list, an idea and the new-idea form render; forms work without JavaScript', async () => {
  const list = await alice.page('/');
  assert.equal(list.status, 200);
  assert.match(list.text, /<h1/);
  const csrf = formCsrf(list.text);
  const title = unique('Digital bank guarantees with e-signature');
  // First submit: similar ideas are offered (there is one with this title).
  await propose(bob, { title, area: 'trade-finance' });
  let r = await alice.form('/ideas/new', { csrf_token: csrf, title, area: 'trade-finance', body: 'Line one\nLine two' });
  assert.equal(r.status, 200);
  assert.ok(r.text.includes(title));
  assert.match(r.text, /name="confirm"/);
  assert.ok(r.text.includes('Line one\nLine two'), 'the body is kept, newlines too');
  const before = count('ideas');
  r = await alice.form('/ideas/new', { csrf_token: csrf, title, area: 'trade-finance', body: 'Line one\nLine two', confirm: '1' });
  assert.equal(r.status, 303);
  assert.equal(count('ideas'), before + 1);
  const url = r.headers.get('location');
  const id = url.split('/').pop();
  assert.equal(sqlValue(`SELECT body = E'Line one\\nLine two' FROM ideas WHERE id = ${id}`), 't');
  const page = await bob.page(url);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(title));
  // Vote by form, back to the page.
  r = await bob.form(`${url}/vote`, { csrf_token: formCsrf(page.text), action: 'cast', back: url });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), url);
  assert.equal(sqlValue(`SELECT vote_count FROM ideas WHERE id = ${id}`), '2', 'alice\'s own vote and bob\'s');
  // Comment by form; a bad one keeps the text and names the field.
  r = await bob.form(`${url}/comments`, { csrf_token: formCsrf(page.text), body: 'A comment\nwith two lines' });
  assert.equal(r.status, 303);
  r = await bob.form(`${url}/comments`, { csrf_token: formCsrf(page.text), body: 'q'.repeat(5001) });
  assert.equal(r.status, 422);
  // A bad title keeps what was typed.
  r = await alice.form('/ideas/new', { csrf_token: csrf, title: 'abc', area: 'fx', body: 'Kept <b>body</b>' });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('Kept &lt;b&gt;body&lt;/b&gt;'));
});

// The statements the app sends (a database function it calls, such as
// vote_cast or trending_age, is one statement however much it does).
test('the list page and the idea page use at most 3 SQL statements each', async () => {
  const idea = await propose(alice);
  await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'one' });
  await bob.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'two' });
  for (const path of ['/', '/?sort=trending', `/ideas/${idea.id}`, '/api/v1/ideas', `/api/v1/ideas/${idea.id}`]) {
    sql('SELECT pg_stat_statements_reset()');
    const r = await alice.page(path);
    assert.equal(r.status, 200, path);
    const n = Number(sqlValue("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE toplevel AND query NOT ILIKE '%pg_stat_statements%' AND userid = (SELECT oid FROM pg_roles WHERE rolname = 'drive')"));
    assert.ok(n >= 1 && n <= 3, `${path}: ${n} statements`);
  }
});

// Every wrong field at once: the API names each in error.fields (the
// first also as error.field), a page shows each error next to its field
// and keeps what was typed; nothing is stored.
test('proposing and editing: every wrong field is named at once', async () => {
  const before = ideaCounts();
  let r = await alice.api('POST', '/api/v1/ideas', { title: 'abc', body: 'y'.repeat(10001), area: 'x' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'title');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['area', 'body', 'title']);
  assert.equal(r.json.error.fields.title, 'Enter a title of 5 to 120 characters.');
  assert.equal(r.json.error.fields.body, 'The description can have at most 10,000 characters.');
  assert.equal(r.json.error.fields.area, 'Choose one of the product areas.');
  r = await alice.api('POST', '/api/v1/ideas', { title: 7, body: ['no'] });
  assert.equal(r.status, 422);
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['area', 'body', 'title']);
  assert.deepEqual(ideaCounts(), before);

  const page = await alice.page('/ideas/new');
  const csrf = formCsrf(page.text);
  r = await alice.form('/ideas/new', { csrf_token: csrf, title: 'abc', area: '', body: 'Kept <i>text</i>\nline two' });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="title-error"[^>]*>.*Enter a title of 5 to 120 characters\./);
  assert.match(r.text, /id="area-error"[^>]*>.*Choose one of the product areas\./);
  assert.doesNotMatch(r.text, /id="body-error"/);
  assert.match(r.text, /name="title"[^>]*value="abc"/);
  assert.ok(r.text.includes('Kept &lt;i&gt;text&lt;/i&gt;\nline two</textarea>'), 'the body is kept');
  // An area that is not one any more: the form again, the rest kept.
  const title = unique('Retired area proposal');
  r = await alice.form('/ideas/new', { csrf_token: csrf, title, area: 'no-such-area', body: 'b', confirm: '1' });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="area-error"/);
  assert.ok(r.text.includes(`value="${title}"`));
  assert.deepEqual(ideaCounts(), before);

  const idea = await propose(alice, { area: 'fx' });
  const edit = await alice.page(`/ideas/${idea.id}/edit`);
  assert.equal(edit.status, 200);
  assert.match(edit.text, /<option value="fx" selected>/);
  r = await alice.form(`/ideas/${idea.id}/edit`, { csrf_token: formCsrf(edit.text), title: 'no', area: 'trade-finance', body: 'z'.repeat(10001) });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="title-error"/);
  assert.match(r.text, /id="body-error"/);
  assert.doesNotMatch(r.text, /id="area-error"/);
  assert.match(r.text, /name="title"[^>]*value="no"/);
  assert.match(r.text, /<option value="trade-finance" selected>/, 'the area chosen is kept');
  const patch = await alice.api('PATCH', `/api/v1/ideas/${idea.id}`, { title: 'no', area: 'x' });
  assert.equal(patch.status, 422);
  assert.deepEqual(Object.keys(patch.json.error.fields).sort(), ['area', 'title']);
  assert.equal(sqlValue(`SELECT title FROM ideas WHERE id = ${idea.id}`), idea.title);
  // Someone else's idea: 403 before any field is looked at again.
  r = await bob.form(`/ideas/${idea.id}/edit`, { csrf_token: formCsrf((await bob.page('/')).text), title: 'no' });
  assert.equal(r.status, 403);
  assert.equal(sqlValue(`SELECT title FROM ideas WHERE id = ${idea.id}`), idea.title);
  assert.deepEqual(ideaCounts(), { ...before, ideas: before.ideas + 1, votes: before.votes + 1 });
});

// The times an answer carries are PostgreSQL's, in UTC, to the second
// (written by hand in http_out.c since the callgrind profile of
// 2026-12-07, no longer by strftime); a date before 1000 keeps four digits;
// a fraction of a second is cut, not rounded.
test('times: ISO 8601 in UTC as PostgreSQL has them, the page says how long ago', async () => {
  const idea = await propose(alice);
  sql(`UPDATE ideas SET created_at = '0987-03-04 05:06:07+00' WHERE id = ${idea.id}`);
  const iso = (id) => sqlValue(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM ideas WHERE id = ${id}`);
  let r = await alice.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.created_at, '0987-03-04T05:06:07Z');
  assert.equal(r.json.created_at, iso(idea.id));
  // A time past the half second is that second, as to_char() has it, not
  // the next (extract(epoch)::bigint rounded it up until 2026-12-07).
  sql(`UPDATE ideas SET created_at = '2026-01-02 03:04:05.7+00' WHERE id = ${idea.id}`);
  r = await alice.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.created_at, '2026-01-02T03:04:05Z');
  sql(`UPDATE ideas SET created_at = now() - interval '3 days 2 hours' WHERE id = ${idea.id}`);
  r = await alice.api('GET', `/api/v1/ideas/${idea.id}`);
  assert.equal(r.json.created_at, iso(idea.id));
  assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const page = await alice.page(`/ideas/${idea.id}`);
  assert.match(page.text, /3 days ago/);
});

// GET /api/v1/ideas is written from the rows without a jansson tree
// (README, "Instructions per request"): each entry has the fields, order
// and values of the idea's own answer, the bytes are compact JSON, and
// what needs escaping (quotes, backslashes, tabs, line breaks) comes back
// as it was stored.  Staff see how many organisations; clients never do.
test('the list API: the same fields, order and bytes as the idea itself, escaping included', async () => {
  const tag = unique('esc').replace('-', '');
  const made = [
    await propose(alice, { title: `Quote "${tag}" and back\\slash`, body: `Tab\there,\nline two \\ "quoted" ${tag} Zahlungsverkehr äöü € 😀 </script>` }),
    await propose(bob, { title: `Private ${tag} über`, body: `Only ours ${tag}.`, audience: 'organization' }),
    await propose(carol, { title: `Plain ${tag}`, body: `Nothing special ${tag}.` }),
  ];
  await bob.api('POST', `/api/v1/ideas/${made[0].id}/vote`);
  const order = ['id', 'title', 'area', 'status', 'author', 'vote_count', 'voted', 'comment_count',
    'body', 'created_at', 'updated_at', 'audience'];
  for (const [who, staff] of [[alice, false], [pm, true]]) {
    const r = await who.api('GET', `/api/v1/ideas?q=${tag}&sort=new`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.text, JSON.stringify(JSON.parse(r.text)), 'compact JSON');
    assert.deepEqual(Object.keys(r.json), ['ideas', 'next_cursor']);
    assert.equal(r.json.next_cursor, null);
    assert.deepEqual(r.json.ideas.map((i) => i.id), made.map((i) => i.id).reverse());
    for (const entry of r.json.ideas) {
      const one = (await who.api('GET', `/api/v1/ideas/${entry.id}`)).json;
      const want = staff ? [...order, 'organization_count'] : order;
      assert.deepEqual(Object.keys(entry), want);
      for (const k of want) assert.deepEqual(entry[k], one[k], `${k} of ${entry.id}`);
    }
    assert.equal(r.json.ideas[2].title, `Quote "${tag}" and back\\slash`);
    assert.equal(r.json.ideas[2].body, made[0].body);
    assert.match(r.json.ideas[2].body, /^Tab\there,\nline two \\ "quoted"/);
    assert.equal(r.json.ideas[1].audience, 'organization');
    assert.equal(r.json.ideas[2].voted, who === alice);
  }
  // A page that is not the last names the next one, which continues.
  const many = await alice.api('GET', '/api/v1/ideas?sort=new');
  assert.equal(many.json.ideas.length, 20);
  assert.match(many.json.next_cursor, /^0\.\d+$/);
  const next = await alice.api('GET', `/api/v1/ideas?sort=new&cursor=${many.json.next_cursor}`);
  assert.equal(next.status, 200);
  assert.ok(next.json.ideas[0].id < many.json.ideas[19].id);
});
