// A notification about a merge says where the idea went, in the API as on
// the page: the original's id and title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, respond, unique } from '../lib/drive.mjs';

const author = await person('client');
const voter = await person('client');
const pm = await person('pm');
const pm2 = await person('pm');

async function propose(c, title) {
  const r = await c.api('POST', '/api/v1/ideas', { title, body: 'Please.', area: 'cash-management' });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

test('a merge notification names the original, in the API and on the page', async () => {
  const original = await propose(pm, `${unique('Netting')} & "pooling" <sweeps>`);
  const dup = await propose(author, unique('Cash pooling twice'));
  assert.equal((await voter.api('POST', `/api/v1/ideas/${dup.id}/vote`)).status, 200);
  const m = await pm.api('POST', `/api/v1/ideas/${dup.id}/merge`, { into: original.id });
  assert.equal(m.status, 200, m.text);

  for (const c of [author, voter]) {
    const r = await c.api('GET', '/api/v1/notifications');
    assert.equal(r.status, 200);
    const n = r.json.notifications.find((x) => x.kind === 'merged' && x.idea.id === dup.id);
    assert.ok(n, JSON.stringify(r.json));
    assert.deepEqual(n.idea, { id: dup.id, title: dup.title });
    assert.deepEqual(n.into, { id: original.id, title: original.title });

    const page = await c.page('/notifications');
    assert.equal(page.status, 200);
    const item = page.text.split('<li').find((li) => li.includes(dup.title));
    assert.ok(item, 'the page lists the merge');
    // Opened, it leads to the original (and is read).
    assert.ok(item.includes(`href="/notifications/${n.id}"`), 'links through the notification');
    const go = await c.page(`/notifications/${n.id}`);
    assert.equal(go.headers.get('location'), `/ideas/${original.id}`, 'to the original');
    const escaped = original.title.replace(/&/g, '&amp;').replace(/"/g, '&quot;')
      .replace(/</g, '&lt;').replace(/>/g, '&gt;');
    assert.ok(item.includes(escaped), `names the original: ${item}`);
  }
});

test('other notifications carry no "into"', async () => {
  const idea = await propose(author, unique('Status change'));
  const r = await respond(pm, pm2, idea.id, 'planned', 'Planned.');
  assert.equal(r.status, 200, r.text);
  const n = (await author.api('GET', '/api/v1/notifications')).json.notifications
    .find((x) => x.kind === 'status' && x.idea.id === idea.id);
  assert.ok(n);
  assert.equal(n.into, undefined);
});
