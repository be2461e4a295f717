// Shared helpers for the e2e and browser tests: a client with a cookie
// jar, the API with its CSRF header, SQL as the superuser (to count rows
// and to tamper like an attacker with database access would), and
// drivectl.  tests/run.sh starts the stack and sets DRIVE_TEST_*.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';

export const BASE = process.env.DRIVE_TEST_BASE;
export const ROOT = process.env.DRIVE_ROOT || process.cwd();
if (!BASE) throw new Error('run the tests through tests/run.sh (make test)');

// Runs SQL as the superuser; returns rows as arrays of strings.
export function sql(query) {
  const out = execFileSync('psql', [process.env.DRIVE_TEST_SUPER_URL, '-qAtX',
    '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

export function sqlValue(query) {
  const rows = sql(query);
  return rows.length ? rows[0][0] : null;
}

export function count(table) {
  return Number(sqlValue(`SELECT count(*) FROM ${table}`));
}

// Counts of every table a request could write to.
export function snapshot() {
  const t = ['users', 'organizations', 'invitations', 'sessions', 'audit_log'];
  return Object.fromEntries(t.map((n) => [n, count(n)]));
}

export function unique(prefix = 'x') {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

// Every secret a test uses (passwords, invitation, session and API
// tokens) goes to secrets.txt in the test folder, "kind<TAB>value" a
// line; after the suites, tests/secrets-check.sh greps the logs for them.
const seenSecrets = new Set();
export function recordSecret(kind, value) {
  if (typeof value !== 'string' || value.length < 8 || seenSecrets.has(value)) return;
  seenSecrets.add(value);
  if (!process.env.DRIVE_TEST_WORK || /[\t\n]/.test(value)) return;
  appendFileSync(`${process.env.DRIVE_TEST_WORK}/secrets.txt`, `${kind}\t${value}\n`);
}

// Every password sent is a secret, a wrong one too.  Invitation tokens
// are recorded where the portal or drivectl issues them (made-up ones,
// such as the tests' 'abab…', are not secrets and may well be logged).
const SECRET_FIELDS = ['password', 'password_confirm', 'current_password',
  'new_password', 'new_password_confirm'];
function recordFields(fields) {
  if (!fields || typeof fields !== 'object') return;
  for (const k of SECRET_FIELDS) {
    if (typeof fields[k] === 'string') recordSecret('password', fields[k]);
  }
}

// The invitation links a page or an answer shows (an admin's new one).
function recordLinks(text) {
  for (const m of String(text).matchAll(/\/invite\/([0-9a-f]{64})/g)) recordSecret('invitation', m[1]);
}

// drivectl invite: returns the token of the printed link.
export function drivectlInvite(email, role, org) {
  const args = ['invite', '--email', email, '--role', role];
  if (org) args.push('--org', org);
  const out = execFileSync(`${ROOT}/build/drivectl`, args, { encoding: 'utf8' });
  const m = out.match(/\/invite\/([0-9a-f]{64})/);
  if (!m) throw new Error(`no link in: ${out}`);
  recordSecret('invitation', m[1]);
  return m[1];
}

export function shell(cmd) {
  return execFileSync('bash', ['-c', cmd], { encoding: 'utf8', cwd: ROOT });
}

// Every Set-Cookie line of an answer.  Node 18 (Debian bookworm's) has no
// Headers.getSetCookie and joins the lines with ", "; a cookie line's own
// commas (Expires dates) are never followed by "name=".
export function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined ? joined.split(/,\s*(?=[A-Za-z0-9_.-]+=)/) : [];
}

// Every test's fetch (this module is imported by all of them) first lets
// the event loop poll for I/O, and names what it asked when it gets no
// answer (Node says only "fetch failed").  The tests block the event loop
// in synchronous children (psql, drivectl); a kept-alive connection that
// Kore closed meanwhile (idle for http_keepalive_time) is known to
// fetch's pool only once its close was read, and a request sent on it
// before that is cut ("other side closed").  A browser retries such a
// request on a new connection; these clients look first.  The first
// setImmediate ends the current turn, the second runs after the next poll.
const settled = () => new Promise((r) => setImmediate(() => setImmediate(r)));
const nodeFetch = globalThis.fetch;
globalThis.fetch = async (url, opts = {}) => {
  await settled();
  try {
    return await nodeFetch(url, opts);
  } catch (e) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw e;
    const why = e.cause ? ` (${e.cause.code || e.cause.name}: ${e.cause.message})` : '';
    throw Object.assign(new Error(`${opts.method || 'GET'} ${url}: ${e.message}${why}`, { cause: e }),
      { code: e.cause?.code });
  }
};

// A person's browser, minus the browser: keeps cookies, knows its CSRF.
export class Client {
  constructor() {
    this.cookies = new Map();
    this.csrf = null;
    // Each client comes from its own address (X-Forwarded-For, believed
    // from 127.0.0.1: tests/run.sh sets DRIVE_TRUSTED_PROXIES), so that
    // rate limits per address hit only whom a test means.
    const b = randomBytes(3);
    this.address = `10.${b[0]}.${b[1]}.${b[2]}`;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  remember(res) {
    for (const c of setCookies(res.headers)) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i);
      const v = pair.slice(i + 1);
      if (v === '' || /Max-Age=0/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
      if (k === 'drive_session' && v !== '') recordSecret('session', v);
    }
  }

  // this.base: a Kore of a test's own; otherwise the suite's.
  async fetch(path, opts = {}) {
    const headers = { 'x-forwarded-for': this.address, ...(opts.headers || {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    const res = await fetch((this.base || BASE) + path, { redirect: 'manual', ...opts, headers });
    this.remember(res);
    return res;
  }

  // JSON API call; state-changing ones carry X-CSRF-Token.
  async api(method, path, body, extraHeaders = {}) {
    const headers = { ...extraHeaders };
    recordFields(body);
    const bearer = /^Bearer (.+)$/i.exec(extraHeaders.authorization || extraHeaders.Authorization || '');
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.csrf && method !== 'GET' && !('x-csrf-token' in extraHeaders)) {
      headers['x-csrf-token'] = this.csrf;
    }
    const res = await this.fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined
        : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    if (json && typeof json.token === 'string') recordSecret('api_token', json.token);
    // A bearer token is a secret once the portal took it (made-up ones,
    // such as the tests' 'abab…', are not, and may well be logged).
    if (bearer && res.status !== 401) recordSecret('api_token', bearer[1]);
    recordLinks(text);
    return { status: res.status, json, text, headers: res.headers };
  }

  // A form post as a browser sends it (urlencoded).
  async form(path, fields) {
    recordFields(fields);
    const body = new URLSearchParams(fields).toString();
    const res = await this.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    const text = await res.text();
    recordLinks(text);
    return { status: res.status, text, headers: res.headers };
  }

  async page(path) {
    const res = await this.fetch(path);
    const text = await res.text();
    recordLinks(text);
    return { status: res.status, text, headers: res.headers };
  }

  async signIn(email, password) {
    const r = await this.api('POST', '/api/v1/session', { email, password });
    if (r.status === 200) this.csrf = r.json.csrf_token;
    return r;
  }

  async accept(token, name, password) {
    const r = await this.api('POST', '/api/v1/invitations/accept', { token, name, password });
    if (r.status === 201) this.csrf = r.json.csrf_token;
    return r;
  }
}

export const PASSWORD = 'a long enough passphrase';
recordSecret('password', PASSWORD);

// A signed-in person of the given role, created through a real invitation.
export async function person(role = 'client', org = null) {
  const email = `${unique(role)}@example.test`;
  const organization = role === 'client' ? (org || unique('Org')) : null;
  const token = drivectlInvite(email, role, organization);
  const c = new Client();
  const name = unique('Name').slice(0, 30);
  const r = await c.accept(token, name, PASSWORD);
  if (r.status !== 201) throw new Error(`accept failed: ${r.status} ${r.text}`);
  c.email = email;
  c.name = name;
  c.organization = organization;
  c.id = r.json.user.id;
  return c;
}

// Pulls the CSRF token out of a page's form.
export function formCsrf(html) {
  const m = html.match(/name="csrf_token" value="([0-9a-f]{64})"/);
  return m ? m[1] : null;
}

// An official response published as the bank publishes it: pm writes
// it; when its status needs a second person's approval in the idea's
// product area (four eyes, issue 16: planned and released, by default),
// it waits as a draft (202) until approver approves it.  Returns the
// answer that published it: 201 at once, 200 on approval.
export async function respond(pm, approver, idea, status, body) {
  const r = await pm.api('POST', `/api/v1/ideas/${idea}/responses`, { status, body });
  if (r.status !== 202) return r;
  if (!approver) throw new Error(`a response to ${status} on idea ${idea} needs a second person's approval`);
  return approver.api('POST', `/api/v1/responses/${r.json.id}/approve`);
}
