// One round trip a page (issue 18): a signed-in list page, /api/v1/ideas,
// an idea's page and its API answer send one statement to PostgreSQL,
// which carries the session's lookup (the page's statement folded with
// it, app/session.c and app/db.c).  What sessions promise holds: a
// signed-out or expired cookie, a deactivated person, a second factor
// still to set up are turned away as before, and what each person may
// see is decided in the same statement by who the session is.
// Statements counted with pg_stat_statements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, person, sql, sqlValue, unique, PASSWORD } from '../lib/drive.mjs';

const client = await person('client', unique('Fold org'));
const other = await person('client', unique('Fold other'));
const pm = await person('pm');

const made = await client.api('POST', '/api/v1/ideas', { title: unique('Fold idea'), body: 'One round trip.', area: 'fx' });
assert.equal(made.status, 201, made.text);
const id = made.json.id;
const secret = await client.api('POST', '/api/v1/ideas',
  { title: unique('Fold private idea'), body: 'Ours only.', area: 'fx', audience: 'organization' });
assert.equal(secret.status, 201, secret.text);

function statements() {
  return sql(`SELECT s.calls, regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s
    JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'drive' AND s.toplevel`)
    .map(([calls, query]) => ({ calls: Number(calls), query }));
}

test('the list, /api/v1/ideas, an idea page and its API answer: one statement each, the session inside', async () => {
  const paths = ['/', '/?sort=new', '/?sort=trending', '/?status=new&area=fx', '/api/v1/ideas', `/ideas/${id}`,
    `/api/v1/ideas/${id}`];
  for (const p of paths) assert.equal((await client.fetch(p)).status, 200, p);
  sql('SELECT pg_stat_statements_reset()');
  for (const p of paths) {
    for (let i = 0; i < 5; i++) {
      const r = await client.fetch(p);
      assert.equal(r.status, 200, p);
      await r.arrayBuffer();
    }
  }
  const s = statements();
  const n = (re) => s.filter((x) => re.test(x.query)).reduce((a, x) => a + x.calls, 0);
  const pages = paths.length * 5;
  assert.equal(n(/sess\.s_user_id/), pages, `one folded statement a request: ${JSON.stringify(s, null, 1)}`);
  assert.equal(n(/AS session_id/), 0, 'no lookup of its own');
  assert.equal(s.filter((x) => !/sess\.s_user_id/.test(x.query)).length, 0,
    `nothing else: ${JSON.stringify(s.filter((x) => !/sess\.s_user_id/.test(x.query)))}`);
});

// A client's own session, kept from before it ended.
async function freshClient() {
  const c = await person('client');
  const r = await c.fetch('/');
  assert.equal(r.status, 200);
  return c;
}

test('a folded page turns away what a session lookup alone turned away: signed out, idle, deactivated, second factor due', async () => {
  const signedOut = await freshClient();
  const kept = new Map(signedOut.cookies);
  assert.equal((await signedOut.api('DELETE', '/api/v1/session')).status, 200);
  signedOut.cookies = kept;
  let r = await signedOut.fetch('/?sort=new');
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/login/);
  assert.match(r.headers.get('set-cookie') || '', /drive_session=;/, 'the dead cookie is cleared');
  signedOut.cookies = kept;
  assert.equal((await signedOut.api('GET', '/api/v1/ideas')).status, 401);
  assert.equal((await signedOut.api('GET', `/api/v1/ideas/${id}`)).status, 401);

  const idle = await freshClient();
  sql(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_id = ${idle.id}`);
  r = await idle.fetch(`/ideas/${id}`);
  assert.equal(r.status, 303);
  assert.match(r.headers.get('location'), /^\/login/);

  const gone = await freshClient();
  sql(`UPDATE users SET active = false WHERE id = ${gone.id}`);
  assert.equal((await gone.api('GET', '/api/v1/ideas')).status, 401);
  assert.equal((await gone.fetch('/')).status, 303);

  const due = await freshClient();
  sql(`UPDATE second_factor_policy SET required = true WHERE role = 'client'`);
  try {
    r = await due.fetch('/');
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/profile/second-factor');
    const a = await due.api('GET', `/api/v1/ideas/${id}`);
    assert.equal(a.status, 403);
    assert.equal(a.json.error.code, 'second_factor_required');
  } finally {
    sql(`UPDATE second_factor_policy SET required = false WHERE role = 'client'`);
  }
  assert.equal((await due.fetch('/')).status, 200);
});

test('who may see an idea is the session in the same statement; no rows and unknown ideas as before', async () => {
  // The other organisation: the private idea does not exist.
  assert.equal((await other.fetch(`/ideas/${secret.json.id}`)).status, 404);
  assert.equal((await other.api('GET', `/api/v1/ideas/${secret.json.id}`)).status, 404);
  const list = await other.api('GET', '/api/v1/ideas?sort=new');
  assert.equal(list.status, 200);
  assert.ok(!list.json.ideas.some((i) => i.id === secret.json.id));
  assert.ok(list.json.ideas.some((i) => i.id === id));
  // Its own organisation sees it, the bank too.
  assert.equal((await client.api('GET', `/api/v1/ideas/${secret.json.id}`)).json.id, secret.json.id);
  assert.ok((await client.api('GET', '/api/v1/ideas?sort=new')).json.ideas.some((i) => i.id === secret.json.id));
  assert.equal((await pm.fetch(`/ideas/${secret.json.id}`)).status, 200);
  // No idea of that number; a filter with no idea in it.
  assert.equal((await client.fetch('/ideas/999999999')).status, 404);
  assert.equal((await client.api('GET', '/api/v1/ideas/999999999')).status, 404);
  const none = await other.api('GET', '/api/v1/ideas?show=mine');
  assert.equal(none.status, 200);
  assert.deepEqual(none.json.ideas, []);
  const page = await other.page('/?show=mine');
  assert.equal(page.status, 200);
});

test('a person whose language is not the browser\'s gets the page in theirs, in the same one statement', async () => {
  const de = await freshClient();
  sql(`UPDATE users SET lang = 'de' WHERE id = ${de.id}`);
  sql('SELECT pg_stat_statements_reset()');
  const r = await de.fetch('/?sort=new', { headers: { 'accept-language': 'en' } });
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /<html lang="de"/);
  assert.match(html, /Devisen/, 'the area in German');
  const s = statements();
  assert.deepEqual(s.map((x) => [x.calls, /sess\.s_user_id/.test(x.query)]), [[1, true]], JSON.stringify(s));
  const idea = await de.fetch(`/ideas/${id}`, { headers: { 'accept-language': 'en' } });
  assert.equal(idea.status, 200);
  const ideaHtml = await idea.text();
  assert.match(ideaHtml, /<html lang="de"/);
  assert.match(ideaHtml, /Devisen/);
});
