// The bank's identity provider for the SSO tests (e2e/sso.test.mjs,
// browser/sso.test.mjs): oidc-provider (npm) on a free loopback port with
// Drive registered as a confidential client (PKCE S256, back-channel
// logout), a login without pages (the account the test chose), and a Kore
// of our own configured for it: Kore reads DRIVE_OIDC_* at start, and the
// suite's Kore has no SSO.  tests/run.sh starts the suite's stack.
import { generateKeyPairSync, createPrivateKey, sign, randomBytes } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import { recordSecret } from './drive.mjs';

export { Kore, freePort, sleep, waitFor } from './kore.mjs';
export const CLIENT_ID = 'drive';
export const CLIENT_SECRET = randomBytes(24).toString('hex');
recordSecret('oidc_client_secret', CLIENT_SECRET);

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
