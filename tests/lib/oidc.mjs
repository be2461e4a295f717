// The bank's identity provider for the SSO tests (e2e/sso.test.mjs,
// browser/sso.test.mjs): oidc-provider (npm) on a free loopback port with
// Drive registered as a confidential client (PKCE S256, back-channel
// logout), a login without pages (the account the test chose), and a Kore
// of our own configured for it: Kore reads DRIVE_OIDC_* at start, and the
// suite's Kore has no SSO.  tests/run.sh starts the suite's stack.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, openSync, closeSync, existsSync } from 'node:fs';
import { generateKeyPairSync, createPrivateKey, sign, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import Provider from 'oidc-provider';
import { recordSecret, ROOT } from './drive.mjs';

const WORK = process.env.DRIVE_TEST_WORK;
const SUITE_CONF = readFileSync(process.env.DRIVE_TEST_KORE_CONF, 'utf8');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const CLIENT_ID = 'drive';
export const CLIENT_SECRET = randomBytes(24).toString('hex');
recordSecret('oidc_client_secret', CLIENT_SECRET);

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await sleep(100);
  }
  return false;
}

// ---- the provider ----

export function rsaKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
export const IDP_KEY = rsaKey('idp-1');
export const OTHER_KEY = rsaKey('other-1');

export const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
export const unb64 = (s) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));

// A JWT with the claims of jwt changed by patch (null deletes), signed by key.
export function resign(jwt, patch, key = IDP_KEY, kid = key.kid) {
  const [h, p] = jwt.split('.');
  const header = { ...unb64(h), kid };
  const claims = { ...unb64(p), ...patch };
  for (const k of Object.keys(patch)) if (patch[k] === null) delete claims[k];
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = sign('sha256', Buffer.from(input), createPrivateKey({ key, format: 'jwk' }));
  return `${input}.${sig.toString('base64url')}`;
}

// What the provider does next: the accounts it knows (accountId = sub ->
// { email, email_verified }), the one its next login signs in (null:
// access_denied), and a change to the ID tokens it issues (null: none).
export const idpState = { accounts: new Map(), loginAs: null, tamper: null };
const accounts = idpState.accounts;

export function startProvider(port, drive) {
  const issuer = `http://localhost:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [`${drive}/login/sso/callback`],
      backchannel_logout_uri: `${drive}/oidc/backchannel-logout`,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [IDP_KEY] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // The e-mail in the ID token itself (Drive asks no userinfo).
    conformIdTokenClaims: false,
    pkce: { required: () => true, methods: ['S256'] },
    findAccount: async (ctx, id) => (accounts.has(id) ? {
      accountId: id,
      claims: async () => ({ sub: id, ...accounts.get(id) }),
    } : undefined),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.proxy = false;
  // No login page: the account the test chose, and every consent.
  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/interaction/')) {
      await next();
      if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
        recordSecret('id_token', ctx.body.id_token);
        if (idpState.tamper) {
          ctx.body = { ...ctx.body, id_token: idpState.tamper(ctx.body.id_token) };
          recordSecret('id_token', ctx.body.id_token);
        }
      }
      return;
    }
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    let result;
    if (details.prompt.name === 'login') {
      result = idpState.loginAs ? { login: { accountId: idpState.loginAs } }
        : { error: 'access_denied', error_description: 'refused by the test' };
    } else {
      const grant = new provider.Grant({ accountId: details.session.accountId, clientId: CLIENT_ID });
      grant.addOIDCScope('openid email');
      result = { consent: { grantId: await grant.save() } };
    }
    const to = await provider.interactionResult(ctx.req, ctx.res, result,
      { mergeWithLastSubmission: details.prompt.name !== 'login' });
    ctx.status = 303;
    ctx.redirect(to);
  });
  const server = http.createServer(provider.callback());
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve({ issuer, base: `http://127.0.0.1:${port}`, provider, server }));
  });
}

// ---- our Kore ----

export class Kore {
  static async start(name, env) {
    const k = new Kore();
    k.dir = mkdtempSync(`${WORK}/${name}-`);
    k.port = env.port;
    k.base = `http://127.0.0.1:${k.port}`;
    k.logFile = `${k.dir}/kore.log`;
    const conf = SUITE_CONF
      .replace(/^(\s*bind\s+\S+\s+)\d+/m, `$1${k.port}`)
      .replace(/^pidfile\s+.*$/m, `pidfile ${k.dir}/kore.pid`)
      .replace(/^\s*accesslog\s+.*\n/m, '')
      // To find a missing system call: its name in the log, not a kill.
      .replace(/^seccomp_tracing\s+.*$/m, `seccomp_tracing\t\t${process.env.SSO_SECCOMP_TRACING ? 'yes' : 'no'}`);
    writeFileSync(`${k.dir}/kore.conf`, conf);
    const out = openSync(k.logFile, 'a');
    // SSO_STRACE=1: every system call of Kore and its workers' threads
    // in strace.log (how app/main.c's additions for libcurl were found).
    const cmd = ['stdbuf', '-oL', '-eL', 'kore', '-f', '-n', '-r', '-c', `${k.dir}/kore.conf`];
    if (process.env.SSO_STRACE) cmd.unshift('strace', '-f', '-qq', '-o', `${k.dir}/strace.log`);
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: ROOT, detached: true, stdio: ['ignore', out, out],
      env: { ...process.env, DRIVE_BASE_URL: k.base, ...env.vars },
    });
    closeSync(out);
    child.unref();
    const up = await waitFor(async () => {
      try {
        return (await fetch(`${k.base}/healthz`, { signal: AbortSignal.timeout(1000) })).status === 200;
      } catch { return false; }
    }, 15000);
    assert.ok(up, `kore ${name} answers on /healthz:\n${k.log().slice(-2000)}`);
    k.pid = Number(readFileSync(`${k.dir}/kore.pid`, 'utf8'));
    return k;
  }

  log() { return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : ''; }

  async stop() {
    if (!this.pid) return;
    try { process.kill(this.pid, 'SIGTERM'); } catch { return; }
    const gone = await waitFor(() => { try { process.kill(this.pid, 0); return false; } catch { return true; } }, 8000);
    if (!gone) try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
    this.pid = 0;
  }
}

