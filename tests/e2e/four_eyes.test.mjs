// Four eyes on commitments (issue 16, part 3): a response that sets a
// status its product area marks as needing approval (planned and
// released by default) is a draft until a second pm or admin approves
// it; its author cannot.  Until then a client sees nothing of it
// anywhere; on approval it is published, notified and audited with both
// names.  The triage desk lists the drafts with their age.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { person, sql, sqlValue, count, unique, formCsrf } from '../lib/drive.mjs';

const author = await person('client');
const voter = await person('client');
const pm1 = await person('pm');
const pm2 = await person('pm');
const pm3 = await person('pm');
const admin = await person('admin');
const clients = [author, voter];

// The test's own areas: one as a new area comes (the default), one with
// approvals turned off by the admin.  Retired at the end, so that the
// suites after this one find the areas they know.
const made = [];
async function area(approval) {
  const slug = unique('eyes').toLowerCase();
  const r = await admin.api('POST', '/api/v1/areas', { slug, name_en: `Eyes ${slug}`, name_de: `Augen ${slug}` });
  assert.equal(r.status, 201, r.text);
  made.push(r.json.id);
  if (approval) {
    const p = await admin.api('PATCH', `/api/v1/areas/${r.json.id}`, { action: 'approval', approval });
    assert.equal(p.status, 200, p.text);
  }
  return { slug, id: r.json.id };
}
const AREA = await area(null);
const OFF = await area([]);
after(async () => {
  for (const id of made) await admin.api('PATCH', `/api/v1/areas/${id}`, { action: 'retire' });
});

async function propose(areaSlug = AREA.slug) {
  const r = await author.api('POST', '/api/v1/ideas',
    { title: unique('Four eyes idea'), body: 'Please.', area: areaSlug });
  assert.equal(r.status, 201, r.text);
  await voter.api('POST', `/api/v1/ideas/${r.json.id}/vote`);
  return r.json;
}

// Everything a response could write, counted.
function rows(ideaId) {
  return {
    responses: count('responses'),
    notifications: count('notifications'),
    outbox: count('outbox'),
    ideaOutbox: Number(sqlValue(`SELECT count(*) FROM outbox WHERE idea_id = ${ideaId}`)),
    audit: count('audit_log'),
    status: sqlValue(`SELECT status FROM ideas WHERE id = ${ideaId}`),
    answered: sqlValue(`SELECT first_response_at IS NOT NULL FROM ideas WHERE id = ${ideaId}`),
    drafts: sqlValue(`SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM response_drafts WHERE idea_id = ${ideaId}`),
  };
}

function auditCount(action, ideaId) {
  return Number(sqlValue(`SELECT count(*) FROM audit_log WHERE action = '${action}' AND target = 'idea:${ideaId}'`));
}

async function draft(idea, status = 'planned', body = unique('Draft text')) {
  const r = await pm1.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status, body });
  assert.equal(r.status, 202, r.text);
  return { ...r.json, marker: body };
}

test('the per-area setting: planned and released by default; an admin changes it in the API and the page, audited', async () => {
  // The migration's default for every area, and for one added later.
  assert.equal(sqlValue("SELECT approval_statuses::text FROM areas WHERE slug = 'cash-management'"), '{planned,released}');
  assert.equal(sqlValue(`SELECT approval_statuses::text FROM areas WHERE id = ${AREA.id}`), '{planned,released}');
  // Staff read it in the list of areas; clients are not told.
  const staff = (await pm1.api('GET', '/api/v1/areas')).json.areas;
  assert.deepEqual(staff.find((a) => a.slug === AREA.slug).approval, ['planned', 'released']);
  assert.deepEqual(staff.find((a) => a.slug === OFF.slug).approval, []);
  assert.ok(!(await author.api('GET', '/api/v1/areas')).text.includes('approval'));

  const x = await area(null);
  const before = count('audit_log');
  let r = await admin.api('PATCH', `/api/v1/areas/${x.id}`, { action: 'approval', approval: ['released'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { id: x.id, approval: ['released'] });
  assert.equal(count('audit_log'), before + 1);
  const entry = sql(`SELECT actor_id, details->>'from', details->>'to' FROM audit_log
    WHERE action = 'area.approval' AND target = 'area:${x.id}' ORDER BY id DESC LIMIT 1`)[0];
  assert.deepEqual(entry, [String(admin.id), '["planned", "released"]', '["released"]']);
  // Refused: another status, not a list, another role; nothing changes.
  for (const body of [{ action: 'approval', approval: ['declined'] }, { action: 'approval', approval: 'planned' },
    { action: 'approval' }]) {
    r = await admin.api('PATCH', `/api/v1/areas/${x.id}`, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, 'approval');
  }
  assert.equal((await pm1.api('PATCH', `/api/v1/areas/${x.id}`, { action: 'approval', approval: [] })).status, 403);
  assert.equal(sqlValue(`SELECT approval_statuses::text FROM areas WHERE id = ${x.id}`), '{released}');
  assert.equal(count('audit_log'), before + 1);

  // The page: one form an area, its boxes as stored; without JavaScript.
  let page = await admin.page('/admin/areas');
  assert.match(page.text, new RegExp(`id="area-${x.id}-approve-planned" name="approval_planned" type="checkbox" value="1" aria`));
  assert.match(page.text, new RegExp(`id="area-${x.id}-approve-released" name="approval_released" type="checkbox" value="1" checked`));
  const f = await admin.form(`/admin/areas/${x.id}`, { csrf_token: formCsrf(page.text), action: 'approval', approval_planned: '1' });
  assert.equal(f.status, 303);
  assert.equal(f.headers.get('location'), '/admin/areas?saved=1');
  assert.equal(sqlValue(`SELECT approval_statuses::text FROM areas WHERE id = ${x.id}`), '{planned}');
  page = await admin.page('/admin/areas?saved=1');
  assert.match(page.text, new RegExp(`id="area-${x.id}-approve-planned" name="approval_planned" type="checkbox" value="1" checked`));
  // The audit page tells it in words, in both languages.
  page = await admin.page('/admin/audit?action=area.approval');
  assert.ok(page.text.includes(`“Eyes ${x.slug}”: approval needed for Planned (before: Released).`));
  const de = await (await admin.fetch('/admin/audit?action=area.approval', { headers: { 'accept-language': 'de' } })).text();
  assert.ok(de.includes(`„Eyes ${x.slug}“: Freigabe nötig für Geplant (vorher: Umgesetzt).`));
});

test('a draft: 202, no status change, no notification, no mail; a client sees nothing of it anywhere', async () => {
  const idea = await propose();
  const listening = (await author.api('GET', '/api/v1/listening')).json;
  const before = rows(idea.id);
  const d = await draft(idea, 'planned');
  assert.equal(d.state, 'pending_approval');
  assert.equal(d.from_status, 'new');
  assert.equal(d.status, 'planned');
  assert.deepEqual(d.author, { name: pm1.name, bank: true });
  const after = rows(idea.id);
  assert.deepEqual({ ...after, audit: before.audit, drafts: before.drafts }, before, 'nothing but the draft and its entry');
  assert.equal(after.drafts, `${d.id}:pending`);
  assert.equal(after.audit, before.audit + 1);
  assert.equal(auditCount('idea.response_draft', idea.id), 1);
  // No mail of it: none about the idea, none naming the draft (a
  // substring of the payload would also match other numbers).
  assert.equal(sqlValue(`SELECT count(*) FROM outbox WHERE idea_id = ${idea.id}
    OR payload->>'response_id' = '${d.id}'`), '0');

  // Nothing of it for a client: pages, API, lists, roadmap, notifications,
  // the scorecard, one's own data.
  const search = encodeURIComponent(idea.title);
  for (const c of clients) {
    for (const path of [`/ideas/${idea.id}`, '/', `/?q=${search}`, '/?status=planned', '/roadmap', '/notifications',
      '/listening', '/profile/data.json']) {
      const p = await c.page(path);
      assert.equal(p.status, 200, path);
      assert.ok(!p.text.includes(d.marker), `${path} shows the draft`);
      assert.ok(!/Awaiting approval|Draft, not published/.test(p.text), `${path} tells of a draft`);
    }
    const one = await c.api('GET', `/api/v1/ideas/${idea.id}`);
    assert.equal(one.json.status, 'new');
    assert.deepEqual(one.json.responses, []);
    for (const path of [`/api/v1/ideas/${idea.id}`, '/api/v1/ideas', `/api/v1/ideas?q=${search}`, '/api/v1/ideas?status=planned',
      '/api/v1/roadmap', '/api/v1/notifications', '/api/v1/listening']) {
      const a = await c.api('GET', path);
      assert.equal(a.status, 200, path);
      assert.ok(!a.text.includes(d.marker), `${path} gives the draft`);
      assert.ok(!/pending_approval|"draft/.test(a.text), `${path} tells of a draft`);
    }
    assert.ok(!(await c.api('GET', '/api/v1/roadmap')).json.planned.some((i) => i.id === idea.id));
    assert.equal((await c.api('GET', '/api/v1/responses/pending')).status, 403);
    assert.equal((await c.api('POST', `/api/v1/responses/${d.id}/approve`)).status, 403);
  }
  assert.deepEqual((await author.api('GET', '/api/v1/listening')).json.total, listening.total, 'the scorecard counts no draft');
  // The export (staff) has the idea as it is: new, unanswered.
  const csv = await (await pm2.fetch('/export/ideas.csv')).text();
  const line = csv.split('\n').find((l) => l.startsWith(`"${idea.id}",`));
  assert.match(line, /,"new",/);
  assert.ok(!csv.includes(d.marker));

  // Staff see it on the idea's desk: the author without Approve.
  let p = await pm2.page(`/ideas/${idea.id}`);
  assert.match(p.text, /<h3 id="draft-heading">Awaiting approval<\/h3>/);
  assert.ok(p.text.includes(d.marker));
  assert.ok(p.text.includes(`action="/ideas/${idea.id}/drafts/${d.id}/approve"`));
  assert.ok(p.text.includes(`action="/ideas/${idea.id}/drafts/${d.id}/reject"`));
  // Its text is on the desk only, not in the public part of the page.
  assert.ok(p.text.indexOf(d.marker) > p.text.indexOf('id="desk"'));
  p = await pm1.page(`/ideas/${idea.id}`);
  assert.ok(p.text.includes(d.marker));
  assert.ok(!p.text.includes(`/drafts/${d.id}/approve`), 'no Approve for its author');
  assert.match(p.text, /You wrote this draft, so another product manager or administrator must approve it\./);
  // A second draft on the idea waits for the first to be decided.
  const again = await pm2.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'released', body: 'Another' });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'draft_pending');
  assert.equal(again.json.error.field, 'status');
  assert.equal(rows(idea.id).drafts, `${d.id}:pending`);
});

test('the author cannot approve: 403 with a clear message in the API and the page, and nothing changes', async () => {
  const idea = await propose();
  const d = await draft(idea, 'released');
  const before = rows(idea.id);
  const r = await pm1.api('POST', `/api/v1/responses/${d.id}/approve`);
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'own_draft');
  assert.equal(r.json.error.message, 'You wrote this draft, so you cannot approve it: another product manager or administrator must.');
  const page = await pm1.page(`/ideas/${idea.id}`);
  const f = await pm1.form(`/ideas/${idea.id}/drafts/${d.id}/approve`, { csrf_token: formCsrf(page.text) });
  assert.equal(f.status, 403);
  assert.ok(f.text.includes('You wrote this draft, so you cannot approve it'));
  const de = await pm1.fetch(`/ideas/${idea.id}/drafts/${d.id}/approve`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: `csrf_token=${formCsrf(page.text)}`,
  });
  assert.equal(de.status, 403);
  assert.ok((await de.text()).includes('Sie haben diesen Entwurf geschrieben und können ihn daher nicht freigeben'));
  assert.deepEqual(rows(idea.id), before, 'nothing changed, nothing audited');
  // Nor does the database let the author through another way in.
  assert.throws(() => sql(`SELECT * FROM response_approve(${d.id}, NULL, ${pm1.id}, NULL)`), /own_draft/);
  assert.throws(() => sql(`UPDATE response_drafts SET state = 'approved', decided_by = author_id,
    decided_at = now(), response_id = (SELECT max(id) FROM responses) WHERE id = ${d.id}`), /check constraint/);
  assert.deepEqual(rows(idea.id), before);
});

test('a second pm approves: published, each voter and the author told once, audited with both names', async () => {
  const idea = await propose();
  await pm2.api('POST', `/api/v1/ideas/${idea.id}/vote`); // the approver knows: not told
  await pm1.api('POST', `/api/v1/ideas/${idea.id}/vote`); // nor is the draft's author
  const d = await draft(idea, 'planned', 'We will build **this** in Q3.');
  const before = rows(idea.id);
  const r = await pm2.api('POST', `/api/v1/responses/${d.id}/approve`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'published');
  assert.equal(r.json.draft_id, d.id);
  assert.notEqual(r.json.id, d.id);
  assert.equal(r.json.from_status, 'new');
  assert.equal(r.json.status, 'planned');
  assert.equal(r.json.body, 'We will build **this** in Q3.');
  assert.deepEqual(r.json.author, { name: pm1.name, bank: true });
  assert.deepEqual(r.json.approved_by, { name: pm2.name, bank: true });

  const after = rows(idea.id);
  assert.equal(after.status, 'planned');
  assert.equal(after.answered, 't');
  assert.equal(after.responses, before.responses + 1);
  assert.equal(after.drafts, `${d.id}:approved`);
  assert.equal(sqlValue(`SELECT author_id FROM responses WHERE id = ${r.json.id}`), String(pm1.id));
  assert.equal(sqlValue(`SELECT response_id FROM response_drafts WHERE id = ${d.id}`), String(r.json.id));
  // The author and the voter: one notification and one mail each.
  assert.equal(after.notifications, before.notifications + 2);
  assert.equal(after.ideaOutbox, before.ideaOutbox + 2);
  assert.deepEqual(sql(`SELECT user_id, count(*) FROM outbox WHERE idea_id = ${idea.id} AND kind = 'status'
    GROUP BY user_id ORDER BY user_id`), [[String(author.id), '1'], [String(voter.id), '1']].sort());
  assert.equal(sqlValue(`SELECT count(*) FROM notifications WHERE idea_id = ${idea.id}
    AND user_id IN (${pm1.id}, ${pm2.id})`), '0');
  assert.equal(sqlValue(`SELECT actor_id FROM notifications WHERE idea_id = ${idea.id} AND user_id = ${author.id}`),
    String(pm1.id), 'told of the response of its author');
  // One entry, by the approver, naming both.
  assert.equal(after.audit, before.audit + 1);
  const e = sql(`SELECT actor_id, details->>'author', details->>'approver', details->>'author_id',
    details->>'response', details->>'from', details->>'to' FROM audit_log
    WHERE action = 'idea.response_approved' AND target = 'idea:${idea.id}'`);
  assert.deepEqual(e, [[String(pm2.id), pm1.name, pm2.name, String(pm1.id), String(r.json.id), 'new', 'planned']]);
  const audit = await admin.page('/admin/audit?action=idea.response_approved');
  assert.ok(audit.text.includes(`Written by ${pm1.name}, approved by ${pm2.name}: status from New to Planned.`));

  // Now the clients see it, as any response.
  for (const c of clients) {
    const one = await c.api('GET', `/api/v1/ideas/${idea.id}`);
    assert.equal(one.json.status, 'planned');
    assert.deepEqual(one.json.responses.map((x) => [x.id, x.status, x.author.name]), [[r.json.id, 'planned', pm1.name]]);
    assert.ok((await c.page(`/ideas/${idea.id}`)).text.includes('We will build <strong>this</strong> in Q3.'));
    assert.ok((await c.api('GET', '/api/v1/roadmap')).json.planned.some((i) => i.id === idea.id));
  }
  assert.ok((await author.api('GET', '/api/v1/notifications')).json.notifications.some((n) => n.idea.id === idea.id));
  // The desk shows no draft any more; approving again changes nothing.
  assert.ok(!(await pm2.page(`/ideas/${idea.id}`)).text.includes('id="draft-heading"'));
  const twice = await pm3.api('POST', `/api/v1/responses/${d.id}/approve`);
  assert.equal(twice.status, 409);
  assert.equal(twice.json.error.code, 'decided');
  assert.deepEqual(rows(idea.id), after);
  assert.equal((await pm2.api('POST', '/api/v1/responses/999999999/approve')).status, 404);
});

test('rejecting asks why, publishes nothing and is audited; the author may withdraw; then a new draft', async () => {
  const idea = await propose();
  const d = await draft(idea, 'released');
  const before = rows(idea.id);
  let r = await pm2.api('POST', `/api/v1/responses/${d.id}/reject`, {});
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'reason');
  r = await pm2.api('POST', `/api/v1/responses/${d.id}/reject`, { reason: 'x'.repeat(2001) });
  assert.equal(r.status, 422);
  // The page shows the idea again with the error at the field.
  let page = await pm2.page(`/ideas/${idea.id}`);
  const f = await pm2.form(`/ideas/${idea.id}/drafts/${d.id}/reject`, { csrf_token: formCsrf(page.text), reason: '  ' });
  assert.equal(f.status, 422);
  assert.match(f.text, /id="reject-reason-error"><span class="vh">[^<]*<\/span>Say why the draft is rejected/);
  assert.deepEqual(rows(idea.id), before);

  r = await pm2.api('POST', `/api/v1/responses/${d.id}/reject`, { reason: 'Not before the <b>pilot</b> ends.' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { id: d.id, state: 'rejected', idea_id: idea.id });
  const after = rows(idea.id);
  assert.deepEqual({ ...after, audit: before.audit, drafts: before.drafts }, before, 'nothing published, nobody told');
  assert.equal(after.drafts, `${d.id}:rejected`);
  assert.equal(after.audit, before.audit + 1);
  assert.deepEqual(sql(`SELECT actor_id, details->>'author', details->>'by', details->>'reason' FROM audit_log
    WHERE action = 'idea.response_rejected' AND target = 'idea:${idea.id}'`),
  [[String(pm2.id), pm1.name, pm2.name, 'Not before the <b>pilot</b> ends.']]);
  // Its author finds out on the desk; clients never.
  page = await pm1.page(`/ideas/${idea.id}`);
  assert.ok(page.text.includes(`The last draft (to Released) was rejected by ${pm2.name},`));
  assert.ok(page.text.includes('Reason: “Not before the &lt;b&gt;pilot&lt;/b&gt; ends.”'));
  assert.ok(!(await author.page(`/ideas/${idea.id}`)).text.includes('pilot'));
  assert.equal((await pm3.api('POST', `/api/v1/responses/${d.id}/approve`)).status, 409, 'a rejected draft is not approved');

  // A new draft; its author withdraws it (no reason needed), by the page.
  const d2 = await draft(idea, 'planned');
  page = await pm1.page(`/ideas/${idea.id}`);
  assert.ok(page.text.includes('Withdraw my draft'));
  const w = await pm1.form(`/ideas/${idea.id}/drafts/${d2.id}/reject`, { csrf_token: formCsrf(page.text) });
  assert.equal(w.status, 303);
  assert.equal(w.headers.get('location'), `/ideas/${idea.id}#desk`);
  assert.equal(rows(idea.id).drafts, `${d.id}:rejected,${d2.id}:withdrawn`);
  assert.equal(auditCount('idea.response_withdrawn', idea.id), 1);
  assert.equal(rows(idea.id).status, 'new');
  // A draft's page route must name its own idea.
  const other = await propose();
  const d3 = await draft(other, 'planned');
  page = await pm2.page(`/ideas/${idea.id}`);
  assert.equal((await pm2.form(`/ideas/${idea.id}/drafts/${d3.id}/approve`, { csrf_token: formCsrf(page.text) })).status, 404);
  assert.equal(rows(other.id).drafts, `${d3.id}:pending`);
  assert.equal((await pm2.api('POST', `/api/v1/responses/${d3.id}/reject`, { reason: 'Tidy up.' })).status, 200);
});

test('an area with approvals off publishes at once, as before; statuses without approval publish at once too', async () => {
  const idea = await propose(OFF.slug);
  const before = rows(idea.id);
  const r = await pm1.api('POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'planned', body: 'Planned at once.' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'published');
  const after = rows(idea.id);
  assert.equal(after.status, 'planned');
  assert.equal(after.responses, before.responses + 1);
  assert.equal(after.ideaOutbox, before.ideaOutbox + 2);
  assert.equal(after.drafts, null);
  assert.equal(auditCount('idea.response', idea.id), 1);
  // In an area that needs approval, "under review" is not a commitment.
  const idea2 = await propose();
  const u = await pm1.api('POST', `/api/v1/ideas/${idea2.id}/responses`, { status: 'under_review', body: 'Looking.' });
  assert.equal(u.status, 201);
  assert.equal(rows(idea2.id).status, 'under_review');
});

test('a draft whose idea moved on or was merged is not approved (409), and can be rejected', async () => {
  const idea = await propose();
  const d = await draft(idea, 'planned');
  // Another pm answers meanwhile with a status that needs no approval.
  assert.equal((await pm3.api('POST', `/api/v1/ideas/${idea.id}/responses`,
    { status: 'under_review', body: 'Looking into it.' })).status, 201);
  const pending = (await pm2.api('GET', '/api/v1/responses/pending')).json.responses.find((x) => x.id === d.id);
  assert.equal(pending.stale, true);
  assert.equal(pending.can_approve, false);
  assert.match((await pm2.page(`/ideas/${idea.id}`)).text, /The idea(&#39;|&#x27;|')s status changed since this draft was written \(it is now Under review\)/);
  const before = rows(idea.id);
  const r = await pm2.api('POST', `/api/v1/responses/${d.id}/approve`);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'status_changed');
  assert.deepEqual(rows(idea.id), before);
  assert.equal((await pm2.api('POST', `/api/v1/responses/${d.id}/reject`, { reason: 'Overtaken.' })).status, 200);

  const dup = await propose();
  const original = await propose();
  const d2 = await draft(dup, 'planned');
  assert.equal((await pm3.api('POST', `/api/v1/ideas/${dup.id}/merge`, { into: original.id })).status, 200);
  const m = await pm2.api('POST', `/api/v1/responses/${d2.id}/approve`);
  assert.equal(m.status, 409);
  assert.equal(m.json.error.code, 'merged');
  assert.equal(rows(dup.id).status, 'duplicate');
  assert.equal((await pm2.api('POST', `/api/v1/responses/${d2.id}/reject`, { reason: 'Merged.' })).status, 200);
});

test('two approvers at the same moment: the draft is published once', async () => {
  for (let round = 0; round < 4; round++) {
    const idea = await propose();
    const d = await draft(idea, round % 2 ? 'released' : 'planned');
    const before = rows(idea.id);
    const answers = await Promise.all([pm2, pm3, admin].map((p) => p.api('POST', `/api/v1/responses/${d.id}/approve`)));
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409, 409], answers.map((a) => a.text).join('\n'));
    const after = rows(idea.id);
    assert.equal(after.responses, before.responses + 1);
    assert.equal(after.ideaOutbox, before.ideaOutbox + 2, 'one mail each to the author and the voter');
    assert.equal(auditCount('idea.response_approved', idea.id), 1);
    assert.equal(sqlValue(`SELECT count(*) FROM responses WHERE idea_id = ${idea.id}`), '1');
  }
});

test('the page flow without JavaScript: a draft on the desk, approved by another pm, in English and German', async () => {
  const idea = await propose();
  let page = await pm1.page(`/ideas/${idea.id}`);
  // The form says which statuses need approval in this area.
  assert.ok(page.text.includes('In this product area, a response that sets “Planned” or “Released” is published only once a second product manager or administrator approves it.'));
  const body = unique('Planned for the spring release');
  let f = await pm1.form(`/ideas/${idea.id}/responses`, { csrf_token: formCsrf(page.text), status: 'planned', body });
  assert.equal(f.status, 303);
  assert.equal(f.headers.get('location'), `/ideas/${idea.id}#draft`);
  const id = Number(sqlValue(`SELECT id FROM response_drafts WHERE idea_id = ${idea.id} AND state = 'pending'`));
  // A second one from the page: the error at the status field, the text kept.
  page = await pm2.page(`/ideas/${idea.id}`);
  f = await pm2.form(`/ideas/${idea.id}/responses`, { csrf_token: formCsrf(page.text), status: 'released', body: 'Kept text' });
  assert.equal(f.status, 422);
  assert.match(f.text, /id="response-status-error"><span class="vh">[^<]*<\/span>This idea has a response awaiting approval already/);
  assert.ok(f.text.includes('>Kept text</textarea>'));

  const de = await (await pm2.fetch(`/ideas/${idea.id}`, { headers: { 'accept-language': 'de' } })).text();
  assert.ok(de.includes('<h3 id="draft-heading">Wartet auf Freigabe</h3>'));
  assert.ok(de.includes('Freigeben und veröffentlichen'));
  assert.ok(de.includes('Von Neu auf Geplant'));
  page = await pm2.page(`/ideas/${idea.id}`);
  f = await pm2.form(`/ideas/${idea.id}/drafts/${id}/approve`, { csrf_token: formCsrf(page.text) });
  assert.equal(f.status, 303);
  assert.equal(f.headers.get('location'), `/ideas/${idea.id}#history`);
  const seen = await author.page(`/ideas/${idea.id}`);
  assert.ok(seen.text.includes(body));
  assert.match(seen.text, /badge s-planned/);
  assert.equal(rows(idea.id).status, 'planned');
});

test('the triage desk lists the drafts awaiting approval, the oldest first, with their age; so does the API', async () => {
  const [young, old] = [await propose(), await propose()];
  const dy = await draft(young, 'planned');
  const dOld = await draft(old, 'released');
  sql(`UPDATE response_drafts SET created_at = now() - interval '3 days 2 hours' WHERE id = ${dOld.id}`);
  const page = await pm2.page('/triage');
  assert.equal(page.status, 200);
  const section = page.text.match(/<section class="drafts"[\s\S]*?<\/section>/)[0];
  assert.match(section, /<h2 id="drafts-heading">Awaiting approval<\/h2>/);
  const iOld = section.indexOf(`href="/ideas/${old.id}#draft"`);
  const iYoung = section.indexOf(`href="/ideas/${young.id}#draft"`);
  assert.ok(iOld > 0 && iYoung > iOld, 'the oldest first');
  assert.match(section.slice(iOld, iYoung), /From Under review to Released|From New to Released/);
  assert.match(section.slice(iOld, iYoung), />3 days ago<\/time>/);
  assert.match(section.slice(iYoung), /just now|minute/);
  assert.match(page.text, /<dt>Awaiting approval<\/dt>\s*<dd><a class="fig-num" href="#drafts-heading">\d+<\/a><\/dd>/);
  // The author's own is marked, for the author.
  assert.match((await pm1.page('/triage')).text, new RegExp(`href="/ideas/${young.id}#draft">[^<]*</a></td>\\s*<td[^>]*>[^<]*</td>\\s*<td[^>]*>${pm1.name} <span class="muted">\\(yours\\)</span>`));
  // The area filter keeps to its area; German.
  const other = await (await pm2.fetch(`/triage?area=${OFF.slug}`)).text();
  assert.ok(!other.includes(`href="/ideas/${old.id}#draft"`));
  assert.ok(other.includes('No response in this product area is awaiting approval.'));
  const de = await (await pm2.fetch('/triage', { headers: { 'accept-language': 'de' } })).text();
  assert.ok(de.includes('<h2 id="drafts-heading">Wartet auf Freigabe</h2>'));
  assert.ok(de.includes('vor 3 Tagen'));

  const api = await pm2.api('GET', '/api/v1/responses/pending');
  assert.equal(api.status, 200);
  const ids = api.json.responses.map((x) => x.id);
  assert.ok(ids.indexOf(dOld.id) >= 0 && ids.indexOf(dOld.id) < ids.indexOf(dy.id));
  const o = api.json.responses.find((x) => x.id === dOld.id);
  assert.equal(o.state, 'pending_approval');
  assert.deepEqual(o.idea, { id: old.id, title: old.title, status: 'new', area: AREA.slug });
  assert.equal(o.status, 'released');
  assert.ok(o.age_seconds >= 3 * 86400 + 7200 - 5);
  assert.equal(o.can_approve, true);
  assert.deepEqual(o.author, { name: pm1.name, bank: true });
  assert.equal((await pm1.api('GET', '/api/v1/responses/pending')).json.responses.find((x) => x.id === dOld.id).can_approve, false);
  for (const x of [dy, dOld]) {
    assert.equal((await pm2.api('POST', `/api/v1/responses/${x.id}/approve`)).status, 200);
  }
  assert.ok(!(await pm2.page('/triage')).text.includes(`href="/ideas/${old.id}#draft"`));
});
