// Issue 14, item 17: the audit page filters by actions named in words
// (a select, by group or one action; never an internal code typed in),
// and tells each entry's details as a sentence.  The CSV keeps the codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { person, Client, PASSWORD, count } from '../lib/drive.mjs';

const admin = await person('admin');
const pm = await person('pm');

test('the audit page: actions in words, details as sentences, a select for the filter', async () => {
  // A failed sign-in, and a role change through the API.
  assert.equal((await new Client().signIn(pm.email, 'not the password at all')).status, 401);
  const r = await admin.api('PATCH', `/api/v1/users/${pm.id}`, { role: 'admin' });
  assert.equal(r.status, 200, r.text);

  let page = await admin.page('/admin/audit?action=user.role');
  assert.equal(page.status, 200);
  assert.match(page.text, /<option value="user.role" selected>Role changed<\/option>/);
  assert.match(page.text, /<optgroup label="People and passwords">/);
  assert.match(page.text, /<span class="a-label">Role changed<\/span> <code class="a-code">user.role<\/code>/);
  assert.ok(page.text.includes('From Product manager to Administrator.'), 'the details as a sentence');
  assert.ok(!page.text.includes('&quot;from&quot;'), 'no raw JSON where a sentence exists');

  // One action is that action, not every code that starts like it.
  page = await admin.page('/admin/audit?action=session.sign_in');
  assert.ok(page.text.includes('>Signed in<'));
  assert.ok(!page.text.includes('<code class="a-code">session.sign_in_failed</code>'));
  // A group is every action of it.
  page = await admin.page('/admin/audit?action=session');
  assert.ok(page.text.includes('<code class="a-code">session.sign_in_failed</code>'));
  assert.match(page.text, /<option value="session" selected>All: Signing in and out<\/option>/);

  // German.
  const de = await (await admin.fetch('/admin/audit?action=user.role',
    { headers: { 'accept-language': 'de' } })).text();
  assert.ok(de.includes('<span class="a-label">Rolle geändert</span>'));
  assert.ok(de.includes('Von Produktmanager zu Administrator.'), de.match(/Von [^<]*/)?.[0]);

  // What the select does not offer is refused, naming the field.
  const before = count('audit_log');
  for (const bad of ['sign_in', 'session.', 'user.rol']) {
    const b = await admin.page(`/admin/audit?action=${bad}`);
    assert.equal(b.status, 400, bad);
    assert.match(b.text, /Choose one of the actions in the list\./);
  }
  assert.equal((await admin.fetch('/admin/audit.csv?action=sign_in')).status, 400);
  assert.equal(count('audit_log'), before, 'looking changes nothing');

  // The CSV keeps codes and JSON, for machines.
  const csv = await (await admin.fetch('/admin/audit.csv?action=user.role')).text();
  assert.ok(csv.includes('"user.role"'));
  assert.match(csv, /""from"": ""pm""/);
});
