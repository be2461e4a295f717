// One round trip a page (issue 18): every worker keeps the product areas
// (with the statuses) in memory, so the list, the idea forms, the triage
// desk and /api/v1/areas send no statement for them.  A change to an area
// (any statement on the table, an admin's or a manual one) moves
// catalog_version; the session's lookup brings the stamp, so the change
// shows on every worker with the next signed-in request, in both
// languages.  Statements counted with pg_stat_statements.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { person, sql, sqlValue, unique } from '../lib/drive.mjs';

const admin = await person('admin');
const pm = await person('pm');
const client = await person('client');
const clientDe = await person('client');
sql(`UPDATE users SET lang = 'de' WHERE id = ${clientDe.id}`);

const slug = unique('catalog').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 30);
const made = await admin.api('POST', '/api/v1/areas', { slug, name_en: 'Catalog Treasury', name_de: 'Katalog Treasury' });
assert.equal(made.status, 201, made.text);
after(async () => {
  await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'retire' });
});

// The area options of a page: [[value, label], ...].
function options(html) {
  return [...html.matchAll(/<option value="([a-z0-9-]+)"[^>]*>([^<]*)<\/option>/g)].map((m) => [m[1], m[2]]);
}
const label = (html) => options(html).find(([v]) => v === slug)?.[1];

// Many at once: new connections, spread over the workers.
async function everywhere(c, path, n = 24) {
  return Promise.all(Array.from({ length: n }, () => c.page(path)));
}

// What the portal's role ran since the reset: calls by statement.
function statements() {
  return sql(`SELECT s.calls, regexp_replace(s.query, '\\s+', ' ', 'g') FROM pg_stat_statements s
    JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'drive' AND s.toplevel`)
    .map(([calls, query]) => ({ calls: Number(calls), query }));
}

test('the list, the idea form, the triage desk and /api/v1/areas send no statement for the areas', async () => {
  // Every worker has its copy once the stamp is seen.
  await everywhere(client, '/');
  await everywhere(pm, '/triage', 8);
  sql('SELECT pg_stat_statements_reset()');
  const pages = [...await everywhere(client, '/', 10), ...await everywhere(client, '/ideas/new', 10),
    ...await everywhere(pm, '/triage', 5)];
  const api = await Promise.all(Array.from({ length: 10 }, () => client.api('GET', '/api/v1/areas')));
  assert.deepEqual([...new Set([...pages, ...api].map((r) => r.status))], [200]);
  for (const p of pages) assert.equal(label(p.text), 'Catalog Treasury');
  for (const a of api) assert.ok(a.json.areas.some((x) => x.slug === slug && x.name === 'Catalog Treasury'));
  const s = statements();
  const areas = s.filter((x) => /FROM areas\b/.test(x.query) && !/JOIN areas a ON a\.id = i\.area_id/.test(x.query));
  assert.deepEqual(areas, [], 'no statement reads the areas');
  // One session lookup a request, and no load of the catalog (nothing
  // changed): 35 requests, 35 lookups.
  const calls = (re) => s.filter((x) => re.test(x.query)).reduce((n, x) => n + x.calls, 0);
  assert.equal(calls(/FROM sessions s.*catalog_version/), 35, JSON.stringify(s));
  assert.equal(calls(/UNION ALL SELECT 'a', a\.slug/), 0, 'the catalog was not loaded again');
});

test('a renamed area shows on every worker with the next request, in both languages; a retired one leaves the forms', async () => {
  const before = Number(sqlValue('SELECT version FROM catalog_version'));
  const r = await admin.api('PATCH', `/api/v1/areas/${made.json.id}`,
    { action: 'rename', name_en: 'Catalog Liquidity', name_de: 'Katalog Liquidität' });
  assert.equal(r.status, 200, r.text);
  assert.ok(Number(sqlValue('SELECT version FROM catalog_version')) > before, 'the stamp moved');
  for (const p of await everywhere(client, '/')) assert.equal(label(p.text), 'Catalog Liquidity');
  for (const p of await everywhere(clientDe, '/ideas/new')) assert.equal(label(p.text), 'Katalog Liquidität');

  // A change by hand (not through the portal) moves the stamp too.
  sql(`UPDATE areas SET name_en = 'Catalog Cash' WHERE slug = '${slug}'`);
  for (const p of await everywhere(client, '/ideas/new')) assert.equal(label(p.text), 'Catalog Cash');

  assert.equal((await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'retire' })).status, 200);
  for (const p of await everywhere(client, '/ideas/new')) assert.equal(label(p.text), undefined);
  for (const p of await everywhere(client, '/')) assert.equal(label(p.text), undefined);
  assert.ok(!(await client.api('GET', '/api/v1/areas')).json.areas.some((a) => a.slug === slug));
  // The desk still offers it: its ideas may still wait.
  for (const p of await everywhere(pm, '/triage', 6)) assert.equal(label(p.text), 'Catalog Cash');
  const filtered = await client.page(`/?area=${slug}`);
  assert.equal(filtered.status, 400, 'a retired area is not a filter of the list');
  assert.equal((await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'restore' })).status, 200);
  for (const p of await everywhere(client, '/')) assert.equal(label(p.text), 'Catalog Cash');
});
