// What clients, product managers and admins notice in their first hour
// (the numbered items; each test failed on the code before).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, PASSWORD, drivectlInvite, unique } from '../lib/drive.mjs';

// 8. A name that ends in a full stop gets no second one.
test('the welcome names the person without a double stop, in both languages', async () => {
  for (const [lang, words] of [['en', 'welcome to Drive.'], ['de', 'willkommen bei Drive.']]) {
    const email = `${unique('welcome')}@example.test`;
    const c = new Client();
    const r = await c.accept(drivectlInvite(email, 'client', unique('Org')), 'Ana T.', PASSWORD);
    assert.equal(r.status, 201);
    const res = await c.fetch('/?welcome=1', { headers: { 'accept-language': lang } });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.ok(html.includes(`Ana T., ${words}`), `${lang}: the welcome`);
    assert.ok(!html.includes('T..'), `${lang}: no double stop`);
  }
});
