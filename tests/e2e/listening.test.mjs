// The listening scorecard (issue 16, part 4): /listening and
// /api/v1/listening against a recount done here.  A product area of this
// test's own holds ideas with controlled times (created, answered,
// released, merged), whose numbers are known in advance; every area and
// the total are recounted from the raw tables (ideas, responses) in
// JavaScript.  A client sees no organisation and no person; anonymous
// callers are sent to sign in (401 in the API); the page speaks German.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, Client, sql, sqlValue, unique } from '../lib/drive.mjs';

const org = unique('Listening Org');
const client = await person('client', org);
const other = await person('client');
const pm = await person('pm');
// Approves pm's commitments (four eyes): a first answer counts from then.
const pm2 = await person('pm');

const DAY = 86400;
const slug = `ls-${unique('a').slice(2)}`.toLowerCase();
const areaEn = `Listening Area ${slug}`;
const areaDe = `Zuhörbereich ${slug}`;
sql(`INSERT INTO areas (slug, name_en, name_de, position)
     VALUES ('${slug}', '${areaEn}', '${areaDe}', 90)`);

// T, the moment the test's times are counted from (seconds).
const T = Date.now() / 1000;
const at = (s) => `to_timestamp(${s})`;

function idea(title, author = client) {
  return Number(sqlValue(`SELECT idea_create(${author.id}, '${slug}', '${title} ${unique('t')}', 'Please.')`));
}

// An official response (as the desk gives it; a commitment approved by
// a second pm), then moved to time s.
function respond(id, status, s) {
  let [rid, state] = sql(`SELECT response_id, state FROM response_create(${id}, ${pm.id}, '${status}', 'Answer.', NULL)`)[0];
  if (state === 'pending_approval') rid = sqlValue(`SELECT response_id FROM response_approve(${rid}, NULL, ${pm2.id}, NULL)`);
  if (s !== undefined) sql(`UPDATE responses SET created_at = ${at(s)} WHERE id = ${rid}`);
}

// An idea created `age` days before T, first answered `wait` days after
// that (or never); its later responses keep their own times.
function made(key, age, wait, statuses = ['under_review']) {
  const id = idea(`Listening ${key}`);
  const created = T - age * DAY;
  if (wait !== null) {
    respond(id, statuses[0], created + wait * DAY);
    for (const st of statuses.slice(1)) respond(id, st);
  }
  sql(`UPDATE ideas SET created_at = ${at(created)},
       first_response_at = ${wait === null ? 'NULL' : at(created + wait * DAY)} WHERE id = ${id}`);
  return { id, created, answered: wait === null ? null : created + wait * DAY };
}

const ideas = {
  a: made('A on time', 30, 2),
  b: made('B late', 40, 20),
  c: made('C waiting', 20, null),
  d: made('D too new', 5, null),
  e: made('E new, answered', 3, 1),
  f: made('F too old', 400, 3),
  // Old enough by an hour, answered after exactly 14 days: on time.
  h: made('H on the line', 14 + 1 / 24, 14),
  // Planned after 5 days, released now (this quarter).
  r: made('R released now', 60, 5, ['planned', 'released']),
  // Released as its first answer, 190 days ago (an earlier quarter).
  r2: made('R2 released before', 200, 10, ['released']),
  // Released this quarter, then back in progress: not released.
  r3: made('R3 back in progress', 50, 4, ['under_review', 'released', 'in_progress']),
};
// G: merged into A a day after it came; counts nowhere.
const g = idea('Listening G duplicate', other);
sql(`SELECT idea_merge(${g}, ${ideas.a.id}, ${pm.id}, NULL)`);
sql(`UPDATE ideas SET created_at = ${at(T - 30 * DAY)}, first_response_at = ${at(T - 29 * DAY)} WHERE id = ${g}`);
sql(`UPDATE responses SET created_at = ${at(T - 29 * DAY)} WHERE idea_id = ${g}`);

// The calendar quarter of T in UTC, counted here without SQL.
function quarterStart(s) {
  const d = new Date(s * 1000);
  return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1) / 1000;
}
const Q = quarterStart(T);

// percentile_cont(0.5): the middle value, or halfway between the two.
function median(v) {
  if (v.length === 0) return null;
  const s = [...v].sort((x, y) => x - y);
  const p = (s.length - 1) / 2;
  const lo = Math.floor(p);
  return s[lo] + (s[Math.ceil(p)] - s[lo]) * (p - lo);
}

// The recount: from the raw rows, by the definitions in README.
function recount(rows, now) {
  const due = rows.filter((x) => x.created <= now - 14 * DAY && x.created > now - 365 * DAY);
  const onTime = due.filter((x) => x.first !== null && x.first - x.created <= 14 * DAY);
  const waits = rows.filter((x) => x.first !== null && x.first > now - 365 * DAY).map((x) => x.first - x.created);
  const m = median(waits);
  return {
    answered_within_14_days: {
      ideas: due.length,
      answered: onTime.length,
      share_percent: due.length ? Math.round((100 * onTime.length) / due.length) : null,
    },
    median_seconds_to_first_answer: m === null ? null : Math.round(m),
    answered_this_quarter: rows.filter((x) => x.first !== null && x.first >= Q).length,
    released_this_quarter: rows.filter((x) => x.status === 'released' && x.releases.some((t) => t >= Q)).length,
  };
}

// Every idea not merged, with the time of its first answer and its
// releases.  The first answer is first_response_at, as README defines it
// (other suites set it without a response, as a shortcut); the known
// area above checks it against the responses' own times.
function rawRows() {
  return sql(`SELECT a.slug, extract(epoch FROM i.created_at), i.status,
      extract(epoch FROM i.first_response_at),
      (SELECT string_agg(extract(epoch FROM r.created_at)::text, ',') FROM responses r
        WHERE r.idea_id = i.id AND r.to_status = 'released')
    FROM ideas i JOIN areas a ON a.id = i.area_id WHERE i.duplicate_of IS NULL`)
    .map(([area, created, status, first, rel]) => ({
      area, created: Number(created), status, first: first === '' ? null : Number(first),
      releases: rel ? rel.split(',').map(Number) : [],
    }));
}

function close(actual, expected, what) {
  const m = actual.median_seconds_to_first_answer;
  const e = expected.median_seconds_to_first_answer;
  // Rounding to seconds, from microseconds, may differ by one.
  if (m !== null && e !== null) assert.ok(Math.abs(m - e) <= 1, `${what}: median ${m} against ${e}`);
  else assert.equal(m, e, `${what}: median`);
  assert.deepEqual({ ...actual, median_seconds_to_first_answer: 0, area: undefined, name: undefined },
    { ...expected, median_seconds_to_first_answer: 0, area: undefined, name: undefined }, what);
}

test('the scorecard of an area with known ideas: each number as defined', async () => {
  const r = await client.api('GET', '/api/v1/listening');
  assert.equal(r.status, 200, r.text);
  // The first answer the scorecard reads (first_response_at) is the time
  // of the first official response, as the desk writes them.
  assert.equal(sqlValue(`SELECT count(*) FROM ideas i JOIN areas a ON a.id = i.area_id
    WHERE a.slug = '${slug}' AND i.status <> 'duplicate' AND i.first_response_at IS DISTINCT FROM
    (SELECT min(r.created_at) FROM responses r WHERE r.idea_id = i.id AND r.kind = 'response')`), '0');
  const mine = r.json.areas.find((x) => x.area === slug);
  assert.ok(mine, 'the area is listed');
  assert.equal(mine.name, areaEn);
  // Due: A, B, C, H, R, R2, R3 (D and E are too new, F too old, G merged);
  // on time: A, H, R, R2, R3.
  assert.deepEqual(mine.answered_within_14_days, { ideas: 7, answered: 5, share_percent: 71 });
  // First answers in the last 365 days after 1, 2, 4, 5, 10, 14, 20 days.
  assert.equal(mine.median_seconds_to_first_answer, 5 * DAY);
  assert.equal(mine.released_this_quarter, 1, 'R only (R2 before, R3 not released now)');
  const answeredQ = Object.values(ideas).filter((x) => x.answered !== null && x.answered >= Q).length;
  assert.equal(mine.answered_this_quarter, answeredQ);
  // E and H were answered within the last day and a half: this quarter,
  // unless it began since.
  if (T - Q > 3 * DAY) assert.ok(answeredQ >= 2);

  const d = new Date(Q * 1000);
  assert.deepEqual(r.json.quarter, {
    number: Math.floor(d.getUTCMonth() / 3) + 1, year: d.getUTCFullYear(),
    start: d.toISOString().slice(0, 10),
    end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3, 0)).toISOString().slice(0, 10),
    time_zone: 'UTC',
  });
});

test('every area and the total against a recount from the raw tables', async () => {
  // The raw rows before and after the answer, the same (files run one at
  // a time, but nothing here depends on that).
  let r, rows, before;
  for (let i = 0; i < 5; i++) {
    const first = rawRows();
    before = Date.now() / 1000;
    r = await client.api('GET', '/api/v1/listening');
    assert.equal(r.status, 200);
    rows = rawRows();
    if (JSON.stringify(first) === JSON.stringify(rows)) break;
  }
  // The areas in use, and a retired one holding an idea that can count
  // (created or first answered in the last 365 days, released this quarter).
  const canCount = (x) => x.created > before - 365 * DAY || (x.first !== null && x.first > before - 365 * DAY)
    || (x.status === 'released' && x.releases.some((t) => t >= Q));
  const areas = sql('SELECT slug, retired_at IS NOT NULL FROM areas ORDER BY position, id')
    .filter(([a, retired]) => retired === 'f' || rows.some((x) => x.area === a && canCount(x)))
    .map((x) => x[0]);
  assert.deepEqual(r.json.areas.map((x) => x.area), areas, 'the areas listed, in their order');
  for (const a of r.json.areas) {
    close(a, recount(rows.filter((x) => x.area === a.area), before), `area ${a.area}`);
  }
  close(r.json.total, recount(rows, before), 'total');
  assert.ok(r.json.total.answered_within_14_days.ideas >= 7);
});

test('a retired area is listed while it holds ideas that count', async () => {
  const s = `ls-${unique('r').slice(2)}`.toLowerCase();
  sql(`INSERT INTO areas (slug, name_en, name_de, retired_at) VALUES ('${s}', 'Retired ${s}', 'Alt ${s}', now())`);
  let r = await client.api('GET', '/api/v1/listening');
  assert.ok(!r.json.areas.some((x) => x.area === s), 'retired and empty: not listed');
  // A new idea, unanswered: it changes no number, but it counts.
  const id = idea('Listening retired');
  sql(`UPDATE ideas SET area_id = (SELECT id FROM areas WHERE slug = '${s}') WHERE id = ${id}`);
  r = await client.api('GET', '/api/v1/listening');
  assert.ok(r.json.areas.some((x) => x.area === s), 'retired with an idea: listed');
  sql(`UPDATE ideas SET area_id = (SELECT id FROM areas WHERE slug = '${slug}') WHERE id = ${id}`);
});

test('a client sees numbers only: no organisation, no person', async () => {
  const api = await client.api('GET', '/api/v1/listening');
  const page = await client.page('/listening');
  assert.equal(page.status, 200);
  const orgs = sql('SELECT name FROM organizations').map((x) => x[0]);
  const people = sql('SELECT display_name FROM users').map((x) => x[0]);
  assert.ok(orgs.includes(org));
  for (const text of [api.text, page.text]) {
    for (const o of orgs) assert.ok(!text.includes(o), `organisation ${o} shown`);
    // The page's top bar names the person signed in, and no one else.
    for (const p of people) if (p !== client.name) assert.ok(!text.includes(p), `person ${p} shown`);
  }
  assert.ok(!api.text.includes(client.name));
  const keys = new Set();
  const walk = (o) => { if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) { keys.add(k); walk(v); } };
  walk(api.json);
  assert.deepEqual([...keys].filter((k) => /org|author|user|email|name_/.test(k)), []);
});

test('the page: every area as a row, the total, the definitions (English)', async () => {
  const page = await client.page('/listening');
  assert.equal(page.status, 200);
  const t = page.text;
  assert.match(t, /<title>Listening · Drive<\/title>/);
  const row = t.match(new RegExp(`<tr>\\s*<th scope="row" class="t-title">${areaEn}</th>[\\s\\S]*?</tr>`));
  assert.ok(row, 'the area has a row');
  assert.match(row[0], /71% <span class="ls-of">5 of 7 ideas<\/span>/);
  assert.match(row[0], /5\.0 days/);
  assert.match(row[0], /data-label="Released this quarter">1</);
  assert.match(t, /<tr class="ls-total">\s*<th scope="row" class="t-title">All product areas<\/th>/);
  assert.match(t, /Every idea counts except duplicates merged into another idea/);
  assert.match(t, /calendar quarter, UTC/);
  assert.match(t, /of the ideas proposed between 14 and 365 days ago/);
  // Reached from the roadmap.
  assert.match((await client.page('/roadmap')).text, /<a href="\/listening">/);
});

test('the page in German', async () => {
  const res = await client.fetch('/listening', { headers: { 'accept-language': 'de' } });
  const t = await res.text();
  assert.equal(res.status, 200);
  assert.match(t, /<html lang="de">/);
  assert.match(t, /<h1>Zuhören: wie die Bank antwortet<\/h1>/);
  const row = t.match(new RegExp(`<tr>\\s*<th scope="row" class="t-title">${areaDe}</th>[\\s\\S]*?</tr>`));
  assert.ok(row, 'the area has a row, in German');
  assert.match(row[0], /71 % <span class="ls-of">5 von 7 Ideen<\/span>/);
  assert.match(row[0], /5,0 Tage/);
  assert.match(t, /Kalenderquartal, UTC/);
  assert.match(t, /Alle Produktbereiche/);
  const api = await client.api('GET', '/api/v1/listening', undefined, { 'accept-language': 'de' });
  assert.equal(api.json.areas.find((x) => x.area === slug).name, areaDe);
});

test('anonymous: the page sends to sign in, the API answers 401', async () => {
  const anon = new Client();
  const p = await anon.page('/listening');
  assert.ok([302, 303].includes(p.status), String(p.status));
  assert.equal(p.headers.get('location'), '/login?next=%2Flistening');
  const a = await anon.api('GET', '/api/v1/listening');
  assert.equal(a.status, 401);
  assert.equal(a.json.error.code, 'unauthenticated');
});

test('staff see the same scorecard', async () => {
  const a = await client.api('GET', '/api/v1/listening');
  const b = await pm.api('GET', '/api/v1/listening');
  assert.equal(b.status, 200);
  assert.deepEqual(b.json.total, a.json.total);
});
