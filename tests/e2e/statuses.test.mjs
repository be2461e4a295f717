// Custom statuses (issue 16, part 4): an admin adds statuses within the
// lifecycle's groups (open, committed, closed) with English and German
// names, in the API and the page, audited.  What a status does follows
// its group: votes stay open in open and committed ones and freeze in
// closed ones; committed ones are roadmap columns and need four eyes
// where planned does; filters, the idea's words in both languages and
// the scorecard follow.  Bad input changes nothing (rows counted).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { person, sql, sqlValue, count, unique, formCsrf, respond } from '../lib/drive.mjs';

const admin = await person('admin');
const pm = await person('pm');
const approver = await person('pm');
const client = await person('client');
const clientDe = await person('client');
sql(`UPDATE users SET lang = 'de' WHERE id = ${clientDe.id}`);

const key = (p) => `${p}_${randomBytes(3).toString('hex')}`;
const NOT_NOW = { key: key('not_now'), group: 'open', name_en: 'Not now', name_de: 'Nicht jetzt' };
const PILOT = { key: key('pilot'), group: 'committed', name_en: 'In pilot', name_de: 'Im Pilotbetrieb' };
const SUNSET = { key: key('sunset'), group: 'closed', name_en: 'Retired product', name_de: 'Produkt eingestellt' };

// The test's own area with approvals off, retired at the end.
const slug = unique('statuses').toLowerCase();
const made = await admin.api('POST', '/api/v1/areas', { slug, name_en: `Statuses ${slug}`, name_de: `Status ${slug}` });
assert.equal(made.status, 201, made.text);
assert.equal((await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'approval', approval: [] })).status, 200);
after(async () => {
  await admin.api('PATCH', `/api/v1/areas/${made.json.id}`, { action: 'retire' });
});

function rows() {
  return {
    statuses: count('idea_statuses'),
    audit: count('audit_log'),
    version: sqlValue('SELECT version FROM catalog_version'),
    names: sqlValue("SELECT string_agg(key || ':' || coalesce(name_en, '') || ':' || coalesce(name_de, ''), ',' ORDER BY key) FROM idea_statuses"),
  };
}

async function propose(c = client, area = slug) {
  const r = await c.api('POST', '/api/v1/ideas', { title: unique('Status idea'), body: 'Please.', area });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

test('an admin adds a status of each group in the API: audited, listed for everyone in their language', async () => {
  const before = rows();
  for (const s of [NOT_NOW, PILOT, SUNSET]) {
    const r = await admin.api('POST', '/api/v1/statuses', s);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json, s);
  }
  const now = rows();
  assert.equal(now.statuses, before.statuses + 3);
  assert.equal(Number(now.version), Number(before.version) + 3);
  const audit = sql(`SELECT action, target, details->>'group', details->>'name_de' FROM audit_log
    WHERE action = 'status.create' AND actor_id = ${admin.id} ORDER BY id`);
  assert.deepEqual(audit, [NOT_NOW, PILOT, SUNSET].map((s) => ['status.create', `status:${s.key}`, s.group, s.name_de]));

  // In the lifecycle's order: the groups one after the other, each new
  // status last of its group so far, duplicate last of all.
  const en = (await client.api('GET', '/api/v1/statuses')).json.statuses;
  const keys = en.map((s) => s.key);
  const rank = { open: 0, committed: 1, closed: 2 };
  assert.deepEqual(en.map((s) => rank[s.group]), en.map((s) => rank[s.group]).sort(), keys.join());
  assert.deepEqual(keys.slice(0, 2), ['new', 'under_review']);
  assert.equal(keys.at(-1), 'duplicate');
  for (const s of [NOT_NOW, PILOT, SUNSET]) {
    const last = en.filter((x) => x.group === s.group && x.key !== 'duplicate').at(-1);
    assert.equal(last.key, s.key, keys.join());
  }
  assert.ok(keys.indexOf('planned') < keys.indexOf('in_progress') && keys.indexOf('in_progress') < keys.indexOf(PILOT.key));
  assert.ok(keys.indexOf('released') < keys.indexOf('declined') && keys.indexOf('declined') < keys.indexOf(SUNSET.key));
  assert.deepEqual(en.find((s) => s.key === PILOT.key),
    { key: PILOT.key, group: 'committed', builtin: false, name: 'In pilot', name_en: 'In pilot', name_de: 'Im Pilotbetrieb' });
  assert.deepEqual(en.find((s) => s.key === 'planned'),
    { key: 'planned', group: 'committed', builtin: true, name: 'Planned', name_en: 'Planned', name_de: 'Geplant' });
  const de = (await clientDe.api('GET', '/api/v1/statuses')).json.statuses;
  assert.equal(de.find((s) => s.key === PILOT.key).name, 'Im Pilotbetrieb');
  assert.equal(de.find((s) => s.key === 'planned').name, 'Geplant');
});

test('bad statuses are refused with the field named, and change nothing', async () => {
  const base = { key: key('ok'), group: 'open', name_en: 'Fine', name_de: 'Gut' };
  const cases = [
    [{ ...base, key: 'A_upper' }, 422, 'key'],
    [{ ...base, key: 'x' }, 422, 'key'],
    [{ ...base, key: '1abc' }, 422, 'key'],
    [{ ...base, key: 'with-dash' }, 422, 'key'],
    [{ ...base, key: 'a'.repeat(31) }, 422, 'key'],
    [{ ...base, key: 'totals' }, 422, 'key'],
    [{ ...base, key: 'new' }, 409, 'key'],
    [{ ...base, key: NOT_NOW.key }, 409, 'key'],
    [{ ...base, group: 'frozen' }, 422, 'group'],
    [{ ...base, group: undefined }, 422, 'group'],
    [{ ...base, name_en: '' }, 422, 'name_en'],
    [{ ...base, name_en: '   ' }, 422, 'name_en'],
    [{ ...base, name_de: 'x'.repeat(41) }, 422, 'name_de'],
    [{ ...base, name_de: 'two\nlines' }, 422, 'name_de'],
  ];
  const before = rows();
  for (const [body, status, field] of cases) {
    const r = await admin.api('POST', '/api/v1/statuses', body);
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.ok(r.text.includes(`"${field}"`), `${JSON.stringify(body)} names ${field}: ${r.text}`);
  }
  // Not an admin's: 403.
  for (const c of [pm, client]) {
    assert.equal((await c.api('POST', '/api/v1/statuses', base)).status, 403);
    assert.equal((await c.api('PATCH', `/api/v1/statuses/${NOT_NOW.key}`, { name_en: 'X', name_de: 'Y' })).status, 403);
  }
  // Renames: the built-in ones keep the portal's words; unknown ones 404.
  assert.equal((await admin.api('PATCH', '/api/v1/statuses/planned', { name_en: 'X', name_de: 'Y' })).status, 409);
  assert.equal((await admin.api('PATCH', '/api/v1/statuses/no_such_one', { name_en: 'X', name_de: 'Y' })).status, 404);
  assert.equal((await admin.api('PATCH', `/api/v1/statuses/${NOT_NOW.key}`, { name_en: '', name_de: 'Y' })).status, 422);
  assert.deepEqual(rows(), before);
});

test('the admin page: add with the form (errors next to the field, what was typed kept), rename, in both languages', async () => {
  let page = await admin.page('/admin/statuses');
  assert.equal(page.status, 200);
  assert.match(page.text, /<a href="\/admin\/statuses" aria-current="page">/);
  for (const s of [NOT_NOW, PILOT, SUNSET]) assert.ok(page.text.includes(s.name_en), s.name_en);
  const csrf = formCsrf(page.text);

  const before = rows();
  const bad = await admin.form('/admin/statuses', { csrf_token: csrf, key: 'Bad Key', group: 'closed', name_en: 'Typed', name_de: 'Getippt' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="status-key-error"/);
  assert.match(bad.text, /value="Bad Key"/);
  assert.match(bad.text, /value="Typed"/);
  assert.match(bad.text, /id="status-group-closed" name="group" type="radio" value="closed" required checked/);
  assert.deepEqual(rows(), before);

  const k = key('page');
  const ok = await admin.form('/admin/statuses', { csrf_token: csrf, key: k, group: 'open', name_en: 'Parked', name_de: 'Zurückgestellt' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/admin/statuses?saved=1');
  assert.equal(sqlValue(`SELECT grp || ':' || name_de FROM idea_statuses WHERE key = '${k}'`), 'open:Zurückgestellt');

  // A rename's errors show in that status's own form.
  const badRename = await admin.form(`/admin/statuses/${k}`, { csrf_token: csrf, name_en: '', name_de: 'Neu' });
  assert.equal(badRename.status, 422);
  assert.match(badRename.text, new RegExp(`id="status-${k}-en-error"`));
  const renamed = await admin.form(`/admin/statuses/${k}`, { csrf_token: csrf, name_en: 'On hold', name_de: 'Angehalten' });
  assert.equal(renamed.status, 303);
  assert.equal(sqlValue(`SELECT details->>'from_en' || '>' || (details->>'name_en') FROM audit_log
    WHERE action = 'status.rename' AND target = 'status:${k}'`), 'Parked>On hold');

  sql(`UPDATE users SET lang = 'de' WHERE id = ${admin.id}`);
  try {
    page = await admin.page('/admin/statuses');
    assert.match(page.text, /<h1>Status<\/h1>/);
    assert.ok(page.text.includes('Angehalten'));
    assert.ok(page.text.includes('Zugesagt'));
  } finally {
    sql(`UPDATE users SET lang = NULL WHERE id = ${admin.id}`);
  }
  // The audit page names the action.
  const audit = await admin.page('/admin/audit?action=status');
  assert.equal(audit.status, 200);
  assert.ok(audit.text.includes('Status renamed') && audit.text.includes('Status added'), 'audit words');
});

test('an open custom status: set by a response, shown in both languages, filtered on, votes stay open, scorecard counts the answer', async () => {
  const id = await propose();
  const answered = (await client.api('GET', '/api/v1/listening')).json.total.answered_this_quarter;
  const r = await pm.api('POST', `/api/v1/ideas/${id}/responses`, { status: NOT_NOW.key, body: 'Not this year.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${id}`), NOT_NOW.key);
  assert.equal((await client.api('GET', `/api/v1/ideas/${id}`)).json.status, NOT_NOW.key);

  let page = await client.page(`/ideas/${id}`);
  assert.match(page.text, new RegExp(`class="badge s-${NOT_NOW.key}">Not now<`));
  page = await clientDe.page(`/ideas/${id}`);
  assert.match(page.text, new RegExp(`class="badge s-${NOT_NOW.key}">Nicht jetzt<`));

  // Filters: the select offers it, the list and the API filter on it.
  page = await client.page(`/?status=${NOT_NOW.key}`);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`<option value="${NOT_NOW.key}" selected>Not now</option>`));
  assert.ok(page.text.includes(`href="/ideas/${id}"`));
  const list = (await client.api('GET', `/api/v1/ideas?status=${NOT_NOW.key}`)).json;
  assert.ok(list.ideas.length >= 1 && list.ideas.every((i) => i.status === NOT_NOW.key));
  assert.ok(list.ideas.some((i) => i.id === id));
  assert.equal((await client.api('GET', '/api/v1/ideas?status=no_such_status')).status, 400);

  // Open group: votes stay open.
  assert.equal((await clientDe.api('POST', `/api/v1/ideas/${id}/vote`)).status, 200);

  // The scorecard: a first answer is an answer, whatever its status.
  const after1 = (await client.api('GET', '/api/v1/listening')).json.total.answered_this_quarter;
  assert.equal(after1, answered + 1);
  const recount = Number(sqlValue(`SELECT count(*) FROM ideas WHERE first_response_at >= date_trunc('quarter', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    AND status <> 'duplicate' AND audience_org IS NULL`));
  assert.equal(after1, recount);

  // The history in words; the notification too.
  page = await client.page(`/ideas/${id}`);
  assert.match(page.text, new RegExp(`<span class="badge s-${NOT_NOW.key}">Not now</span>`));
  const notes = await client.page('/notifications');
  assert.ok(notes.text.includes('Not now'), 'the notification names the status');
});

test('a closed custom status freezes votes; a response cannot set an unknown status or duplicate', async () => {
  const id = await propose();
  await clientDe.api('POST', `/api/v1/ideas/${id}/vote`);
  const r = await pm.api('POST', `/api/v1/ideas/${id}/responses`, { status: SUNSET.key, body: 'The product is retired.' });
  assert.equal(r.status, 201, r.text);
  const votes = count('votes');
  const v = await client.api('POST', `/api/v1/ideas/${id}/vote`);
  assert.equal(v.status, 409, v.text);
  assert.equal((await clientDe.api('DELETE', `/api/v1/ideas/${id}/vote`)).status, 409);
  assert.equal(count('votes'), votes);
  const page = await client.page(`/ideas/${id}`);
  assert.match(page.text, /<button [^>]*formaction="\/ideas\/\d+\/vote"[^>]* disabled/);

  const before = { responses: count('responses'), status: sqlValue(`SELECT status FROM ideas WHERE id = ${id}`) };
  for (const status of ['no_such_status', 'duplicate', 'Released']) {
    const x = await pm.api('POST', `/api/v1/ideas/${id}/responses`, { status, body: 'X.' });
    assert.equal(x.status, 422, `${status}: ${x.text}`);
  }
  // Straight to the database function: its own check holds.
  assert.throws(() => sql(`SELECT * FROM response_create(${id}, ${pm.id}, 'no_such_status', 'X', NULL)`));
  assert.deepEqual({ responses: count('responses'), status: sqlValue(`SELECT status FROM ideas WHERE id = ${id}`) }, before);
  // The database refuses an unknown status on an idea whichever way.
  assert.throws(() => sql(`UPDATE ideas SET status = 'no_such_status' WHERE id = ${id}`));
});

test('a committed custom status: a roadmap column (page and API, both languages), four eyes where planned needs them', async () => {
  // Approvals off in the test's area: published at once.
  const id = await propose();
  for (let i = 0; i < 2; i++) await (i ? clientDe : client).api('POST', `/api/v1/ideas/${id}/vote`);
  const r = await pm.api('POST', `/api/v1/ideas/${id}/responses`, { status: PILOT.key, body: 'Piloting with three clients.' });
  assert.equal(r.status, 201, r.text);

  const rm = (await client.api('GET', '/api/v1/roadmap')).json;
  assert.deepEqual(rm.columns.map((c) => c.status).slice(0, 2), ['planned', 'in_progress']);
  assert.ok(rm.columns.map((c) => c.status).includes(PILOT.key));
  assert.equal(rm.columns.at(-1).status, 'released');
  assert.ok(!rm.columns.some((c) => [NOT_NOW.key, SUNSET.key].includes(c.status)), 'open and closed ones are no column');
  assert.ok(rm[PILOT.key].some((i) => i.id === id));
  const recount = Number(sqlValue(`SELECT count(*) FROM ideas WHERE status = '${PILOT.key}' AND audience_org IS NULL`));
  assert.equal(rm.totals[PILOT.key], recount);
  assert.equal(rm.columns.find((c) => c.status === PILOT.key).label, 'In pilot');

  let page = await client.page('/roadmap');
  assert.match(page.text, new RegExp(`<section class="rm-col rm-${PILOT.key}" aria-labelledby="rm-${PILOT.key}-heading">`));
  assert.match(page.text, new RegExp(`id="rm-${PILOT.key}-heading" class="rm-head"><span class="badge s-${PILOT.key}">In pilot</span>`));
  assert.ok(page.text.includes(`href="/ideas/${id}"`));
  page = await clientDe.page('/roadmap');
  assert.ok(page.text.includes('Im Pilotbetrieb'));

  // Where planned needs a second person (cash-management, the default),
  // a committed custom status does too; the desk's hint names it.
  const guarded = await propose(client, 'cash-management');
  const d = await pm.api('POST', `/api/v1/ideas/${guarded}/responses`, { status: PILOT.key, body: 'Pilot it.' });
  assert.equal(d.status, 202, d.text);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${guarded}`), 'new');
  const desk = await approver.page(`/ideas/${guarded}`);
  assert.match(desk.text, /Planned, In pilot, Released/);
  const ok = await approver.api('POST', `/api/v1/responses/${d.json.id}/approve`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${guarded}`), PILOT.key);
  // Open and closed custom statuses need none there.
  const open = await propose(client, 'cash-management');
  assert.equal((await pm.api('POST', `/api/v1/ideas/${open}/responses`, { status: NOT_NOW.key, body: 'Later.' })).status, 201);
  assert.equal((await respond(pm, approver, open, 'planned', 'Planned.')).status, 200);
});

test('a rename reaches every worker with the next request: the stamp travels with the session', async () => {
  const id = await propose();
  await pm.api('POST', `/api/v1/ideas/${id}/responses`, { status: NOT_NOW.key, body: 'Later.' });
  // Warm every worker's copy with the old name.
  for (let i = 0; i < 8; i++) assert.ok((await client.page(`/ideas/${id}`)).text.includes('Not now'));
  const r = await admin.api('PATCH', `/api/v1/statuses/${NOT_NOW.key}`, { name_en: 'Not this year', name_de: 'Nicht dieses Jahr' });
  assert.equal(r.status, 200, r.text);
  for (let i = 0; i < 8; i++) {
    const page = await client.page(`/ideas/${id}`);
    assert.ok(page.text.includes('Not this year'), `request ${i} after the rename`);
  }
  assert.ok((await clientDe.page(`/ideas/${id}`)).text.includes('Nicht dieses Jahr'));
  NOT_NOW.name_en = 'Not this year';
});
