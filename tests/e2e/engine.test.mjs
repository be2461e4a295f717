// The request engine (app/request.c) for every handler alike: the route
// table's path parameters, refusals from the database through the
// handler's table, and field errors rendered by the engine: the API's 422
// names every field, a page shows its form again with the error next to
// the field and the text kept.  Nothing refused changes a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, Client, sql, sqlValue, count, unique, snapshot } from '../lib/drive.mjs';

const client = await person('client');
const idea = (await client.api('POST', '/api/v1/ideas',
  { title: unique('Engine idea'), body: 'Body of the engine idea.', area: 'cash-management' })).json;
assert.ok(idea && idea.id, 'an idea to work on');

test('a path parameter is the route\'s: ids of digits only, anything else no route', async () => {
  for (const p of [`/ideas/${idea.id}x`, '/ideas/-1', `/ideas/${idea.id}/`, '/ideas/1e3',
    '/ideas/99999999999999999999', `/api/v1/ideas/${idea.id}/vote/extra`]) {
    const r = await client.fetch(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.headers.get('allow'), null, `${p}: a 404, not a 405`);
  }
  const zero = await client.api('POST', '/api/v1/ideas/0/vote');
  assert.equal(zero.status, 404);
  assert.equal(zero.json.error.code, 'not_found');
});

test('a refusal from the database goes through the handler\'s table', async () => {
  const before = count('votes');
  const r = await client.api('POST', '/api/v1/ideas/999999999/vote');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  sql(`UPDATE ideas SET status = 'released' WHERE id = ${idea.id}`);
  try {
    const frozen = await client.api('POST', `/api/v1/ideas/${idea.id}/vote`);
    assert.equal(frozen.status, 409);
    assert.equal(frozen.json.error.code, 'votes_frozen');
  } finally {
    sql(`UPDATE ideas SET status = 'new' WHERE id = ${idea.id}`);
  }
  assert.equal(count('votes'), before);
});

test('the API: a 422 names the wrong field, nothing is written', async () => {
  const before = { ...snapshot(), comments: count('comments') };
  const r = await client.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: '   ' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'invalid');
  assert.equal(r.json.error.field, 'body');
  assert.deepEqual(Object.keys(r.json.error.fields), ['body']);
  assert.equal(r.json.error.fields.body, r.json.error.message);
  assert.deepEqual({ ...snapshot(), comments: count('comments') }, before);
});

test('a page: the form again, the error next to its field, the text kept', async () => {
  const before = count('comments');
  const page = await client.page(`/ideas/${idea.id}`);
  const csrf = page.text.match(/name="csrf_token" value="([0-9a-f]{64})"/)[1];
  const long = 'x'.repeat(5001);
  const r = await client.form(`/ideas/${idea.id}/comments`, { csrf_token: csrf, body: long });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="comment-body-error"/);
  assert.match(r.text, /<textarea id="comment-body"[^>]*aria-invalid="true"[^>]*>x{5001}<\/textarea>/);
  assert.equal(count('comments'), before);
});

test('a form without its form field: 422 on the error page, nothing written', async () => {
  const page = await client.page(`/ideas/${idea.id}`);
  const csrf = page.text.match(/name="csrf_token" value="([0-9a-f]{64})"/)[1];
  const before = count('votes');
  const r = await client.form(`/ideas/${idea.id}/vote`, { csrf_token: csrf, action: 'maybe' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<html[^>]*>[\s\S]*422/);
  assert.equal(count('votes'), before);
  const anon = new Client();
  const a = await anon.form(`/ideas/${idea.id}/vote`, { action: 'cast' });
  assert.equal(a.status, 303, 'who may comes before what was sent');
  assert.equal(a.headers.get('location'), '/login');
});

test('a comment edited with an empty text: the edit form again with the error, the old text unchanged', async () => {
  const c = await client.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'First words.' });
  assert.equal(c.status, 201);
  const page = await client.page(`/comments/${c.json.id}/edit`);
  assert.equal(page.status, 200);
  const csrf = page.text.match(/name="csrf_token" value="([0-9a-f]{64})"/)[1];
  const r = await client.form(`/comments/${c.json.id}/edit`, { csrf_token: csrf, body: '' });
  assert.equal(r.status, 422);
  assert.match(r.text, /aria-invalid="true"/);
  assert.equal(sqlValue(`SELECT body FROM comments WHERE id = ${c.json.id}`), 'First words.');
});
