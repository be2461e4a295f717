// Issue 12, finding 4, as a browser sees it: a sign-in form whose hidden
// `next` was tampered with never takes Chromium off the site.  A tab in
// "/\t/evil.example/x" is dropped by browsers, which then read
// "//evil.example/x": another host.  Chromium resolves every name to
// 127.0.0.1 here, so a redirect that left the site would land, visibly,
// on another origin instead of failing somewhere in DNS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../lib/browser.mjs';
import { BASE, person, PASSWORD } from '../lib/drive.mjs';

let browser;

before(async () => {
  browser = await launchChromium(['--host-resolver-rules=MAP * 127.0.0.1']);
});

after(async () => {
  if (browser) await browser.close();
});

test('a tampered next after signing in stays on the site', { timeout: 60_000 }, async () => {
  const who = await person('client');
  const port = new URL(BASE).port;
  for (const next of ['/\t/evil.example:' + port + '/x', '/\\evil.example:' + port + '/x',
    '\t//evil.example:' + port + '/x', '/%2F/evil.example:' + port + '/x',
    '/\r\nSet-Cookie: injected=1']) {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${BASE}/login`);
    await page.locator('input[name="next"]').evaluate((el, v) => { el.value = v; }, next);
    await page.getByLabel('E-mail address', { exact: true }).fill(who.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    // A navigation that fails (another host, a malformed answer) is
    // reported by the URL it ended on, below.
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }).catch(() => null),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.waitForLoadState('load').catch(() => null);
    const url = new URL(page.url());
    assert.equal(url.origin, new URL(BASE).origin, JSON.stringify(next));
    assert.equal(url.pathname, '/', JSON.stringify(next));
    const cookies = await context.cookies();
    assert.ok(!cookies.some((c) => c.name === 'injected'), JSON.stringify(next));
    await context.close();
  }
});

// Issue 14, item 1: a link from an e-mail opened after the session ended
// leads through the sign-in page back to that idea, with JavaScript and
// without.
test('a link opened signed out brings the person back after signing in', { timeout: 60_000 }, async () => {
  const who = await person('client');
  const idea = (await who.api('POST', '/api/v1/ideas',
    { title: 'Return path after sign-in', body: 'From an e-mail link.', area: 'fx' })).json;
  for (const javaScriptEnabled of [true, false]) {
    const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${BASE}/ideas/${idea.id}`);
    assert.equal(new URL(page.url()).pathname, '/login', 'signed out: the sign-in page first');
    await page.getByLabel('E-mail address', { exact: true }).fill(who.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await Promise.all([
      page.waitForURL(`${BASE}/ideas/${idea.id}`),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    assert.equal(await page.locator('h1').textContent(), 'Return path after sign-in',
      `javaScript ${javaScriptEnabled}`);
    await context.close();
  }
});
