// The API contract for methods: every route of app/routes.c, asked with
// a method it does not accept, answers 405 with an Allow header naming the
// methods it does accept (the JSON error envelope under /api/v1, the error
// page elsewhere), and never another handler's answer.  The methods each
// route accepts still work, HEAD wherever GET does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { person, Client, sql, sqlValue, count, unique, drivectlInvite, ROOT } from '../lib/drive.mjs';

const admin = await person('admin');
const idea = (await admin.api('POST', '/api/v1/ideas',
  { title: unique('Method walk idea'), body: 'Body.', area: 'cash-management' })).json;
const comment = (await admin.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'A comment.' })).json;
const invitation = (await admin.api('POST', '/api/v1/invitations',
  { email: `${unique('walk')}@example.test`, role: 'pm' })).json;
const apiToken = (await admin.api('POST', '/api/v1/tokens', { name: unique('walk') })).json;
const inviteToken = drivectlInvite(`${unique('walk')}@example.test`, 'pm');
const orgName = unique('Walk Org');
drivectlInvite(`${unique('walk')}@example.test`, 'client', orgName);
const org = sqlValue(`SELECT id FROM organizations WHERE name = '${orgName}'`);
const area = sqlValue('SELECT id FROM areas ORDER BY id LIMIT 1');
assert.ok(idea && comment && invitation && apiToken && org && area, 'the objects to walk over exist');

const I = idea.id;
const C = comment.id;
const U = admin.id;

// Each route of app/routes.c: a path it matches, the methods it accepts
// (written out here, not read from the configuration) and what GET answers
// to the signed-in admin.
const ROUTES = {
  '/healthz': { path: '/healthz', allow: 'GET HEAD', get: 200 },
  '/static/**': { path: '/static/drive.css', allow: 'GET HEAD', get: 200 },
  '/': { path: '/', allow: 'GET HEAD', get: 200 },
  '/login': { path: '/login', allow: 'GET HEAD POST', get: 303 },
  '/logout': { path: '/logout', allow: 'POST' },
  '/login/code': { path: '/login/code', allow: 'GET HEAD POST', get: 303 },
  // Single sign-on is not configured on the suite's Kore: 404 (sso.test.mjs).
  '/login/sso': { path: '/login/sso', allow: 'GET HEAD', get: 404 },
  '/login/sso/callback': { path: '/login/sso/callback', allow: 'GET HEAD', get: 404 },
  '/oidc/backchannel-logout': { path: '/oidc/backchannel-logout', allow: 'POST' },
  '/invite/*token': { path: `/invite/${inviteToken}`, allow: 'GET HEAD POST', get: 200 },
  '/admin/invitations': { path: '/admin/invitations', allow: 'GET HEAD POST', get: 200 },
  '/admin/invitations/:id/revoke': { path: `/admin/invitations/${invitation.id}/revoke`, allow: 'POST' },
  '/ideas/new': { path: '/ideas/new', allow: 'GET HEAD POST', get: 200 },
  '/ideas/:id': { path: `/ideas/${I}`, allow: 'GET HEAD', get: 200 },
  '/ideas/:id/vote': { path: `/ideas/${I}/vote`, allow: 'POST' },
  '/ideas/:id/edit': { path: `/ideas/${I}/edit`, allow: 'GET HEAD POST', get: 200 },
  '/ideas/:id/comments': { path: `/ideas/${I}/comments`, allow: 'POST' },
  '/ideas/:id/redact': { path: `/ideas/${I}/redact`, allow: 'POST' },
  '/comments/:id/edit': { path: `/comments/${C}/edit`, allow: 'GET HEAD POST', get: 200 },
  '/comments/:id/delete': { path: `/comments/${C}/delete`, allow: 'POST' },
  '/comments/:id/hide': { path: `/comments/${C}/hide`, allow: 'POST' },
  '/ideas/:id/responses': { path: `/ideas/${I}/responses`, allow: 'POST' },
  '/ideas/:id/drafts/:draft/approve': { path: `/ideas/${I}/drafts/1/approve`, allow: 'POST' },
  '/ideas/:id/drafts/:draft/reject': { path: `/ideas/${I}/drafts/1/reject`, allow: 'POST' },
  '/ideas/:id/merge': { path: `/ideas/${I}/merge`, allow: 'GET HEAD POST', get: 200 },
  '/ideas/:id/voters': { path: `/ideas/${I}/voters`, allow: 'GET HEAD', get: 200 },
  '/ideas/:id/notes': { path: `/ideas/${I}/notes`, allow: 'POST' },
  '/ideas/:id/owner': { path: `/ideas/${I}/owner`, allow: 'POST' },
  '/ideas/:id/audience/proposal': { path: `/ideas/${I}/audience/proposal`, allow: 'POST' },
  '/ideas/:id/audience': { path: `/ideas/${I}/audience`, allow: 'POST' },
  '/triage': { path: '/triage', allow: 'GET HEAD', get: 200 },
  '/roadmap': { path: '/roadmap', allow: 'GET HEAD', get: 200 },
  '/listening': { path: '/listening', allow: 'GET HEAD', get: 200 },
  '/export/ideas.csv': { path: '/export/ideas.csv', allow: 'GET HEAD', get: 200 },
  '/notifications': { path: '/notifications', allow: 'GET HEAD', get: 200 },
  '/notifications/read': { path: '/notifications/read', allow: 'POST' },
  '/notifications/:id': { path: '/notifications/999999999', allow: 'GET HEAD', get: 404 },
  '/profile': { path: '/profile', allow: 'GET HEAD POST', get: 200 },
  '/profile/password': { path: '/profile/password', allow: 'POST' },
  '/profile/sessions/end': { path: '/profile/sessions/end', allow: 'POST' },
  '/profile/tokens': { path: '/profile/tokens', allow: 'POST' },
  '/profile/tokens/:id/revoke': { path: `/profile/tokens/${apiToken.id}/revoke`, allow: 'POST' },
  '/profile/data.json': { path: '/profile/data.json', allow: 'GET HEAD', get: 200 },
  // Without a token: the link is not valid (e2e/digest.test.mjs).
  '/digest/unsubscribe': { path: '/digest/unsubscribe', allow: 'GET HEAD POST', get: 400 },
  '/admin/users': { path: '/admin/users', allow: 'GET HEAD', get: 200 },
  '/admin/users/:id/role': { path: `/admin/users/${U}/role`, allow: 'POST' },
  '/admin/users/:id/active': { path: `/admin/users/${U}/active`, allow: 'POST' },
  '/admin/users/:id/erase': { path: `/admin/users/${U}/erase`, allow: 'POST' },
  '/admin/users/:id/second-factor': { path: `/admin/users/${U}/second-factor`, allow: 'GET HEAD POST', get: 200 },
  '/admin/sign-in': { path: '/admin/sign-in', allow: 'GET HEAD POST', get: 200 },
  '/profile/second-factor': { path: '/profile/second-factor', allow: 'GET HEAD POST', get: 200 },
  '/profile/second-factor/start': { path: '/profile/second-factor/start', allow: 'POST' },
  '/profile/second-factor/remove': { path: '/profile/second-factor/remove', allow: 'POST' },
  '/admin/organizations': { path: '/admin/organizations', allow: 'GET HEAD', get: 200 },
  '/admin/organizations/:id': { path: `/admin/organizations/${org}`, allow: 'GET HEAD POST', get: 200 },
  '/admin/areas': { path: '/admin/areas', allow: 'GET HEAD POST', get: 200 },
  '/admin/areas/:id': { path: `/admin/areas/${area}`, allow: 'GET HEAD POST', get: 200 },
  '/admin/statuses': { path: '/admin/statuses', allow: 'GET HEAD POST', get: 200 },
  '/admin/statuses/*key': { path: '/admin/statuses/planned', allow: 'GET HEAD POST', get: 200 },
  '/admin/audit': { path: '/admin/audit', allow: 'GET HEAD', get: 200 },
  '/admin/audit.csv': { path: '/admin/audit.csv', allow: 'GET HEAD', get: 200 },
  '/admin/invitations/:id/reissue': { path: `/admin/invitations/${invitation.id}/reissue`, allow: 'POST' },
  '/api/v1/areas': { path: '/api/v1/areas', allow: 'GET HEAD POST', get: 200 },
  '/api/v1/statuses': { path: '/api/v1/statuses', allow: 'GET HEAD POST', get: 200 },
  '/api/v1/statuses/*key': { path: '/api/v1/statuses/planned', allow: 'PATCH' },
  '/api/v1/ideas': { path: '/api/v1/ideas', allow: 'GET HEAD POST', get: 200 },
  '/api/v1/ideas/similar': { path: '/api/v1/ideas/similar?title=payments', allow: 'GET HEAD', get: 200 },
  '/api/v1/ideas/:id': { path: `/api/v1/ideas/${I}`, allow: 'GET HEAD PATCH', get: 200 },
  '/api/v1/ideas/:id/vote': { path: `/api/v1/ideas/${I}/vote`, allow: 'POST DELETE' },
  '/api/v1/ideas/:id/comments': { path: `/api/v1/ideas/${I}/comments`, allow: 'POST' },
  '/api/v1/ideas/:id/redact': { path: `/api/v1/ideas/${I}/redact`, allow: 'POST' },
  '/api/v1/comments/:id': { path: `/api/v1/comments/${C}`, allow: 'PATCH DELETE' },
  '/api/v1/comments/:id/hide': { path: `/api/v1/comments/${C}/hide`, allow: 'POST' },
  '/api/v1/ideas/:id/responses': { path: `/api/v1/ideas/${I}/responses`, allow: 'POST' },
  '/api/v1/responses/pending': { path: '/api/v1/responses/pending', allow: 'GET HEAD', get: 200 },
  '/api/v1/responses/:id/approve': { path: '/api/v1/responses/1/approve', allow: 'POST' },
  '/api/v1/responses/:id/reject': { path: '/api/v1/responses/1/reject', allow: 'POST' },
  '/api/v1/ideas/:id/merge': { path: `/api/v1/ideas/${I}/merge`, allow: 'POST' },
  '/api/v1/ideas/:id/voters': { path: `/api/v1/ideas/${I}/voters`, allow: 'GET HEAD', get: 200 },
  '/api/v1/ideas/:id/notes': { path: `/api/v1/ideas/${I}/notes`, allow: 'GET HEAD POST', get: 200 },
  '/api/v1/ideas/:id/owner': { path: `/api/v1/ideas/${I}/owner`, allow: 'PUT' },
  '/api/v1/ideas/:id/audience/proposal': { path: `/api/v1/ideas/${I}/audience/proposal`, allow: 'POST' },
  '/api/v1/ideas/:id/audience': { path: `/api/v1/ideas/${I}/audience`, allow: 'POST' },
  '/api/v1/roadmap': { path: '/api/v1/roadmap', allow: 'GET HEAD', get: 200 },
  '/api/v1/listening': { path: '/api/v1/listening', allow: 'GET HEAD', get: 200 },
  '/api/v1/users': { path: '/api/v1/users', allow: 'GET HEAD', get: 200 },
  '/api/v1/users/:id': { path: `/api/v1/users/${U}`, allow: 'PATCH' },
  '/api/v1/users/:id/erase': { path: `/api/v1/users/${U}/erase`, allow: 'POST' },
  '/api/v1/organizations': { path: '/api/v1/organizations', allow: 'GET HEAD', get: 200 },
  '/api/v1/organizations/:id': { path: `/api/v1/organizations/${org}`, allow: 'PATCH' },
  '/api/v1/areas/:id': { path: `/api/v1/areas/${area}`, allow: 'POST PATCH DELETE' },
  '/api/v1/tokens': { path: '/api/v1/tokens', allow: 'POST' },
  '/api/v1/tokens/:id': { path: `/api/v1/tokens/${apiToken.id}`, allow: 'DELETE' },
  '/api/v1/invitations/:id/reissue': { path: `/api/v1/invitations/${invitation.id}/reissue`, allow: 'POST' },
  '/api/v1/notifications': { path: '/api/v1/notifications', allow: 'GET HEAD', get: 200 },
  '/api/v1/session': { path: '/api/v1/session', allow: 'POST DELETE' },
  '/api/v1/session/second-factor': { path: '/api/v1/session/second-factor', allow: 'POST' },
  '/api/v1/me/second-factor': { path: '/api/v1/me/second-factor', allow: 'POST DELETE' },
  '/api/v1/me/second-factor/confirm': { path: '/api/v1/me/second-factor/confirm', allow: 'POST' },
  '/api/v1/users/:id/second-factor/reset': { path: `/api/v1/users/${U}/second-factor/reset`, allow: 'POST' },
  '/api/v1/me': { path: '/api/v1/me', allow: 'GET HEAD PATCH', get: 200 },
  '/api/v1/invitations': { path: '/api/v1/invitations', allow: 'GET HEAD POST', get: 200 },
  '/api/v1/invitations/accept': { path: '/api/v1/invitations/accept', allow: 'POST' },
  '/api/v1/invitations/:id': { path: `/api/v1/invitations/${invitation.id}`, allow: 'DELETE' },
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

// The API and /healthz answer machines, in JSON.
function machine(path) {
  return path.startsWith('/api/') || path === '/healthz';
}

function configuredRoutes() {
  const table = readFileSync(`${ROOT}/app/routes.c`, 'utf8');
  return [...new Set([...table.matchAll(/^\s*ROUTE(?:_RAW|_FORM)?\("([^"]+)"/gm)].map((m) => m[1]))];
}

function allowSet(header) {
  return (header || '').split(',').map((s) => s.trim()).filter(Boolean).sort().join(' ');
}

function sorted(methods) {
  return methods.split(' ').sort().join(' ');
}

// Sends method to path as c (signed in, with its CSRF token: a wrongly
// routed request would act) or anonymously.
async function send(c, method, path) {
  const api = path.startsWith('/api/');
  const headers = {};
  let body;
  if (['POST', 'PUT', 'PATCH'].includes(method)) {
    if (api) {
      headers['content-type'] = 'application/json';
      body = '{}';
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = c.csrf ? `csrf_token=${c.csrf}` : '';
    }
  }
  if (c.csrf && api && method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = c.csrf;
  const res = await c.fetch(path, { method, headers, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function rows() {
  const t = ['ideas', 'votes', 'comments', 'responses', 'users', 'organizations', 'areas',
    'invitations', 'api_tokens', 'notifications', 'audit_log'];
  return Object.fromEntries(t.map((n) => [n, count(n)]));
}

test('every route of app/routes.c is in this walk, and only those', () => {
  const conf = configuredRoutes();
  assert.deepEqual([...conf].sort(), Object.keys(ROUTES).sort(),
    'a route added to app/routes.c needs its methods here');
});

test('a method a route does not accept: 405, Allow, the envelope or the error page, nothing changed', async () => {
  const anon = new Client();
  const before = rows();
  let walked = 0;
  for (const [route, r] of Object.entries(ROUTES)) {
    const allowed = r.allow.split(' ');
    const api = machine(r.path);
    for (const m of METHODS.filter((x) => !allowed.includes(x))) {
      for (const c of [admin, anon]) {
        const res = await send(c, m, r.path);
        const who = `${m} ${r.path} (${route}, ${c === admin ? 'admin' : 'anonymous'})`;
        assert.equal(res.status, 405, `${who}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.equal(allowSet(res.headers.get('allow')), sorted(r.allow), `${who}: Allow`);
        const type = res.headers.get('content-type') || '';
        if (api) {
          assert.match(type, /^application\/json/, `${who}: content type`);
          if (m !== 'HEAD') {
            const body = JSON.parse(res.text);
            assert.equal(body.error.code, 'method_not_allowed', who);
            assert.ok(body.error.message.length > 0, who);
          }
        } else if (r.plain) {
          assert.match(type, /^text\/plain/, `${who}: content type`);
        } else {
          assert.match(type, /^text\/html/, `${who}: content type`);
          if (m !== 'HEAD') assert.match(res.text, /<html[^>]*>[\s\S]*405/, who);
        }
        if (m === 'HEAD') assert.equal(res.text, '', `${who}: HEAD has no body`);
        walked++;
      }
    }
  }
  assert.ok(walked > 500, `walked ${walked} refusals`);
  assert.deepEqual(rows(), before, 'no refused request changed anything');
});

test('the accepted methods still reach their handler; HEAD answers as GET does', async () => {
  const before = rows();
  for (const [route, r] of Object.entries(ROUTES)) {
    for (const m of r.allow.split(' ')) {
      const who = `${m} ${r.path} (${route})`;
      if (m === 'GET' || m === 'HEAD') {
        const res = await send(admin, m, r.path);
        assert.equal(res.status, r.get, `${who}: ${res.text.slice(0, 200)}`);
        if (m === 'HEAD') {
          assert.equal(res.text, '', `${who}: no body`);
          const get = await send(admin, 'GET', r.path);
          assert.equal(res.headers.get('content-type'), get.headers.get('content-type'), who);
        }
        continue;
      }
      // A state-changing method without the CSRF token: the handler's own
      // prelude refuses it (403), which proves the route took it in.
      const api = r.path.startsWith('/api/');
      const res = await admin.fetch(r.path, {
        method: m,
        headers: { 'content-type': api ? 'application/json' : 'application/x-www-form-urlencoded' },
        body: m === 'DELETE' ? undefined : (api ? '{}' : 'x=1'),
      });
      const text = await res.text();
      assert.notEqual(res.status, 405, `${who}: ${text.slice(0, 200)}`);
      assert.equal(res.headers.get('allow'), null, `${who}: no Allow`);
      assert.ok(res.status >= 200 && res.status < 500, `${who}: ${res.status} ${text.slice(0, 200)}`);
    }
  }
  assert.deepEqual(rows(), before, 'no request without its CSRF token changed anything');
});

test('PUT on the idea list is refused, not answered with the list', async () => {
  const r = await admin.api('PUT', '/api/v1/ideas', { title: 'x' });
  assert.equal(r.status, 405);
  assert.equal(r.json.ideas, undefined);
  assert.deepEqual(Object.keys(r.json), ['error']);
  assert.equal(r.json.error.code, 'method_not_allowed');
  assert.equal(allowSet(r.headers.get('allow')), 'GET HEAD POST');
});

test('unknown paths stay 404 for every method', async () => {
  for (const path of ['/no-such-page', '/api/v1/no-such-thing']) {
    for (const m of METHODS) {
      const res = await send(admin, m, path);
      assert.equal(res.status, 404, `${m} ${path}`);
      assert.equal(res.headers.get('allow'), null, `${m} ${path}`);
      if (path.startsWith('/api/')) assert.match(res.headers.get('content-type'), /^application\/json/);
    }
  }
  assert.ok(sql('SELECT 1').length === 1);
});
