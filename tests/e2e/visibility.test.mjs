// Issue 16, part 1: per-idea visibility.  A client proposes an idea for
// "my organisation and the bank only"; to a client of another
// organisation it does not exist (404, absent from lists, search,
// similar ideas, the roadmap and every count), while the author's
// colleagues and the bank's staff see it.  A crawler signs in as a
// client of each organisation and walks every page it can reach
// (following every local link) and every API answer it can ask for, and
// the two walks are diffed: before the widening only the private idea's
// addresses differ; after its author accepts the bank's proposal to open
// it, nothing does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, unique, sql, sqlValue, count } from '../lib/drive.mjs';

const orgA = unique('Privatebank Treasury');
const a1 = await person('client', orgA);
const a2 = await person('client', orgA);
const b1 = await person('client');
const pm = await person('pm');
const pm2 = await person('pm');
const word = unique('zebrafund').replace(/[^a-z0-9]/gi, '');
const privTitle = `Netting ${word} across our cash pools`;

const propose = async (who, fields) => {
  const r = await who.api('POST', '/api/v1/ideas', { body: 'How our treasury runs.', area: 'fx', ...fields });
  assert.equal(r.status, 201, r.text);
  return r.json;
};

const priv = await propose(a1, { title: privTitle, audience: 'organization' });
const pub = await propose(a1, { title: `Open ${word} idea for everyone` });
await a2.api('POST', `/api/v1/ideas/${priv.id}/vote`);
const comment = await a2.api('POST', `/api/v1/ideas/${priv.id}/comments`, { body: `Our ${word} comment` });
assert.equal(comment.status, 201, comment.text);
sql(`UPDATE ideas SET status = 'planned' WHERE id = ${priv.id}`);

// Everything a person can reach: each page (GET, local links followed
// from the seeds, at most `limit`) and each API answer, by address, with
// its status and whether the private idea shows in it.
async function reach(who, limit = 150) {
  const seen = new Map();
  const shows = (text) => text.includes(privTitle) || text.includes(`/ideas/${priv.id}"`)
    || text.includes(`"id":${priv.id},`) || text.includes(`Our ${word} comment`);
  const api = ['/api/v1/ideas', '/api/v1/ideas?sort=new', '/api/v1/ideas?sort=trending',
    `/api/v1/ideas?q=${word}`, `/api/v1/ideas?q=${word}&sort=new`, `/api/v1/ideas?area=fx&sort=new`,
    `/api/v1/ideas?status=planned&sort=new`, `/api/v1/ideas/similar?title=${encodeURIComponent(privTitle)}`,
    `/api/v1/ideas/${priv.id}`, `/api/v1/ideas/${pub.id}`, '/api/v1/roadmap', '/api/v1/listening',
    '/api/v1/notifications', '/api/v1/areas', `/api/v1/ideas?show=commented&sort=new`];
  for (const p of api) {
    const r = await who.api('GET', p);
    assert.ok(r.status < 500, `${p}: ${r.status}`);
    seen.set(`API ${p}`, { status: r.status, shows: shows(r.text), text: r.text });
  }
  const queue = ['/', '/?sort=new', `/?q=${word}`, `/?q=${word}&sort=new`, '/?status=planned&sort=new',
    '/?area=fx&sort=new', '/roadmap', '/listening', '/notifications', `/ideas/${priv.id}`,
    `/ideas/${pub.id}`, `/ideas/${priv.id}/edit`, `/ideas/${priv.id}/voters`];
  let pages = 0;
  while (queue.length && pages < limit) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    pages += 1;
    const r = await who.page(path);
    assert.ok(r.status < 500, `${path}: ${r.status}`);
    seen.set(path, { status: r.status, shows: shows(r.text), text: r.text });
    for (const m of r.text.matchAll(/href="(\/[^"#]*)"/g)) {
      const link = m[1].replace(/&amp;/g, '&');
      if (!link.startsWith('/static/') && !link.startsWith('/logout') && !seen.has(link)) queue.push(link);
    }
  }
  return seen;
}

// What one walk reaches that the other does not: addresses answered 2xx
// for one and not the other, and answers that show the private idea.
function diff(x, y) {
  const out = [];
  for (const [k, v] of x) {
    const w = y.get(k);
    if (!w) continue;
    if ((v.status < 300) !== (w.status < 300)) out.push(`${k}: ${v.status} vs ${w.status}`);
    if (v.shows !== w.shows) out.push(`${k}: shows the private idea ${v.shows} vs ${w.shows}`);
  }
  return out.sort();
}

test('proposing: the audience is chosen, checked, and a refused one stores nothing', async () => {
  assert.equal(priv.audience, 'organization');
  assert.equal(pub.audience, 'all');
  assert.equal(sqlValue(`SELECT audience_org = (SELECT organization_id FROM users WHERE id = ${a1.id})
    FROM ideas WHERE id = ${priv.id}`), 't');
  const before = count('ideas');
  let r = await a1.api('POST', '/api/v1/ideas', { title: 'Neither one nor the other', area: 'fx', audience: 'friends' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'audience', r.text);
  r = await pm.api('POST', '/api/v1/ideas', { title: 'The bank keeps it to itself', area: 'fx', audience: 'organization' });
  assert.equal(r.status, 422, r.text);
  assert.match(r.text, /Only a client/);
  const form = await b1.page('/ideas/new');
  assert.match(form.text, /name="audience" type="radio" value="organization"/);
  assert.doesNotMatch((await pm.page('/ideas/new')).text, /name="audience"/, 'staff are not offered it');
  assert.equal(count('ideas'), before, 'nothing stored on refusal');
});

test('to a client of another organisation the private idea does not exist; to colleagues and staff it does', async () => {
  for (const p of [`/ideas/${priv.id}`, `/api/v1/ideas/${priv.id}`, `/ideas/${priv.id}/edit`]) {
    const r = await b1.page(p);
    assert.equal(r.status, 404, `${p} for another organisation`);
  }
  // A missing idea and a hidden one answer alike.
  const missing = await b1.api('GET', '/api/v1/ideas/999999999');
  const hidden = await b1.api('GET', `/api/v1/ideas/${priv.id}`);
  assert.deepEqual(hidden.json, missing.json);
  // Writes: refused as for a missing idea, and nothing changes.
  const rows = [count('votes'), count('comments'), count('notifications'), count('outbox')];
  assert.equal((await b1.api('POST', `/api/v1/ideas/${priv.id}/vote`)).status, 404);
  assert.equal((await b1.api('DELETE', `/api/v1/ideas/${priv.id}/vote`)).status, 404);
  assert.equal((await b1.api('POST', `/api/v1/ideas/${priv.id}/comments`, { body: 'hello' })).status, 404);
  assert.equal((await b1.api('PATCH', `/api/v1/ideas/${priv.id}`, { title: 'Mine now, surely' })).status, 404);
  assert.deepEqual([count('votes'), count('comments'), count('notifications'), count('outbox')], rows);

  for (const who of [a2, pm]) {
    const r = await who.api('GET', `/api/v1/ideas/${priv.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.audience, 'organization');
    assert.equal(r.json.comments.length, 1);
  }
  const page = await a2.page(`/ideas/${priv.id}`);
  assert.match(page.text, /badge-private">Your organisation and the bank</);
  assert.match((await pm.page(`/ideas/${priv.id}`)).text, /Propose opening it to all clients/);
  const search = await a2.api('GET', `/api/v1/ideas?q=${word}&sort=new`);
  assert.ok(search.json.ideas.some((i) => i.id === priv.id), 'colleagues find it');
  const similar = await a2.api('GET', `/api/v1/ideas/similar?title=${encodeURIComponent(privTitle)}`);
  assert.ok(JSON.stringify(similar.json).includes(privTitle), 'colleagues are shown it as similar');
});

test('the crawler: two organisations\' walks differ only by the private idea until its author opens it', async () => {
  const [wa, wb] = [await reach(a2), await reach(b1)];
  assert.ok(wb.size > 30, `walked ${wb.size}`);
  for (const [k, v] of wb) assert.ok(!v.shows, `${k} shows the private idea to another organisation`);
  assert.ok([...wa.values()].some((v) => v.shows), 'a colleague sees it');
  // Allowed: the colleague sees the private idea where the other does
  // not, and the private idea's own addresses answer one and not the
  // other.  Anything else is a leak or a difference nobody meant.
  const d = diff(wa, wb);
  for (const line of d) {
    assert.ok(line.endsWith('shows the private idea true vs false')
      || new RegExp(`ideas/${priv.id}(/|:|$)`).test(line), `an unexpected difference: ${line}`);
  }
  assert.ok(d.some((l) => l.startsWith(`/ideas/${priv.id}:`)), d.join('\n'));
  // The roadmap's and the scorecard's numbers are the same for both:
  // the scorecard counts open ideas only; the roadmap's totals per column
  // differ by the private idea.
  assert.equal(wa.get('API /api/v1/listening').text, wb.get('API /api/v1/listening').text);
  const roadA = JSON.parse(wa.get('API /api/v1/roadmap').text);
  const roadB = JSON.parse(wb.get('API /api/v1/roadmap').text);
  assert.equal(roadA.totals.planned, roadB.totals.planned + 1);

  // The bank proposes; a colleague cannot decide; the author declines.
  const auditBefore = Number(sqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'idea.audience%'"));
  let r = await pm.api('POST', `/api/v1/ideas/${priv.id}/audience/proposal`);
  assert.equal(r.status, 201, r.text);
  assert.equal((await pm2.api('POST', `/api/v1/ideas/${priv.id}/audience/proposal`)).status, 409);
  assert.equal((await pm.api('POST', `/api/v1/ideas/${pub.id}/audience/proposal`)).status, 422);
  assert.equal(sqlValue(`SELECT count(*) FROM notifications WHERE user_id = ${a1.id} AND kind = 'widen'`), '1');
  assert.match((await a1.page('/notifications')).text, /may be opened to all clients/);
  assert.match((await a1.page(`/ideas/${priv.id}`)).text, /Open this idea to all clients\?/);
  assert.doesNotMatch((await a2.page(`/ideas/${priv.id}`)).text, /Open this idea to all clients\?/);
  assert.equal((await a2.api('POST', `/api/v1/ideas/${priv.id}/audience`, { decision: 'accept' })).status, 403);
  assert.equal((await b1.api('POST', `/api/v1/ideas/${priv.id}/audience`, { decision: 'accept' })).status, 404);
  assert.equal((await a1.api('POST', `/api/v1/ideas/${priv.id}/audience`, { decision: 'maybe' })).status, 422);
  r = await a1.api('POST', `/api/v1/ideas/${priv.id}/audience`, { decision: 'decline' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.audience, 'organization');
  assert.equal((await b1.api('GET', `/api/v1/ideas/${priv.id}`)).status, 404, 'still private');
  assert.equal((await a1.api('POST', `/api/v1/ideas/${priv.id}/audience`, { decision: 'accept' })).status, 409,
    'no proposal awaits');

  // Proposed again, accepted through the page's form: open to all.
  assert.equal((await pm.api('POST', `/api/v1/ideas/${priv.id}/audience/proposal`)).status, 201);
  const page = await a1.page(`/ideas/${priv.id}`);
  const csrf = page.text.match(/name="csrf_token" value="([0-9a-f]{64})"/)[1];
  r = await a1.form(`/ideas/${priv.id}/audience`, { csrf_token: csrf, decision: 'accept' });
  assert.equal(r.status, 303, r.text);
  assert.equal(Number(sqlValue("SELECT count(*) FROM audit_log WHERE action LIKE 'idea.audience%'")), auditBefore + 4);
  assert.equal(sqlValue(`SELECT string_agg(action, ',' ORDER BY id) FROM (SELECT id, action FROM audit_log
    WHERE action LIKE 'idea.audience%' AND target = 'idea:${priv.id}' ORDER BY id) x`),
    'idea.audience_proposed,idea.audience_kept,idea.audience_proposed,idea.audience_widened');

  const after = diff(await reach(a2), await reach(b1));
  assert.deepEqual(after.filter((l) => l.includes(`ideas/${priv.id}`) || l.includes(word)), [],
    'once open, both reach the same');
  assert.equal((await b1.api('GET', `/api/v1/ideas/${priv.id}`)).json.audience, 'all');
});

test('a private idea merges only into one the same people see; the desk offers no other', async () => {
  const p2 = await propose(a1, { title: `Second ${word} private idea`, audience: 'organization' });
  const p3 = await propose(a2, { title: `Third ${word} private idea`, audience: 'organization' });
  const other = await propose(b1, { title: `Other ${word} private idea`, audience: 'organization' });
  const votes = count('votes');
  for (const into of [pub.id, other.id]) {
    const r = await pm.api('POST', `/api/v1/ideas/${p2.id}/merge`, { into });
    assert.equal(r.status, 422, r.text);
    assert.match(r.text, /same people can see/);
  }
  assert.equal((await pm.api('POST', `/api/v1/ideas/${pub.id}/merge`, { into: p2.id })).status, 422);
  assert.equal(count('votes'), votes, 'nothing moved');
  const find = await pm.page(`/ideas/${p2.id}/merge?q=${word}`);
  assert.ok(find.text.includes(`Third ${word} private idea`));
  assert.ok(!find.text.includes(`Other ${word} private idea`) && !find.text.includes(`Open ${word} idea`));
  const r = await pm.api('POST', `/api/v1/ideas/${p2.id}/merge`, { into: p3.id });
  assert.equal(r.status, 200, r.text);
});
