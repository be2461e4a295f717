// The triage desk and the roadmap in Debian's chromium (issue 14, items
// 10 and 11): the triage list pages, sorts and filters by area without
// JavaScript; a roadmap column with more than 50 ideas links to the rest.
// Both pages are checked with axe-core, must not scroll sideways at
// 375 px, and are photographed at 1280 and 375 px in English and German.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, sql, sqlValue } from '../lib/drive.mjs';

let browser;
let pm;
let client;

// Titles a portal in use would have; each is used in several areas.
const TITLES = [
  'Real-time MT940 statements via API', 'camt.053 intraday reporting',
  'Virtual accounts for receivables reconciliation', 'Cash pooling overview across group entities',
  'SEPA Instant status notifications via webhook', 'Bulk pain.001 upload with validation preview',
  'Digital letters of credit with e-signatures', 'Track guarantee amendments online',
  'Custody statements as PDF and CSV', 'Corporate actions calendar with reminders',
  'Live FX rates with spread transparency', 'FX forward rollover with one click',
  'OAuth client credentials for the payments API', 'Sandbox with realistic test data',
];
const AREAS = ['cash-management', 'trade-finance', 'securities-services', 'fx', 'channels-apis'];

function q(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  pm = await person('pm');
  client = await person('client');
  sql(`UPDATE users SET display_name = 'Sabine Wolf' WHERE id = ${pm.id}`);
  // 64 unanswered ideas over the areas and the last 90 days, with votes
  // and organisations; then 55 planned, 6 in progress and 8 released.
  const values = [];
  for (let i = 0; i < 64 + 55 + 6 + 8; i++) {
    const title = `${TITLES[i % TITLES.length]} (${Math.floor(i / TITLES.length) + 1})`;
    values.push(`(${q(title)}, ${q(AREAS[i % AREAS.length])}, ${i})`);
  }
  sql(`SELECT idea_create(${client.id}, v.area, v.title, 'Please.')
       FROM (VALUES ${values.join(', ')}) v(title, area, n) ORDER BY v.n`);
  // The answered ones were answered 1 to 11 days after they came.
  sql(`UPDATE ideas SET created_at = CASE WHEN x.n <= 64
         THEN now() - interval '1 hour' * ((x.n * 97) % 2160)
         ELSE now() - interval '1 day' * (40 + x.n % 50) END,
       vote_count = (x.n * 37) % 41, organization_count = 1 + (x.n * 13) % 9,
       status = CASE WHEN x.n <= 64 THEN 'new' WHEN x.n <= 119 THEN 'planned'
         WHEN x.n <= 125 THEN 'in_progress' ELSE 'released' END,
       first_response_at = CASE WHEN x.n > 64 THEN now() - interval '1 day' * (40 + x.n % 50)
         + interval '1 day' * (1 + (x.n * 7) % 11) END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ideas
       WHERE author_id = ${client.id}) x WHERE ideas.id = x.id`);
});

after(async () => { await browser?.close(); });

async function newPage({ width = 1280, lang = 'en', js = true } = {}) {
  const b = randomBytes(3);
  const ctx = await browser.newContext({
    viewport: { width, height: 900 },
    locale: lang === 'de' ? 'de-DE' : 'en-US',
    javaScriptEnabled: js,
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
  });
  return ctx;
}

async function signedIn(who, opts) {
  const ctx = await newPage(opts);
  await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function axe(page, what) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [], `axe on ${what}`);
}

async function noSideways(page, what) {
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `${what} scrolls sideways by ${overflow}px`);
}

async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

async function go(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

test('triage without JavaScript: next and previous page, sort by votes, filter by area', { timeout: 60_000 }, async () => {
  const all = Number(sqlValue('SELECT count(*) FROM ideas WHERE first_response_at IS NULL'));
  assert.ok(all > 50);
  const page = await signedIn(pm, { js: false });
  await page.goto(`${BASE}/triage`);
  assert.equal(await text(page.locator('.t-count')), `${all} unanswered ideas, showing 1–50`);
  assert.equal(await page.locator('.triage-table tbody tr').count(), 50);
  await go(page, page.getByRole('link', { name: 'Next page' }));
  // The other browser tests' ideas may come first: the second page ends
  // at 100 or at the last idea.
  const end = Math.min(all, 100);
  assert.equal(await text(page.locator('.t-count')), `${all} unanswered ideas, showing 51–${end}`);
  assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), all > 100 ? 1 : 0);
  await go(page, page.getByRole('link', { name: 'Previous page' }));
  assert.equal(await text(page.locator('.t-count')), `${all} unanswered ideas, showing 1–50`);

  await go(page, page.getByRole('link', { name: 'Most votes', exact: true }));
  assert.equal(new URL(page.url()).searchParams.get('sort'), 'votes');
  const votes = (await page.locator('.triage-table tbody td:nth-child(4)').allTextContents()).map(Number);
  assert.deepEqual(votes, [...votes].sort((a, b) => b - a), 'most votes first');

  await page.getByLabel('Product area', { exact: true }).selectOption('fx');
  await go(page, page.getByRole('button', { name: 'Show', exact: true }));
  const u = new URL(page.url());
  assert.equal(u.searchParams.get('sort'), 'votes', 'the filter keeps the sort');
  assert.equal(u.searchParams.get('area'), 'fx');
  const fx = Number(sqlValue(`SELECT count(*) FROM ideas i JOIN areas a ON a.id = i.area_id
    WHERE i.first_response_at IS NULL AND a.slug = 'fx'`));
  // Other browser suites add FX ideas too: a second page when over 50.
  assert.equal(await text(page.locator('.t-count')),
    fx <= 50 ? `${fx} unanswered ideas in FX, all shown` : `${fx} unanswered ideas in FX, showing 1–50`);
  await page.context().close();
});

test('the roadmap: a column with more than 50 links to the ideas list of its status', { timeout: 60_000 }, async () => {
  const planned = Number(sqlValue("SELECT count(*) FROM ideas WHERE status = 'planned'"));
  assert.ok(planned > 50);
  const page = await signedIn(client, { js: false });
  await page.goto(`${BASE}/roadmap`);
  const col = page.locator('section.rm-planned');
  assert.equal(await col.locator('li.rm-idea').count(), 50);
  const more = col.getByRole('link', { name: `${planned - 50} more planned ideas` });
  await go(page, more);
  assert.equal(path(page), '/?status=planned');
  assert.equal(await page.locator('#f-status').inputValue(), 'planned');
  assert.equal(await page.locator('section.rm-in_progress .rm-more').count(), 0);
  await page.context().close();
});

function path(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

for (const lang of ['en', 'de']) {
  for (const width of [1280, 375]) {
    test(`triage and roadmap in ${lang} at ${width} px: axe, no sideways scrolling, photographed`,
      { timeout: 90_000 }, async () => {
        const page = await signedIn(pm, { width, lang });
        for (const [name, url] of [['triage', '/triage'], ['triage-votes-page2', null],
          ['roadmap', '/roadmap']]) {
          if (url !== null) {
            const res = await page.goto(`${BASE}${url}`);
            assert.equal(res.status(), 200);
          } else {
            // The second page by votes, reached through the page's links.
            await page.goto(`${BASE}/triage?sort=votes`);
            await go(page, page.locator('a[rel="next"]'));
          }
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          await axe(page, `${name} (${lang}, ${width})`);
          await noSideways(page, `${name} (${lang}, ${width})`);
          // A phone's page is long: its first screen and its last.
          const shot = `${SHOTS}/${lang}-${name}-${width}`;
          await page.screenshot({ path: `${shot}.png`, fullPage: width > 375 });
          if (width === 375) {
            await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
            await page.screenshot({ path: `${shot}-end.png` });
          }
          // Where a roadmap column leads on to the rest.
          if (name === 'roadmap') {
            await page.locator('.rm-more').first().scrollIntoViewIfNeeded();
            await page.screenshot({ path: `${shot}-more.png` });
          }
        }
        await page.context().close();
      });
  }
}
