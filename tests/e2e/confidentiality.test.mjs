// A client must never learn which other companies bank here.  Clients of
// organisation B post, vote and comment; then a client of organisation A
// walks every page (following every link) and every API answer it can
// reach, including errors, and B's organisation name (a unique random
// string) and e-mail addresses appear nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, unique } from '../lib/drive.mjs';

test('a client never sees another client\'s organisation or e-mail', async () => {
  const orgB = unique('Secretbank Holding');
  const b1 = await person('client', orgB);
  const b2 = await person('client', orgB);
  const a = await person('client');
  const pm = await person('pm');

  const mine = await a.api('POST', '/api/v1/ideas', { title: 'Idea of organisation A here', body: 'from A', area: 'fx' });
  const clean = await b1.api('POST', '/api/v1/ideas', { title: 'Virtual accounts for every subsidiary', body: 'B wants this', area: 'cash-management' });
  assert.equal(clean.status, 201);
  for (const id of [mine.json.id, clean.json.id]) {
    await b1.api('POST', `/api/v1/ideas/${id}/vote`);
    await b2.api('POST', `/api/v1/ideas/${id}/vote`);
    await b2.api('POST', `/api/v1/ideas/${id}/comments`, { body: 'We at our company need this too.' });
  }
  await pm.api('POST', `/api/v1/ideas/${clean.json.id}/comments`, { body: 'We are looking into it.' });

  const secrets = [orgB, b1.email, b2.email];
  const seen = [];
  const check = (what, text, headers) => {
    seen.push(what);
    const all = text + JSON.stringify([...(headers || new Map()).entries()]);
    for (const s of secrets) {
      assert.ok(!all.includes(s), `${what} reveals ${s}`);
    }
  };

  // Every API answer A can reach, errors included.
  const api = [
    ['GET', '/api/v1/me'], ['GET', '/api/v1/areas'], ['GET', '/api/v1/notifications'],
    ['GET', '/api/v1/ideas'], ['GET', '/api/v1/ideas?sort=new'], ['GET', '/api/v1/ideas?sort=trending'],
    ['GET', '/api/v1/ideas?q=subsidiary'], ['GET', '/api/v1/ideas?cursor=bad'],
    ['GET', `/api/v1/ideas/${clean.json.id}`], ['GET', `/api/v1/ideas/${mine.json.id}`],
    ['GET', '/api/v1/ideas/similar?title=Virtual%20accounts%20for%20subsidiaries'],
    ['GET', `/api/v1/ideas/${clean.json.id}/voters`], ['GET', '/api/v1/invitations'],
    ['POST', `/api/v1/ideas/${clean.json.id}/vote`], ['DELETE', `/api/v1/ideas/${clean.json.id}/vote`],
    ['PATCH', `/api/v1/ideas/${clean.json.id}`, { title: 'Trying to edit theirs' }],
    ['POST', `/api/v1/ideas/${clean.json.id}/comments`, { body: 'A comments' }],
    ['GET', '/api/v1/nothing'],
  ];
  for (const [m, p, body] of api) {
    const r = await a.api(m, p, body);
    assert.ok(r.status < 500, `${m} ${p}: ${r.status}`);
    check(`${m} ${p}`, r.text, r.headers);
  }

  // Every page, following every local link (GET only) from the start page.
  const queue = ['/', '/?sort=new', '/?sort=trending', `/ideas/${clean.json.id}`,
    `/ideas/${clean.json.id}/edit`, '/ideas/new', '/admin/invitations', '/nothing'];
  const visited = new Set();
  while (queue.length && visited.size < 120) {
    const path = queue.shift();
    if (visited.has(path)) continue;
    visited.add(path);
    const r = await a.page(path);
    assert.ok(r.status < 500, `${path}: ${r.status}`);
    check(path, r.text, r.headers);
    for (const m of r.text.matchAll(/href="(\/[^"#]*)"/g)) {
      const link = m[1].replace(/&amp;/g, '&');
      if (!link.startsWith('/static/') && !visited.has(link)) queue.push(link);
    }
  }
  assert.ok(visited.size >= 10, `walked ${visited.size} pages`);
  assert.ok(seen.length > 25);

  // Staff may see organisation counts, but that is a number, not a name.
  const staff = await pm.api('GET', `/api/v1/ideas/${clean.json.id}`);
  assert.equal(staff.json.organization_count, 1);
});
