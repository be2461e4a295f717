// The admin console and compliance: the permission matrix, deactivation,
// API tokens, rate limits, the audit trail (append-only, hash-chained),
// sessions, erasure, organisations, areas, issuing anew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  Client, person, sql, sqlValue, count, unique, formCsrf, drivectlInvite, ROOT, PASSWORD,
} from '../lib/drive.mjs';

const client = await person('client');
const pm = await person('pm');
const admin = await person('admin');
const idea = (await client.api('POST', '/api/v1/ideas', { title: 'Matrix test idea', body: 'x', area: 'fx' })).json;
const orgId = sqlValue(`SELECT organization_id FROM users WHERE id = ${client.id}`);

function verify() {
  try {
    return { code: 0, out: execFileSync(`${ROOT}/build/drivectl`, ['audit', 'verify'], { encoding: 'utf8' }) };
  } catch (e) {
    return { code: e.status, out: String(e.stdout) };
  }
}

test('the permission matrix: anonymous, client, pm, admin x every pm and admin endpoint', async () => {
  const pmOnly = [
    ['GET', '/triage'], ['GET', '/export/ideas.csv'], ['GET', `/ideas/${idea.id}/voters`],
    ['GET', `/api/v1/ideas/${idea.id}/voters`],
    ['POST', `/api/v1/ideas/${idea.id}/responses`, { status: 'nope' }],
    ['POST', `/api/v1/ideas/${idea.id}/merge`, { into: 0 }],
    ['POST', '/api/v1/comments/999999999/hide'],
  ];
  const adminOnly = [
    ['GET', '/admin/invitations'], ['GET', '/admin/users'], ['GET', '/admin/organizations'],
    ['GET', `/admin/organizations/${orgId}`], ['GET', '/admin/areas'], ['GET', '/admin/audit'],
    ['GET', '/admin/audit.csv'], ['GET', '/api/v1/invitations'], ['GET', '/api/v1/users'],
    ['GET', '/api/v1/organizations'],
    ['POST', '/api/v1/invitations', {}], ['DELETE', '/api/v1/invitations/999999999'],
    ['POST', '/api/v1/invitations/999999999/reissue'],
    ['PATCH', `/api/v1/users/${client.id}`, { role: 'king' }],
    ['POST', '/api/v1/users/999999999/erase'],
    ['PATCH', `/api/v1/organizations/${orgId}`, { name: 'x' }],
    ['POST', '/api/v1/areas', { slug: 'BAD' }], ['PATCH', '/api/v1/areas/999999', { action: 'nope' }],
  ];
  const who = { anonymous: new Client(), client, pm, admin };
  const allowed = (role, list) => (list === pmOnly ? ['pm', 'admin'] : ['admin']).includes(role);
  const failures = [];
  for (const list of [pmOnly, adminOnly]) {
    for (const [m, p, body] of list) {
      for (const [role, c] of Object.entries(who)) {
        const isApi = p.startsWith('/api/');
        const r = isApi ? await c.api(m, p, body) : await c.page(p);
        let ok;
        if (role === 'anonymous') ok = isApi ? r.status === 401 : (r.status === 303 && /^\/login(\?next=%2F[A-Za-z0-9%._-]*)?$/.test(r.headers.get('location')));
        else if (!allowed(role, list)) ok = r.status === 403;
        else ok = [200, 201, 404, 409, 422].includes(r.status) && r.status !== 403;
        if (!ok) failures.push(`${role} ${m} ${p}: ${r.status}`);
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('deactivation kills an open session and an API token within one request', async () => {
  const c = await person('client');
  const t = await c.api('POST', '/api/v1/tokens', { name: 'My script' });
  assert.equal(t.status, 201);
  assert.match(t.json.token, /^[0-9a-f]{64}$/);
  const bearer = new Client();
  const auth = { authorization: `Bearer ${t.json.token}` };
  assert.equal((await bearer.api('GET', '/api/v1/me', undefined, auth)).status, 200);
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200);

  const r = await admin.api('PATCH', `/api/v1/users/${c.id}`, { active: false });
  assert.equal(r.status, 200, r.text);
  assert.equal((await c.api('GET', '/api/v1/me')).status, 401);
  assert.equal((await bearer.api('GET', '/api/v1/me', undefined, auth)).status, 401);
  assert.equal((await c.page('/')).status, 303);
  assert.equal((await new Client().signIn(c.email, PASSWORD)).status, 401);
  assert.equal(sqlValue(`SELECT count(*) FROM sessions WHERE user_id = ${c.id}`), '0');
  assert.ok(Number(sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.deactivate' AND target = 'user:${c.id}'`)) === 1);
  // Reactivated: signs in again; the old token stays dead.
  assert.equal((await admin.api('PATCH', `/api/v1/users/${c.id}`, { active: true })).status, 200);
  assert.equal((await new Client().signIn(c.email, PASSWORD)).status, 200);
  assert.equal((await bearer.api('GET', '/api/v1/me', undefined, auth)).status, 401);
});

test('API tokens: shown once, hashed, no CSRF needed, the owner\'s rights only, revocable', async () => {
  const c = await person('client');
  const t = await c.api('POST', '/api/v1/tokens', { name: 'CI job' });
  const token = t.json.token;
  assert.equal(sqlValue(`SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'hex') = '${token}'`), '0');
  const b = new Client();
  const auth = { authorization: `Bearer ${token}` };
  // State-changing without a CSRF header: fine with a token.
  const v = await b.api('POST', `/api/v1/ideas/${idea.id}/vote`, undefined, auth);
  assert.equal(v.status, 200);
  assert.equal(v.json.voted, true);
  assert.notEqual(sqlValue(`SELECT last_used_at FROM api_tokens WHERE id = ${t.json.id}`), '');
  // Never more than the owner.
  assert.equal((await b.api('GET', '/api/v1/users', undefined, auth)).status, 403);
  assert.equal((await b.api('GET', '/api/v1/ideas/1/voters', undefined, auth)).status, 403);
  // A bad or revoked token is refused.
  assert.equal((await b.api('GET', '/api/v1/me', undefined, { authorization: `Bearer ${'ab'.repeat(32)}` })).status, 401);
  assert.equal((await c.api('DELETE', `/api/v1/tokens/${t.json.id}`)).status, 200);
  assert.equal((await b.api('GET', '/api/v1/me', undefined, auth)).status, 401);
  // Someone else's token cannot be revoked.
  const other = await person('client');
  const t2 = await other.api('POST', '/api/v1/tokens', { name: 'Theirs' });
  assert.equal((await c.api('DELETE', `/api/v1/tokens/${t2.json.id}`)).status, 404);
  assert.equal((await c.api('POST', '/api/v1/tokens', { name: '' })).status, 422);
  assert.ok(Number(sqlValue(`SELECT count(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke') AND actor_id = ${c.id}`)) >= 2);
});

test('rate limit on sign-in: 429 with Retry-After after 10 failures; released after the window', async () => {
  const c = await person('client');
  const email = c.email;
  for (let i = 0; i < 10; i++) {
    const r = await new Client().signIn(email, 'wrong password!');
    assert.equal(r.status, 401);
  }
  // Now even the right password waits, from any address.
  const blocked = await new Client().signIn(email, PASSWORD);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.json.error.code, 'rate_limited');
  const after = Number(blocked.headers.get('retry-after'));
  assert.ok(after > 0 && after <= 900, `Retry-After ${after}`);
  // Nobody is locked out longer than the window: age the failures.
  sql(`UPDATE auth_failures SET at = at - interval '15 minutes 1 second' WHERE key = lower('${email}')`);
  assert.equal((await new Client().signIn(email, PASSWORD)).status, 200);
  // A success does not count; only failures do.
  for (let i = 0; i < 12; i++) assert.equal((await new Client().signIn(email, PASSWORD)).status, 200);
});

test('rate limit per address: many accounts from one address; invitation redemption too', async () => {
  const attacker = new Client();
  for (let i = 0; i < 10; i++) {
    assert.equal((await attacker.signIn(`nobody${i}@example.test`, 'wrong password!')).status, 401);
  }
  assert.equal((await attacker.signIn('nobody-else@example.test', 'wrong password!')).status, 429);
  // Another address is not affected.
  assert.equal((await new Client().signIn(client.email, PASSWORD)).status, 200);

  const guesser = new Client();
  for (let i = 0; i < 10; i++) {
    const r = await guesser.api('POST', '/api/v1/invitations/accept', { token: unique('t').padEnd(64, '0').slice(0, 64), name: 'Guess', password: PASSWORD });
    assert.equal(r.status, 404);
  }
  const token = drivectlInvite(`${unique('rl')}@example.test`, 'client', unique('Org'));
  const r = await guesser.api('POST', '/api/v1/invitations/accept', { token, name: 'Real one', password: PASSWORD });
  assert.equal(r.status, 429, 'even a good token waits from that address');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.equal((await new Client().accept(token, 'Real one', PASSWORD)).status, 201);
});

test('the audit log is append-only for the application and hash-chained', () => {
  // The application's role cannot change or remove entries.
  const url = process.env.DRIVE_DATABASE_URL;
  for (const stmt of ['UPDATE audit_log SET action = action', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
    assert.throws(() => execFileSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', stmt], { stdio: 'pipe' }), stmt);
  }
  let v = verify();
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /chain intact/);

  // A superuser alters an entry in the middle: verify names it.
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  const mid = ids[Math.floor(ids.length / 2)];
  const old = sqlValue(`SELECT action FROM audit_log WHERE id = ${mid}`);
  sql(`ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET action = 'tampered' WHERE id = ${mid}; ALTER TABLE audit_log ENABLE TRIGGER USER`);
  v = verify();
  assert.equal(v.code, 1);
  assert.match(v.out, new RegExp(`entry ${mid} is broken`));
  sql(`ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET action = '${old}' WHERE id = ${mid}; ALTER TABLE audit_log ENABLE TRIGGER USER`);
  assert.equal(verify().code, 0);

  // A removed entry: the next one is named.
  const row = sql(`SELECT id FROM audit_log WHERE id > ${mid} ORDER BY id LIMIT 2`);
  const gone = row[0][0];
  const next = row[1][0];
  sql(`CREATE TABLE audit_keep AS SELECT * FROM audit_log WHERE id = ${gone}; ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE id = ${gone}; ALTER TABLE audit_log ENABLE TRIGGER USER`);
  v = verify();
  assert.equal(v.code, 1);
  assert.match(v.out, new RegExp(`entry ${next} is broken`));
  sql(`ALTER TABLE audit_log DISABLE TRIGGER USER; INSERT INTO audit_log SELECT * FROM audit_keep; ALTER TABLE audit_log ENABLE TRIGGER USER; DROP TABLE audit_keep`);
  assert.equal(verify().code, 0);
});

test('people: role change, self-protection, erasure under a pseudonym', async () => {
  const c = await person('client');
  const cIdea = (await c.api('POST', '/api/v1/ideas', { title: 'Idea before erasure', body: 'x', area: 'fx' })).json;
  await c.api('POST', `/api/v1/ideas/${idea.id}/vote`);
  const list = await admin.api('GET', '/api/v1/users');
  const me = list.json.users.find((u) => u.id === c.id);
  assert.equal(me.email, c.email);
  assert.equal(me.organization, c.organization);
  assert.equal((await admin.api('PATCH', `/api/v1/users/${admin.id}`, { active: false })).status, 409);
  assert.equal((await admin.api('PATCH', `/api/v1/users/${admin.id}`, { role: 'pm' })).status, 409);
  assert.equal((await admin.api('PATCH', `/api/v1/users/${pm.id}`, { role: 'client' })).status, 422);

  const p2 = await person('client');
  assert.equal((await admin.api('PATCH', `/api/v1/users/${p2.id}`, { role: 'pm' })).status, 200);
  assert.equal((await p2.api('GET', '/api/v1/me')).json.user.role, 'pm');
  assert.equal(sqlValue(`SELECT organization_id IS NULL FROM users WHERE id = ${p2.id}`), 't');

  const before = count('votes');
  const e = await admin.api('POST', `/api/v1/users/${c.id}/erase`);
  assert.equal(e.status, 200);
  assert.equal(sqlValue(`SELECT display_name FROM users WHERE id = ${c.id}`), 'Former member');
  assert.equal(sqlValue(`SELECT count(*) FROM users WHERE email = '${c.email}'`), '0');
  assert.equal(sqlValue(`SELECT count(*) FROM sessions WHERE user_id = ${c.id}`), '0');
  assert.equal(count('votes'), before);
  const g = await client.api('GET', `/api/v1/ideas/${cIdea.id}`);
  assert.equal(g.json.author.name, 'Former member');
  const entry = sqlValue(`SELECT row_to_json(a)::text FROM audit_log a WHERE action = 'user.erase' AND target = 'user:${c.id}'`);
  assert.ok(entry);
  assert.ok(!entry.includes(c.email) && !entry.includes(c.name), 'the erasure entry holds no erased data');
  assert.equal((await c.api('GET', '/api/v1/me')).status, 401);
});

test('organisations: list with members, rename, a taken name refused', async () => {
  const list = await admin.api('GET', '/api/v1/organizations');
  const mine = list.json.organizations.find((o) => String(o.id) === orgId);
  assert.ok(mine.members >= 1);
  const name = unique('Renamed Treasury GmbH');
  assert.equal((await admin.api('PATCH', `/api/v1/organizations/${orgId}`, { name })).status, 200);
  assert.equal(sqlValue(`SELECT name FROM organizations WHERE id = ${orgId}`), name);
  const other = await person('client');
  assert.equal((await admin.api('PATCH', `/api/v1/organizations/${orgId}`, { name: other.organization.toUpperCase() })).status, 409);
  const page = await admin.page(`/admin/organizations/${orgId}`);
  assert.equal(page.status, 200);
  assert.ok(page.text.includes(client.email));
});

test('areas: create, rename, retire (no new ideas), delete only when unused', async () => {
  const slug = unique('area').slice(0, 20);
  const c = await admin.api('POST', '/api/v1/areas', { slug, name_en: 'Liquidity', name_de: 'Liquidität' });
  assert.equal(c.status, 201, c.text);
  const id = c.json.id;
  assert.equal((await admin.api('POST', '/api/v1/areas', { slug, name_en: 'Again', name_de: 'Nochmal' })).status, 409);
  assert.equal((await admin.api('POST', '/api/v1/areas', { slug: 'Bad Slug!', name_en: 'x', name_de: 'y' })).status, 422);
  assert.equal((await admin.api('PATCH', `/api/v1/areas/${id}`, { action: 'rename', name_en: 'Liquidity Management', name_de: 'Liquiditätsmanagement' })).status, 200);
  const ideaIn = await client.api('POST', '/api/v1/ideas', { title: 'An idea in the new area', body: '', area: slug });
  assert.equal(ideaIn.status, 201);
  assert.equal((await admin.api('DELETE', `/api/v1/areas/${id}`)).status, 409, 'in use');
  assert.equal((await admin.api('PATCH', `/api/v1/areas/${id}`, { action: 'retire' })).status, 200);
  const refused = await client.api('POST', '/api/v1/ideas', { title: 'Another idea in a retired area', body: '', area: slug });
  assert.equal(refused.status, 422);
  assert.equal(refused.json.error.field, 'area');
  assert.ok(!(await client.api('GET', '/api/v1/areas')).json.areas.some((a) => a.slug === slug));
  const unused = await admin.api('POST', '/api/v1/areas', { slug: `${slug}-x`, name_en: 'Temp', name_de: 'Temp' });
  assert.equal((await admin.api('DELETE', `/api/v1/areas/${unused.json.id}`)).status, 200);
});

test('issuing an invitation anew: a new link, the old one dies', async () => {
  const inv = await admin.api('POST', '/api/v1/invitations', { email: `${unique('again')}@example.test`, role: 'pm' });
  const oldToken = inv.json.url.split('/invite/')[1];
  const r = await admin.api('POST', `/api/v1/invitations/${inv.json.id}/reissue`);
  assert.equal(r.status, 201);
  const newToken = r.json.url.split('/invite/')[1];
  assert.notEqual(newToken, oldToken);
  assert.equal((await new Client().accept(oldToken, 'Old Link', PASSWORD)).status, 404);
  assert.equal((await new Client().accept(newToken, 'New Link', PASSWORD)).status, 201);
  assert.equal((await admin.api('POST', `/api/v1/invitations/${r.json.id}/reissue`)).status, 409);
});

test('a password change ends every session; others can be ended from the profile', async () => {
  const c = await person('client');
  const second = new Client();
  await second.signIn(c.email, PASSWORD);
  const third = new Client();
  await third.signIn(c.email, PASSWORD);
  let page = await c.page('/profile');
  assert.equal(page.status, 200);
  let r = await c.form('/profile/sessions/end', { csrf_token: formCsrf(page.text) });
  assert.equal(r.status, 303);
  assert.equal((await second.api('GET', '/api/v1/me')).status, 401);
  assert.equal((await c.api('GET', '/api/v1/me')).status, 200, 'the current one stays');
  await third.signIn(c.email, PASSWORD);
  page = await c.page('/profile');
  r = await c.form('/profile/password', { csrf_token: formCsrf(page.text), current_password: 'not it at all', new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' });
  assert.equal(r.status, 422);
  r = await c.form('/profile/password', { csrf_token: formCsrf(page.text), current_password: PASSWORD, new_password: 'a brand new passphrase', new_password_confirm: 'a brand new passphrase' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/login?changed=1');
  assert.equal((await c.api('GET', '/api/v1/me')).status, 401);
  assert.equal((await third.api('GET', '/api/v1/me')).status, 401);
  assert.equal((await new Client().signIn(c.email, 'a brand new passphrase')).status, 200);
});

test('one\'s own data as JSON, and nobody else\'s', async () => {
  const c = await person('client');
  await c.api('POST', '/api/v1/ideas', { title: 'My exported idea', body: 'mine', area: 'fx' });
  const r = await c.fetch('/profile/data.json');
  assert.equal(r.status, 200);
  const data = await r.json();
  assert.equal(data.user.email, c.email);
  assert.equal(data.user.organization, c.organization);
  assert.ok(data.ideas.some((i) => i.title === 'My exported idea'));
  assert.ok(!JSON.stringify(data).includes(client.email));
});

test('the audit page lists entries with filters and exports CSV', async () => {
  const page = await admin.page('/admin/audit?action=session.sign_in');
  assert.equal(page.status, 200);
  assert.ok(page.text.includes('session.sign_in'));
  assert.equal((await admin.page('/admin/audit?from=2026-13-45')).status, 400);
  const csv = await admin.fetch('/admin/audit.csv?action=invitation');
  assert.equal(csv.status, 200);
  const bytes = Buffer.from(await csv.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a byte-order mark for Excel');
  const text = bytes.subarray(3).toString('utf8');
  assert.match(text.split('\r\n')[0], /^"id","at","actor","action"/);
  assert.ok(text.includes('invitation.create'));
  assert.ok(!text.includes('session.sign_in"'), 'filtered by action');
});

test('areas: every wrong field at once, in the API and on both forms of the page', async () => {
  const before = count('areas');
  const r = await admin.api('POST', '/api/v1/areas', { slug: 'Bad Slug!', name_en: '', name_de: 'x'.repeat(61) });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'slug');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['name_de', 'name_en', 'slug']);
  let page = await admin.page('/admin/areas');
  const csrf = formCsrf(page.text);
  const p = await admin.form('/admin/areas', { csrf_token: csrf, slug: 'Bad Slug!', name_en: '', name_de: 'Kept Name' });
  assert.equal(p.status, 422);
  assert.match(p.text, /id="area-slug-error"/);
  assert.match(p.text, /id="area-name-en-error"/);
  assert.doesNotMatch(p.text, /id="area-name-de-error"/);
  assert.ok(p.text.includes('value="Bad Slug!"'));
  assert.ok(p.text.includes('value="Kept Name"'));
  assert.equal(count('areas'), before);
  // A rename: its errors and what was typed stay in that area's form.
  const id = sqlValue("SELECT id FROM areas WHERE slug = 'fx'");
  const names = sql(`SELECT name_en, name_de FROM areas WHERE id = ${id}`)[0];
  const rn = await admin.form(`/admin/areas/${id}`, { csrf_token: csrf, action: 'rename', name_en: 'Typed <en>', name_de: '' });
  assert.equal(rn.status, 422);
  assert.doesNotMatch(rn.text, new RegExp(`id="area-${id}-en-error"`));
  assert.match(rn.text, new RegExp(`id="area-${id}-de-error"`));
  assert.ok(rn.text.includes('value="Typed &lt;en&gt;"'));
  assert.doesNotMatch(rn.text, /id="area-slug-error"/, 'not the form that adds');
  const both = await admin.form(`/admin/areas/${id}`, { csrf_token: csrf, action: 'rename', name_en: '', name_de: 'y'.repeat(61) });
  assert.match(both.text, new RegExp(`id="area-${id}-en-error"`));
  assert.match(both.text, new RegExp(`id="area-${id}-de-error"`));
  assert.deepEqual(sql(`SELECT name_en, name_de FROM areas WHERE id = ${id}`)[0], names);
  // A forged action is refused as before.
  assert.equal((await admin.form(`/admin/areas/${id}`, { csrf_token: csrf, action: 'explode' })).status, 422);
  page = await admin.page(`/admin/areas/${id}`);
  assert.equal(page.status, 200);
});

test('people and organisations: every wrong field at once; a refused rename keeps what was typed', async () => {
  const c = await person('client');
  const r = await admin.api('PATCH', `/api/v1/users/${c.id}`, { role: 'king', active: 'yes' });
  assert.equal(r.status, 422, r.text);
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['active', 'role']);
  assert.equal(sqlValue(`SELECT role || active FROM users WHERE id = ${c.id}`), 'clienttrue');
  const org = sqlValue(`SELECT organization_id FROM users WHERE id = ${c.id}`);
  const name = sqlValue(`SELECT name FROM organizations WHERE id = ${org}`);
  const page = await admin.page(`/admin/organizations/${org}`);
  const bad = await admin.form(`/admin/organizations/${org}`, { csrf_token: formCsrf(page.text), name: 'Q' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="org-name-error"/);
  assert.ok(bad.text.includes('value="Q"'));
  const other = await person('client');
  const taken = await admin.form(`/admin/organizations/${org}`, { csrf_token: formCsrf(page.text), name: other.organization.toLowerCase() });
  assert.equal(taken.status, 422);
  assert.match(taken.text, /id="org-name-error"/);
  assert.equal(sqlValue(`SELECT name FROM organizations WHERE id = ${org}`), name);
  const ok = await admin.form(`/admin/organizations/${org}`, { csrf_token: formCsrf(page.text), name });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), `/admin/organizations/${org}?saved=1`);
  // The pages of people: one route each for role, active and erasure.
  // Making a client a pm widens what they see: asked first, then confirmed.
  const ask = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: formCsrf(page.text), role: 'pm' });
  assert.equal(ask.status, 200);
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'client');
  const role = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: formCsrf(page.text), role: 'pm', confirm: '1' });
  assert.equal(role.status, 303);
  assert.equal(role.headers.get('location'), '/admin/users?saved=1');
  assert.equal((await admin.form(`/admin/users/${c.id}/active`, { csrf_token: formCsrf(page.text), active: 'maybe' })).status, 422);
  assert.equal((await admin.form(`/admin/users/${c.id}/active`, { csrf_token: formCsrf(page.text), active: '0' })).status, 303);
  assert.equal(sqlValue(`SELECT role || active FROM users WHERE id = ${c.id}`), 'pmfalse');
  const list = await admin.page(`/admin/users?saved=1&q=${encodeURIComponent(c.email)}`);
  assert.equal(list.status, 200);
  assert.ok(list.text.includes(c.email));
  // Erasing asks first (issue 14, item 18): the page names the person and
  // what goes; nothing is erased until confirm=1 is sent.
  const auditBefore = count('audit_log');
  const asked = await admin.form(`/admin/users/${c.id}/erase`, { csrf_token: formCsrf(page.text) });
  assert.equal(asked.status, 200);
  assert.ok(asked.text.includes(`Erase the personal data of ${c.name}?`));
  assert.ok(asked.text.includes(c.email));
  assert.match(asked.text, /name="confirm" value="1"/);
  assert.equal(sqlValue(`SELECT email FROM users WHERE id = ${c.id}`), c.email, 'not erased yet');
  assert.equal(count('audit_log'), auditBefore);
  const de = await admin.fetch(`/admin/users/${c.id}/erase`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: `csrf_token=${formCsrf(page.text)}` });
  assert.match(await de.text(), /Personenbezogene Daten von .* löschen\?/);
  assert.equal((await admin.form('/admin/users/999999999/erase', { csrf_token: formCsrf(page.text) })).status, 404);
  const erased = await admin.form(`/admin/users/${c.id}/erase`, { csrf_token: formCsrf(page.text), confirm: '1' });
  assert.equal(erased.headers.get('location'), '/admin/users?erased=1');
  assert.equal(sqlValue(`SELECT email FROM users WHERE id = ${c.id}`), `erased-${c.id}@invalid`);
  assert.equal(count('audit_log'), auditBefore + 1);
});

test('signing in names both wrong fields at once, and keeps the address typed', async () => {
  const before = count('sessions');
  const r = await new Client().api('POST', '/api/v1/session', { email: 'not-an-address', password: '' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'email');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['email', 'password']);
  const c = new Client();
  const page = await c.page('/login');
  const p = await c.form('/login', { csrf_token: formCsrf(page.text), email: 'typed@', password: '' });
  assert.equal(p.status, 422);
  assert.match(p.text, /id="email-error"/);
  assert.match(p.text, /id="password-error"/);
  assert.ok(p.text.includes('value="typed@"'));
  const wrong = await c.form('/login', { csrf_token: formCsrf(page.text), email: 'nobody@example.test', password: 'wrong password!' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.text, /id="login-error"/);
  assert.ok(wrong.text.includes('value="nobody@example.test"'));
  assert.equal(count('sessions'), before);
});

// The <select> of a person's role on /admin/users: [value, selected] each.
function roleOptions(html, id) {
  const m = html.match(new RegExp(`<select id="u-${id}-role"[^>]*>([\\s\\S]*?)</select>`));
  assert.ok(m, `the role select of ${id}`);
  return [...m[1].matchAll(/<option value="([a-z]+)"( selected)?>/g)].map((o) => [o[1], Boolean(o[2])]);
}

// A person's role and organisation, and their audit entries of user.role.
function roleState(id) {
  return {
    user: sql(`SELECT role, coalesce(organization_id::text, '-') FROM users WHERE id = ${id}`)[0],
    entries: sqlValue(`SELECT count(*) FROM audit_log WHERE action = 'user.role' AND target = 'user:${id}'`),
    audit: count('audit_log'),
  };
}

test('the role select preselects the current role; widening a role asks first, without JavaScript', async () => {
  const c = await person('client');
  const orgOf = sqlValue(`SELECT organization_id FROM users WHERE id = ${c.id}`);
  let list = await admin.page(`/admin/users?q=${encodeURIComponent(c.email)}`);
  assert.equal(list.status, 200);
  // A client's own role first and chosen, then the bank's two (never pm preselected).
  assert.deepEqual(roleOptions(list.text, c.id), [['client', true], ['pm', false], ['admin', false]]);
  assert.match(list.text, /<option value="client" selected>Client<\/option>/);
  const csrf = formCsrf(list.text);

  // Without confirm=1: a page that asks, and nothing changes (nor is audited).
  const before = roleState(c.id);
  const ask = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'pm', q: c.email });
  assert.equal(ask.status, 200);
  assert.ok(ask.text.includes(`Make ${c.name} a product manager?`), 'the question names the person and the role');
  assert.ok(ask.text.includes('Product managers see every voter&#39;s organisation and answer ideas for the bank.'));
  assert.ok(ask.text.includes(`leaves ${c.organization}`), 'says the client leaves the organisation');
  const form = ask.text.match(/<form method="post" action="\/admin\/users\/(\d+)\/role">([\s\S]*?)<\/form>/);
  assert.ok(form, 'a form to confirm');
  assert.equal(form[1], String(c.id));
  assert.match(form[2], /<input type="hidden" name="role" value="pm">/);
  assert.match(form[2], /<input type="hidden" name="confirm" value="1">/);
  assert.match(form[2], new RegExp(`<input type="hidden" name="csrf_token" value="${csrf}">`));
  assert.ok(form[2].includes(`<input type="hidden" name="q" value="${c.email}">`), 'the search goes along');
  assert.ok(form[2].includes(`<a href="/admin/users?q=${c.email.replace(/[^A-Za-z0-9._-]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}">Cancel</a>`), 'cancel goes back to the list');
  assert.deepEqual(roleState(c.id), before);
  // confirm=0 or anything but 1 asks again.
  assert.equal((await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'admin', confirm: 'yes' })).status, 200);
  assert.deepEqual(roleState(c.id), before);

  // With confirm=1: changed, audited once, back to the list as it was.
  const ok = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'pm', confirm: '1', q: 'two words' });
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/admin/users?saved=1&q=two+words');
  const after = roleState(c.id);
  assert.deepEqual(after.user, ['pm', '-']);
  assert.equal(Number(after.entries), Number(before.entries) + 1);
  assert.equal(after.audit, before.audit + 1, 'one audit entry, none for the question');
  const entry = JSON.parse(sqlValue(`SELECT details::text FROM audit_log WHERE action = 'user.role' AND target = 'user:${c.id}' ORDER BY id DESC LIMIT 1`));
  assert.deepEqual(entry, { from: 'client', to: 'pm', organization_id: Number(orgOf) });
  assert.equal(sqlValue(`SELECT actor_id FROM audit_log WHERE action = 'user.role' AND target = 'user:${c.id}' ORDER BY id DESC LIMIT 1`), String(admin.id));

  // Now a pm: pm chosen, no client offered (nobody is made a client here).
  list = await admin.page(`/admin/users?q=${encodeURIComponent(c.email)}`);
  assert.deepEqual(roleOptions(list.text, c.id), [['pm', true], ['admin', false]]);
  // pm -> admin widens too: asked (in German when the page is German).
  const de = await admin.fetch(`/admin/users/${c.id}/role`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: new URLSearchParams({ csrf_token: csrf, role: 'admin' }).toString(),
  });
  assert.equal(de.status, 200);
  const deText = await de.text();
  assert.ok(deText.includes(`${c.name} zum Administrator machen?`), 'German question');
  assert.ok(deText.includes('Prüfprotokoll'));
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'pm');
  assert.equal((await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'admin', confirm: '1' })).status, 303);
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'admin');
  list = await admin.page(`/admin/users?q=${encodeURIComponent(c.email)}`);
  assert.deepEqual(roleOptions(list.text, c.id), [['pm', false], ['admin', true]]);

  // Narrowing (admin -> pm) goes straight through, audited once.
  const n0 = roleState(c.id);
  const narrow = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'pm' });
  assert.equal(narrow.status, 303);
  assert.equal(narrow.headers.get('location'), '/admin/users?saved=1');
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'pm');
  assert.equal(Number(roleState(c.id).entries), Number(n0.entries) + 1);
  assert.deepEqual(JSON.parse(sqlValue(`SELECT details::text FROM audit_log WHERE action = 'user.role' AND target = 'user:${c.id}' ORDER BY id DESC LIMIT 1`)),
    { from: 'admin', to: 'pm', organization_id: null });
  // The same role again changes nothing and writes nothing.
  const same = roleState(c.id);
  assert.equal((await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'pm' })).status, 303);
  assert.deepEqual(roleState(c.id), same);
  // Nobody is made a client here (pm -> client): refused, as before.
  assert.equal((await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'client', confirm: '1' })).status, 422);
  assert.deepEqual(roleState(c.id), same);
  // A search a redirect cannot carry (beyond ASCII) is dropped, not followed elsewhere.
  const u = await admin.form(`/admin/users/${c.id}/role`, { csrf_token: csrf, role: 'pm', q: 'Müller' });
  assert.equal(u.headers.get('location'), '/admin/users?saved=1');
  // Unknown person: 404 before anything is asked.
  assert.equal((await admin.form('/admin/users/999999999/role', { csrf_token: csrf, role: 'admin' })).status, 404);
  // Without a CSRF token: refused, unchanged.
  assert.equal((await admin.form(`/admin/users/${c.id}/role`, { role: 'admin', confirm: '1' })).status, 403);
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${c.id}`), 'pm');

  // The API stays explicit: one PATCH widens at once.
  const d = await person('client');
  assert.equal((await admin.api('PATCH', `/api/v1/users/${d.id}`, { role: 'admin' })).status, 200);
  assert.equal(sqlValue(`SELECT role FROM users WHERE id = ${d.id}`), 'admin');
});

// The e-mail addresses a page of /admin/users lists, in order.
function listedEmails(html) {
  return [...html.matchAll(/<span class="person-email">([^<]*)<\/span>/g)].map((m) => m[1]);
}

test('/admin/users is paged, 50 a page, with the count, next and previous, the search kept', async () => {
  const tag = unique('pager').replace('-', '');
  // 123 people of one search (created at once: the id breaks the tie).
  sql(`INSERT INTO users (email, display_name, role, password_hash)
       SELECT '${tag}-' || g || '@example.test', 'Pager ${tag} ' || g, 'pm', 'x'
       FROM generate_series(1, 123) g`);
  const q = encodeURIComponent(tag);
  const p1 = await admin.page(`/admin/users?q=${q}`);
  assert.equal(p1.status, 200);
  assert.ok(p1.text.includes('<p class="list-count">Showing 1–50 of 123 people</p>'), 'the count');
  assert.ok(p1.text.includes('Page 1 of 3'));
  assert.ok(p1.text.includes(`<a class="btn btn-secondary" href="/admin/users?q=${tag}&amp;page=2" rel="next">Next page</a>`));
  assert.doesNotMatch(p1.text, /rel="prev"/);
  const e1 = listedEmails(p1.text);
  assert.equal(e1.length, 50);
  assert.equal(e1[0], `${tag}-123@example.test`, 'the newest first');

  const p2 = await admin.page(`/admin/users?q=${q}&page=2`);
  assert.equal(p2.status, 200);
  assert.ok(p2.text.includes('Showing 51–100 of 123 people'));
  assert.ok(p2.text.includes(`href="/admin/users?q=${tag}" rel="prev">Previous page</a>`));
  assert.ok(p2.text.includes(`href="/admin/users?q=${tag}&amp;page=3" rel="next"`));
  // The forms of page 2 come back to page 2 of the search.
  assert.ok(p2.text.includes(`<input type="hidden" name="q" value="${tag}"><input type="hidden" name="page" value="2">`));
  const p3 = await admin.page(`/admin/users?q=${q}&page=3`);
  assert.ok(p3.text.includes('Showing 101–123 of 123 people'));
  assert.ok(p3.text.includes('Page 3 of 3'));
  assert.doesNotMatch(p3.text, /rel="next"/);
  const all = [...e1, ...listedEmails(p2.text), ...listedEmails(p3.text)];
  assert.equal(all.length, 123);
  assert.equal(new Set(all).size, 123, 'no one twice, no one left out');
  assert.deepEqual(all, Array.from({ length: 123 }, (_, i) => `${tag}-${123 - i}@example.test`));

  // A search of two words pages too (the name); an empty page= is the first.
  const words = await admin.page(`/admin/users?q=${encodeURIComponent(`Pager ${tag}`)}&page=`);
  assert.equal(words.status, 200);
  assert.ok(words.text.includes('Showing 1–50 of 123 people'));
  assert.ok(words.text.includes(`href="/admin/users?q=Pager+${tag}&amp;page=2" rel="next"`));
  // A search of one page: just how many.
  const one = await admin.page(`/admin/users?q=${encodeURIComponent(`${tag}-77@`)}`);
  assert.ok(one.text.includes('<p class="list-count">1 person</p>'));
  assert.doesNotMatch(one.text, /class="pager/);
  // Past the end: says so, links back; nobody listed.
  const past = await admin.page(`/admin/users?q=${q}&page=9`);
  assert.equal(past.status, 200);
  assert.ok(past.text.includes('123 people. This page is past the end of the list, which ends on page 3.'));
  assert.ok(past.text.includes(`<a href="/admin/users?q=${tag}">Go to the first page</a>`));
  assert.equal(listedEmails(past.text).length, 0);
  // Everyone: the count is everyone's.
  const total = Number(sqlValue('SELECT count(*) FROM users'));
  const everyone = await admin.page('/admin/users');
  assert.ok(everyone.text.includes(`Showing 1–50 of ${total} people`), `of ${total}`);
  assert.equal(listedEmails(everyone.text).length, 50);
  assert.ok(everyone.text.includes('href="/admin/users?page=2" rel="next"'));

  // A page value that cannot be one: 400, naming it.
  for (const bad of ['0', '-1', 'abc', '1.5', '01', '2x', '+2', '1000001', '99999999999999999999', 'a%00b']) {
    const r = await admin.page(`/admin/users?q=${q}&page=${bad}`);
    assert.equal(r.status, 400, `page=${bad}`);
    assert.ok(r.text.includes('This page number is not valid'), `page=${bad} is named`);
  }
  assert.equal((await admin.page('/admin/users?q=a%00b&page=2')).status, 400);
  // The API's list is as it was (not paged; its callers are explicit).
  const api = await admin.api('GET', `/api/v1/users?q=${q}&page=abc`);
  assert.equal(api.status, 200);
  assert.equal(api.json.users.length, 123);

  // Deactivating someone on page 2 returns to page 2 of the search.
  const target = sqlValue(`SELECT id FROM users WHERE email = '${tag}-60@example.test'`);
  const r = await admin.form(`/admin/users/${target}/active`, { csrf_token: formCsrf(p2.text), active: '0', q: tag, page: '2' });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/admin/users?saved=1&q=${tag}&page=2`);
  // The role confirmation keeps them too.
  const ask = await admin.form(`/admin/users/${target}/role`, { csrf_token: formCsrf(p2.text), role: 'admin', q: tag, page: '2' });
  assert.equal(ask.status, 200);
  assert.ok(ask.text.includes('<input type="hidden" name="page" value="2">'));
  assert.ok(ask.text.includes(`<a href="/admin/users?q=${tag}&amp;page=2">Cancel</a>`));
});

// The addresses a page of /admin/invitations lists, in order.
function invitedEmails(html) {
  return [...html.matchAll(/<td class="cell-wrap" data-label="E-mail address">([^<]*)<\/td>/g)].map((m) => m[1]);
}

test('/admin/invitations is paged, 50 a page, searched by address and state', async () => {
  const tag = unique('invpage').replace('-', '');
  const ids = [];
  for (let i = 1; i <= 55; i++) {
    const r = await admin.api('POST', '/api/v1/invitations', { email: `${tag}-${i}@example.test`, role: 'pm' });
    assert.equal(r.status, 201);
    ids.push(r.json.id);
  }
  // The newest five: three revoked, two expired; the other 50 pending.
  for (const id of ids.slice(50, 53)) assert.equal((await admin.api('DELETE', `/api/v1/invitations/${id}`)).status, 200);
  sql(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id IN (${ids[53]}, ${ids[54]})`);
  const q = encodeURIComponent(tag);

  const p1 = await admin.page(`/admin/invitations?q=${q}`);
  assert.equal(p1.status, 200);
  assert.ok(p1.text.includes('<p class="list-count">Showing 1–50 of 55 invitations</p>'));
  assert.equal(invitedEmails(p1.text).length, 50);
  assert.equal(invitedEmails(p1.text)[0], `${tag}-55@example.test`, 'the newest first');
  assert.ok(p1.text.includes(`href="/admin/invitations?q=${tag}&amp;page=2" rel="next">Next page</a>`));
  assert.ok(p1.text.includes(`<input id="inv-q" name="q" type="search" maxlength="199" autocomplete="off" spellcheck="false" autocapitalize="none" value="${tag}">`), 'the search box keeps it');
  const p2 = await admin.page(`/admin/invitations?q=${q}&page=2`);
  assert.ok(p2.text.includes('Showing 51–55 of 55 invitations'));
  assert.deepEqual(invitedEmails(p2.text), [5, 4, 3, 2, 1].map((i) => `${tag}-${i}@example.test`));
  assert.ok(p2.text.includes(`href="/admin/invitations?q=${tag}" rel="prev">Previous page</a>`));
  assert.doesNotMatch(p2.text, /rel="next"/);

  // By state, with the search.
  const revoked = await admin.page(`/admin/invitations?q=${q}&state=revoked`);
  assert.ok(revoked.text.includes('<p class="list-count">3 invitations</p>'));
  assert.deepEqual(invitedEmails(revoked.text), [53, 52, 51].map((i) => `${tag}-${i}@example.test`));
  assert.match(revoked.text, /<option value="revoked" selected>Revoked<\/option>/);
  const expired = await admin.page(`/admin/invitations?q=${q}&state=expired`);
  assert.ok(expired.text.includes('<p class="list-count">2 invitations</p>'));
  const pending = await admin.page(`/admin/invitations?q=${q}&state=pending`);
  assert.ok(pending.text.includes('<p class="list-count">50 invitations</p>'), 'one page: just how many');
  assert.doesNotMatch(pending.text, /class="pager/);
  const none = await admin.page(`/admin/invitations?q=${q}&state=redeemed`);
  assert.ok(none.text.includes('No invitation matches.'));
  assert.equal(invitedEmails(none.text).length, 0);
  const one = await admin.page(`/admin/invitations?q=${encodeURIComponent(`${tag}-17@`)}`);
  assert.ok(one.text.includes('<p class="list-count">1 invitation</p>'));
  // Everyone's: the count is every invitation's.
  const total = Number(sqlValue('SELECT count(*) FROM invitations'));
  const all = await admin.page('/admin/invitations');
  assert.ok(all.text.includes(`Showing 1–50 of ${total} invitations`), `of ${total}`);
  assert.equal(invitedEmails(all.text).length, 50);
  const stateAll = await admin.page(`/admin/invitations?state=pending&page=2`);
  assert.equal(stateAll.status, 200);

  // Values that cannot be meant: 400, naming them.
  for (const [qs, text] of [['page=0', 'This page number is not valid'], ['page=x', 'This page number is not valid'],
    ['page=-3', 'This page number is not valid'], ['state=open', 'Choose one of the states.'],
    ['q=a%00b', 'The text contains characters that are not allowed']]) {
    const r = await admin.page(`/admin/invitations?${qs}`);
    assert.equal(r.status, 400, qs);
    if (!qs.startsWith('q=')) assert.ok(r.text.includes(text), `${qs} is named`);
  }
  // Past the end.
  const past = await admin.page(`/admin/invitations?q=${q}&page=5`);
  assert.equal(past.status, 200);
  assert.ok(past.text.includes('This page is past the end of the list, which ends on page 2.'));

  // Revoking from page 2 of a search returns there.
  const csrf = formCsrf(p2.text);
  assert.ok(p2.text.includes(`<input type="hidden" name="q" value="${tag}"><input type="hidden" name="page" value="2"><button`));
  assert.equal(sqlValue(`SELECT revoked_at IS NULL FROM invitations WHERE id = ${ids[0]}`), 't');
  const rv = await admin.form(`/admin/invitations/${ids[0]}/revoke`, { csrf_token: csrf, q: tag, state: 'pending', page: '2' });
  assert.equal(rv.status, 303);
  assert.equal(rv.headers.get('location'), `/admin/invitations?q=${tag}&state=pending&page=2`);
  assert.equal(sqlValue(`SELECT revoked_at IS NOT NULL FROM invitations WHERE id = ${ids[0]}`), 't');
  // Issuing one shows the first page of all, the new one on top.
  const email = `${tag}-new@example.test`;
  const issued = await admin.form('/admin/invitations', { csrf_token: csrf, email, role: 'pm' });
  assert.equal(issued.status, 201);
  assert.equal(invitedEmails(issued.text)[0], email);
  assert.ok(issued.text.includes(`Showing 1–50 of ${total + 1} invitations`));
  // The API's list is as it was.
  const api = await admin.api('GET', '/api/v1/invitations?page=x');
  assert.equal(api.status, 200);
  assert.ok(api.json.invitations.length > 50);
});
