// Invitations end to end: issue, list, revoke, redeem; one refusal for
// used, expired, revoked and unknown links; GET changes nothing; two
// people redeeming one link at once: exactly one wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client, person, drivectlInvite, sql, sqlValue, snapshot, unique, formCsrf,
  PASSWORD, shell, ROOT, count,
} from '../lib/drive.mjs';

const admin = await person('admin');

async function issue(role = 'client', org = unique('Org')) {
  const email = `${unique('inv')}@example.test`;
  const r = await admin.api('POST', '/api/v1/invitations',
    { email, role, organization: role === 'client' ? org : undefined });
  assert.equal(r.status, 201, r.text);
  const token = r.json.url.match(/\/invite\/([0-9a-f]{64})$/)[1];
  return { ...r.json, token, email, org };
}

test('an admin issues an invitation: 201 with a one-time link, only the hash stored', async () => {
  const before = snapshot();
  const inv = await issue('client');
  assert.match(inv.url, /^http:\/\/127\.0\.0\.1:\d+\/invite\/[0-9a-f]{64}$/);
  assert.match(inv.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const days = (Date.parse(inv.expires_at) - Date.now()) / 86400e3;
  assert.ok(days > 6.9 && days <= 7.01, `expires in ${days} days`);
  const after = snapshot();
  assert.equal(after.invitations, before.invitations + 1);
  assert.equal(after.organizations, before.organizations + 1);
  // The token itself is nowhere in the database, its SHA-256 is.
  const stored = sqlValue(`SELECT encode(token_hash, 'hex') FROM invitations WHERE id = ${inv.id}`);
  assert.notEqual(stored, inv.token);
  const { createHash } = await import('node:crypto');
  assert.equal(stored, createHash('sha256').update(Buffer.from(inv.token, 'hex')).digest('hex'));
  assert.equal(Number(sqlValue(`SELECT count(*) FROM invitations WHERE encode(token_hash, 'hex') = '${inv.token}'`)), 0);
  // Audited with who and what.
  assert.equal(sqlValue(`SELECT actor_id FROM audit_log WHERE action = 'invitation.create' AND target = 'invitation:${inv.id}'`), String(admin.id));
});

test('an organisation named again (any case) is reused, not duplicated', async () => {
  const org = unique('Treasury AG');
  await issue('client', org);
  const before = snapshot();
  await issue('client', org.toUpperCase());
  assert.equal(snapshot().organizations, before.organizations);
});

test('the list shows each invitation with its state and issuer', async () => {
  const pending = await issue('client');
  const revoked = await issue('pm');
  const redeemed = await issue('client');
  const expired = await issue('client');
  assert.equal((await admin.api('DELETE', `/api/v1/invitations/${revoked.id}`)).status, 200);
  assert.equal((await new Client().accept(redeemed.token, 'Redeemer', PASSWORD)).status, 201);
  sql(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = ${expired.id}`);

  const r = await admin.api('GET', '/api/v1/invitations');
  assert.equal(r.status, 200);
  const byId = new Map(r.json.invitations.map((i) => [i.id, i]));
  assert.equal(byId.get(pending.id).state, 'pending');
  assert.equal(byId.get(revoked.id).state, 'revoked');
  assert.equal(byId.get(redeemed.id).state, 'redeemed');
  assert.equal(byId.get(expired.id).state, 'expired');
  assert.equal(byId.get(pending.id).issued_by, admin.name);
  assert.equal(byId.get(pending.id).organization, pending.org);
  assert.equal(byId.get(revoked.id).organization, null);
  assert.equal(byId.get(pending.id).email, pending.email);
});

test('redeeming signs the person in with the role and organisation of the invitation', async () => {
  const inv = await issue('client');
  const c = new Client();
  const before = snapshot();
  const r = await c.accept(inv.token, 'Clara Client', PASSWORD);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.user.name, 'Clara Client');
  assert.equal(r.json.user.role, 'client');
  assert.match(r.json.csrf_token, /^[0-9a-f]{64}$/);
  const after = snapshot();
  assert.equal(after.users, before.users + 1);
  assert.equal(after.sessions, before.sessions + 1);
  const me = await c.api('GET', '/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.json.user.id, r.json.user.id);
  const row = sql(`SELECT u.email, u.role, o.name FROM users u JOIN organizations o ON o.id = u.organization_id WHERE u.id = ${r.json.user.id}`)[0];
  assert.deepEqual(row, [inv.email, 'client', inv.org]);
  // The password is stored as Argon2id, never as given.
  assert.match(sqlValue(`SELECT password_hash FROM users WHERE id = ${r.json.user.id}`), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  // And the person can sign in with it later.
  const again = new Client();
  assert.equal((await again.signIn(inv.email, PASSWORD)).status, 200);
});

test('used, expired, revoked and unknown links get the same refusal and change nothing', async () => {
  const used = await issue('client');
  await new Client().accept(used.token, 'First Person', PASSWORD);
  const expired = await issue('client');
  sql(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = ${expired.id}`);
  const revoked = await issue('client');
  await admin.api('DELETE', `/api/v1/invitations/${revoked.id}`);
  const unknown = 'ab'.repeat(32);

  const apiAnswers = [];
  const pageAnswers = [];
  for (const token of [used.token, expired.token, revoked.token, unknown, 'short', 'zz'.repeat(32)]) {
    const before = snapshot();
    const c = new Client();
    const r = await c.api('POST', '/api/v1/invitations/accept', { token, name: 'Second Person', password: PASSWORD });
    assert.equal(r.status, 404, `${token}: ${r.text}`);
    apiAnswers.push(JSON.stringify(r.json));
    const page = await c.page(`/invite/${token}`);
    assert.equal(page.status, 404);
    pageAnswers.push(page.text.replace(/[0-9a-f]{64}/g, 'TOKEN'));
    // The page form too.
    const post = await c.form(`/invite/${token}`, { csrf_token: c.cookies.get('drive_csrf'), name: 'Second Person', password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(post.status, 404);
    assert.deepEqual(snapshot(), before, `${token} changed something`);
  }
  assert.equal(new Set(apiAnswers).size, 1, 'the API refusals differ');
  assert.equal(new Set(pageAnswers).size, 1, 'the refusal pages differ');
  assert.equal(JSON.parse(apiAnswers[0]).error.code, 'invitation_invalid');
});

test('opening the link (GET) changes nothing; only the form redeems', async () => {
  const inv = await issue('client');
  const c = new Client();
  const before = snapshot();
  for (let i = 0; i < 3; i++) {
    const page = await c.page(`/invite/${inv.token}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(inv.email));
  }
  assert.deepEqual(snapshot(), before);
  assert.equal(sqlValue(`SELECT redeemed_at IS NULL FROM invitations WHERE id = ${inv.id}`), 't');

  const page = await c.page(`/invite/${inv.token}`);
  const r = await c.form(`/invite/${inv.token}`, {
    csrf_token: formCsrf(page.text), name: 'Form Person', password: PASSWORD, password_confirm: PASSWORD,
  });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/?welcome=1');
  const home = await c.page('/?welcome=1');
  assert.equal(home.status, 200);
  assert.ok(home.text.includes('Form Person'));
});

test('two people redeeming one link at the same moment: one wins, the other is refused', async () => {
  for (let round = 0; round < 3; round++) {
    const inv = await issue('client');
    const before = snapshot();
    const clients = Array.from({ length: 8 }, () => new Client());
    const results = await Promise.all(clients.map((c, i) => c.accept(inv.token, `Racer ${i}`, PASSWORD)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 404, 404, 404, 404, 404, 404, 404], statuses.join());
    const after = snapshot();
    assert.equal(after.users, before.users + 1);
    assert.equal(after.sessions, before.sessions + 1);
  }
});

test('redeeming validates the display name and the password, keeping the invitation', async () => {
  const inv = await issue('client');
  const cases = [
    [{ name: 'A', password: PASSWORD }, 'name'],
    [{ name: 'x'.repeat(61), password: PASSWORD }, 'name'],
    [{ name: 'Tab\tName', password: PASSWORD }, 'name'],
    [{ password: PASSWORD }, 'name'],
    [{ name: 'Good Name', password: 'short' }, 'password'],
    [{ name: 'Good Name' }, 'password'],
    [{ name: 'Good Name', password: 12345678901234 }, 'password'],
    [{ name: ['array'], password: PASSWORD }, 'name'],
  ];
  for (const [body, field] of cases) {
    const before = snapshot();
    const r = await new Client().api('POST', '/api/v1/invitations/accept', { token: inv.token, ...body });
    assert.equal(r.status, 422, JSON.stringify(body) + r.text);
    assert.equal(r.json.error.field, field, JSON.stringify(body));
    assert.ok(r.json.error.message.length > 5);
    assert.deepEqual(snapshot(), before);
  }
  // The page keeps what was typed and names the field.
  const c = new Client();
  const page = await c.page(`/invite/${inv.token}`);
  const r = await c.form(`/invite/${inv.token}`, {
    csrf_token: formCsrf(page.text), name: 'Kept <Name>', password: PASSWORD, password_confirm: 'something else entirely',
  });
  assert.equal(r.status, 422);
  assert.ok(r.text.includes('value="Kept &lt;Name&gt;"'));
  assert.match(r.text, /id="password_confirm-error"/);
  // Still redeemable.
  assert.equal((await new Client().accept(inv.token, 'Valid Name', PASSWORD)).status, 201);
});

test('an invitation for an address that has an account already is refused', async () => {
  const inv = await issue('client');
  await new Client().accept(inv.token, 'Owner', PASSWORD);
  const r2 = await admin.api('POST', '/api/v1/invitations', { email: inv.email.toUpperCase(), role: 'pm' });
  assert.equal(r2.status, 201);
  const token = r2.json.url.split('/invite/')[1];
  const before = snapshot();
  const r = await new Client().accept(token, 'Twin', PASSWORD);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'invitation_taken');
  assert.deepEqual(snapshot(), before);
});

test('issuing validates e-mail, role and organisation; nothing is stored on error', async () => {
  const cases = [
    [{ role: 'client', organization: 'Org Ltd' }, 'email'],
    [{ email: 'not-an-address', role: 'client', organization: 'Org Ltd' }, 'email'],
    [{ email: 'a@b.test', role: 'king', organization: 'Org Ltd' }, 'role'],
    [{ email: 'a@b.test', organization: 'Org Ltd' }, 'role'],
    [{ email: 'a@b.test', role: 'client' }, 'organization'],
    [{ email: 'a@b.test', role: 'client', organization: 'X' }, 'organization'],
    [{ email: 'a@b.test', role: 'pm', organization: 'Bank Staff Org' }, 'organization'],
    [{ email: 42, role: 'client', organization: 'Org Ltd' }, 'email'],
    [{ email: 'a@b.test', role: 'client', organization: 'Line\nbreak' }, 'organization'],
  ];
  for (const [body, field] of cases) {
    const before = snapshot();
    const r = await admin.api('POST', '/api/v1/invitations', body);
    assert.equal(r.status, 422, JSON.stringify(body) + r.text);
    assert.equal(r.json.error.field, field, JSON.stringify(body));
    assert.deepEqual(snapshot(), before);
  }
});

test('revoking: 200 once, 404 for unknown, 409 for a redeemed one; the link dies', async () => {
  const inv = await issue('client');
  const r = await admin.api('DELETE', `/api/v1/invitations/${inv.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.state, 'revoked');
  assert.equal(sqlValue(`SELECT revoked_by FROM invitations WHERE id = ${inv.id}`), String(admin.id));
  assert.equal((await new Client().accept(inv.token, 'Too Late', PASSWORD)).status, 404);
  assert.equal((await admin.api('DELETE', '/api/v1/invitations/99999999')).status, 404);
  const used = await issue('client');
  await new Client().accept(used.token, 'Quick One', PASSWORD);
  const before = snapshot();
  assert.equal((await admin.api('DELETE', `/api/v1/invitations/${used.id}`)).status, 409);
  assert.deepEqual(snapshot(), before);
});

test('the admin page issues, lists and revokes through forms', async () => {
  const page = await admin.page('/admin/invitations');
  assert.equal(page.status, 200);
  const csrf = formCsrf(page.text);
  const email = `${unique('page')}@example.test`;
  const org = unique('Page Org');
  const r = await admin.form('/admin/invitations', { csrf_token: csrf, email, role: 'client', organization: org, new_org: '1' });
  assert.equal(r.status, 201);
  const m = r.text.match(/\/invite\/([0-9a-f]{64})/);
  assert.ok(m, 'the link is shown once');
  assert.ok(r.text.includes(email));
  // The list does not show the link again.
  const again = await admin.page('/admin/invitations');
  assert.ok(!again.text.includes(m[1]));
  const id = sqlValue(`SELECT id FROM invitations WHERE email = '${email}'`);
  const rv = await admin.form(`/admin/invitations/${id}/revoke`, { csrf_token: csrf });
  assert.equal(rv.status, 303);
  assert.equal(sqlValue(`SELECT revoked_at IS NOT NULL FROM invitations WHERE id = ${id}`), 't');
  // A form error keeps the input and names the field.
  const bad = await admin.form('/admin/invitations', { csrf_token: csrf, email: 'broken', role: 'client', organization: 'Kept Org' });
  assert.equal(bad.status, 422);
  assert.ok(bad.text.includes('value="broken"'));
  assert.ok(bad.text.includes('value="Kept Org"'));
  assert.match(bad.text, /id="inv-email-error"/);
});

test('drivectl invite --first-admin prints nothing once an admin exists', () => {
  const before = snapshot();
  const out = shell(`${ROOT}/build/drivectl invite --first-admin --email first@example.test`);
  assert.equal(out, '');
  assert.deepEqual(snapshot(), before);
  assert.ok(Number(sqlValue("SELECT count(*) FROM users WHERE role = 'admin' AND active")) >= 1);
});

test('issuing names every wrong field at once, in the API and on the page', async () => {
  const before = snapshot();
  const r = await admin.api('POST', '/api/v1/invitations', { email: 'broken', role: 'king', organization: 'Org\u0001' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'email');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['email', 'organization', 'role']);
  const c = await admin.api('POST', '/api/v1/invitations', { email: 'broken', role: 'client', organization: 'X' });
  assert.deepEqual(Object.keys(c.json.error.fields).sort(), ['email', 'organization']);
  const page = await admin.page('/admin/invitations');
  const bad = await admin.form('/admin/invitations', { csrf_token: formCsrf(page.text), email: 'still broken', role: 'pm', organization: 'Staff Org' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /id="inv-email-error"/);
  assert.match(bad.text, /id="inv-org-error"/);
  assert.doesNotMatch(bad.text, /id="inv-role-error"/);
  assert.ok(bad.text.includes('value="still broken"'));
  assert.ok(bad.text.includes('value="Staff Org"'));
  assert.match(bad.text, /<option value="pm" selected>/);
  assert.deepEqual(snapshot(), before);
});

test('redeeming names every wrong field at once; the page keeps the name, never a password', async () => {
  const inv = await issue('client');
  const before = snapshot();
  const r = await new Client().api('POST', '/api/v1/invitations/accept', { token: inv.token, name: 'A', password: 'short' });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.field, 'name');
  assert.deepEqual(Object.keys(r.json.error.fields).sort(), ['name', 'password']);
  const c = new Client();
  const page = await c.page(`/invite/${inv.token}`);
  const p = await c.form(`/invite/${inv.token}`, {
    csrf_token: formCsrf(page.text), name: 'B', password: 'short one', password_confirm: 'another',
  });
  assert.equal(p.status, 422);
  assert.match(p.text, /id="name-error"/);
  assert.match(p.text, /id="password-error"/);
  assert.match(p.text, /id="password_confirm-error"/);
  assert.ok(p.text.includes('value="B"'));
  assert.ok(!p.text.includes('short one') && !p.text.includes('another'));
  assert.ok(p.text.includes(inv.email), 'the invitation is shown again');
  assert.deepEqual(snapshot(), before);
  assert.equal((await new Client().accept(inv.token, 'Valid Name', PASSWORD)).status, 201);
});

// Issue 14, item 15: the form offers the organisations there are; a name
// none has is created only when the admin says it is new, and names like
// it are shown first ("Hanseatic Logistics" beside "... GmbH").
test('the invitation form: existing organisations offered, a new one only explicitly', async () => {
  const tag = unique('h').replace(/[^a-z0-9]/gi, '');
  const existing = `Hanseatic Logistics GmbH ${tag}`;
  drivectlInvite(`${unique('seed')}@example.test`, 'client', existing);
  const page = await admin.page('/admin/invitations');
  const csrf = formCsrf(page.text);
  assert.ok(page.text.includes(`<option value="${existing}">`), 'offered in the datalist');
  const orgs = count('organizations');
  const invs = count('invitations');
  const email = `${unique('near')}@example.test`;
  let r = await admin.form('/admin/invitations', { csrf_token: csrf, email, role: 'client', organization: `Hanseatic Logistics ${tag}` });
  assert.equal(r.status, 422);
  assert.match(r.text, /id="inv-org-error"[^>]*>.*No organisation has exactly this name/);
  assert.ok(r.text.includes(`<li>${existing}</li>`), 'the similar name is shown');
  assert.match(r.text, /name="new_org"/);
  assert.ok(r.text.includes(`value="Hanseatic Logistics ${tag}"`), 'what was typed is kept');
  assert.equal(count('organizations'), orgs, 'no organisation created');
  assert.equal(count('invitations'), invs, 'no invitation issued');
  // The existing one, in another case: no new organisation.
  r = await admin.form('/admin/invitations', { csrf_token: csrf, email, role: 'client', organization: existing.toUpperCase() });
  assert.equal(r.status, 201);
  assert.equal(count('organizations'), orgs);
  assert.equal(sqlValue(`SELECT o.name FROM invitations i JOIN organizations o ON o.id = i.organization_id WHERE i.email = '${email}'`), existing);
  // A new one, said to be new: created.
  r = await admin.form('/admin/invitations', { csrf_token: csrf, email: `${unique('new')}@example.test`, role: 'client', organization: `Hanseatic Logistics ${tag}`, new_org: '1' });
  assert.equal(r.status, 201);
  assert.equal(count('organizations'), orgs + 1);
  // German.
  const de = await admin.fetch('/admin/invitations', { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
    body: `csrf_token=${csrf}&email=x${tag}%40example.test&role=client&organization=Brand+new+${tag}` });
  assert.equal(de.status, 422);
  assert.match(await de.text(), /Als neue Organisation anlegen/);
  // The API keeps finding by name or creating (it says what it means).
  const api = await admin.api('POST', '/api/v1/invitations', { email: `${unique('api')}@example.test`, role: 'client', organization: `Api Org ${tag}` });
  assert.equal(api.status, 201, api.text);
});
