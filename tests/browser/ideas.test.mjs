// Browser tests of the ideas: proposing through /ideas/new (with the "did
// you mean" step and the live similar titles), finding an idea by search,
// voting from the list, commenting; with JavaScript (votes without a page
// load) and without (every form posts).  axe-core checks the ideas pages,
// and the list, the form and an idea page are photographed at 1280 and
// 390 px, in English and German, for a person to look at.
//
// Debian's chromium, driven by playwright-core; no browser is downloaded.
// The list is seeded through the API first, so that it looks like a
// portal in use: ~25 ideas in the five areas, votes, comments, statuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, PASSWORD, person, sql, sqlValue, unique } from '../lib/drive.mjs';

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TEST_TIMEOUT = 120_000;

// The texts the tests look for (assets/i18n/en.txt and de.txt).
const EN = {
  locale: 'en-US',
  ideas: 'Ideas',
  search: 'Search',
  apply: 'Show ideas',
  title: 'Title',
  area: 'Product area',
  body: 'Description',
  post: 'Post idea',
  postAnyway: 'Post my idea anyway',
  similarHeading: 'Did you mean one of these?',
  liveHeading: 'Similar ideas exist already.',
  vote: 'Vote',
  voted: 'Voted',
  comment: 'Your comment',
  postComment: 'Post comment',
  emptySearch: 'No idea matches',
  titleLength: 'Enter a title of 5 to 120 characters.',
  areaInvalid: 'Choose one of the product areas.',
  planned: 'Planned',
  email: 'E-mail address',
  password: 'Password',
  signIn: 'Sign in',
};
const DE = {
  locale: 'de-DE',
  ideas: 'Ideen',
  title: 'Titel',
  liveHeading: 'Es gibt bereits ähnliche Ideen.',
  planned: 'Geplant',
  votes6: '6 Stimmen',
};
EN.votes6 = '6 votes';
EN.next = 'Next page';

// ---- the seed: a portal in use ----

const tag = randomBytes(3).toString('hex');
const AREAS = ['cash-management', 'trade-finance', 'securities-services', 'fx', 'channels-apis'];
// [title, area, votes, status, days ago, body]
const SEED = [
  ['Real-time MT940 statements via API', 'cash-management', 6, 'planned', 40,
    'We pull MT940 files twice a day over EBICS. An **API** that returns the\nstatement as soon as it is booked would let our ERP reconcile within minutes.\n\n- one call per account\n- paging by booking date\n- the same fields as the file'],
  ['camt.053 intraday reporting', 'cash-management', 5, 'under_review', 35,
    'Our auditors want camt.053 only; intraday we still get MT942. Please offer **camt.052/053 intraday** as well.'],
  ['Virtual accounts for receivables reconciliation', 'cash-management', 4, 'new', 30,
    'One virtual IBAN per customer would let us match incoming payments automatically.'],
  ['Cash pooling overview across all group entities', 'cash-management', 3, 'in_progress', 28,
    'Today we see every entity on its own. A pool view with target balances would save a spreadsheet.'],
  ['SEPA Instant payment status notifications via webhook', 'channels-apis', 5, 'planned', 26,
    'Polling for the status of instant payments wastes calls. A webhook with the pacs.002 outcome, please.'],
  ['Bulk payment file upload with pain.001 validation preview', 'cash-management', 2, 'new', 25,
    'Show the errors of a pain.001 file **before** it is submitted, line by line.'],
  ['Digital letters of credit with e-signatures', 'trade-finance', 3, 'new', 24,
    'Applying for an L/C still needs a wet signature. Qualified e-signatures would cut days.'],
  ['Track guarantee amendments online', 'trade-finance', 2, 'new', 22,
    'We lose track of amendments requested by beneficiaries. A status per amendment would help.'],
  ['Supply chain finance dashboard for suppliers', 'trade-finance', 1, 'new', 21,
    'Our suppliers ask when invoices will be paid early. A read-only dashboard for them, please.'],
  ['Upload shipping documents for documentary collections', 'trade-finance', 0, 'new', 20, ''],
  ['Corporate actions calendar with e-mail alerts', 'securities-services', 4, 'under_review', 19,
    'A calendar of upcoming corporate actions for our holdings, with alerts before deadlines.'],
  ['Proxy voting for general meetings in the portal', 'securities-services', 2, 'new', 18,
    'Instruct votes for general meetings without the paper forms.'],
  ['Settlement status per ISIN in real time', 'securities-services', 3, 'new', 17,
    'Failed settlements show up a day late in the reports.'],
  ['Tax reclaim tracking per market', 'securities-services', 1, 'new', 16,
    'Withholding tax reclaims take years; at least show us where each one stands.'],
  ['FX forward rollover with one click', 'fx', 3, 'new', 15,
    'Rolling a forward today means a phone call and two confirmations.'],
  ['Live FX rates with spread transparency', 'fx', 4, 'released', 14,
    'Show the mid rate next to our rate so that the spread is visible.'],
  ['Netting of intercompany FX exposures', 'fx', 1, 'new', 12,
    'Net our subsidiaries\' exposures before we trade with the bank.'],
  ['Limit orders for currency conversions', 'fx', 2, 'declined', 11,
    'Convert automatically when EUR/USD reaches a rate we set.'],
  ['OAuth client credentials for treasury system integration', 'channels-apis', 3, 'in_progress', 10,
    'Our TMS cannot handle certificates per user; client credentials would do.'],
  ['Sandbox environment with realistic test data', 'channels-apis', 2, 'new', 9,
    'A sandbox with accounts, statements and payments that behave like production.'],
  ['ISO 20022 migration checklist per payment type', 'channels-apis', 1, 'new', 8,
    'Which of our payment types change in November, and what must we change?'],
  ['Mobile approval of payments with biometric sign-in', 'channels-apis', 2, 'new', 6,
    'Approvers travel. Let them release payments on the phone with Face ID.'],
  ['EBICS 3.0 support with distributed electronic signature', 'channels-apis', 0, 'new', 5, ''],
  ['Account statements as PDF and CSV in one download', 'cash-management', 1, 'new', 3,
    'One zip with both formats for all accounts.'],
  ['Consolidated multi-bank balance reporting including MT942 interim reports and camt.052 for all subsidiaries', 'cash-management', 0, 'new', 1,
    'A long title, as people write them.'],
  ['Payment approval workflows with a four-eyes principle per amount', 'cash-management', 1, 'new', 0,
    'Above 50,000 EUR two approvers, below one.'],
];
const NAMES = ['Anna Keller', 'Jonas Brandt', 'Maria Rossi', 'Tom Fischer', 'Lena Novak',
  'Peter Huber'];

let browser;
let viewer;           // a client who voted and commented: the screenshots' person
let showcase;         // the id of "Real-time MT940 statements via API"
const seeded = {};    // title -> id
const axeLog = [];    // every axe finding, written next to the screenshots

// A person with a name a person would have (the screenshots show it).
async function named(role, org, name) {
  const c = await person(role, org);
  sql(`UPDATE users SET display_name = ${q(name)} WHERE id = ${c.id}`);
  c.name = name;
  return c;
}

function q(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

async function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
  return r.json;
}

async function seed() {
  const orgs = [`Nordwind Logistik ${tag}`, `Helvetia Trading ${tag}`, `Acme Treasury ${tag}`];
  const clients = [];
  for (let i = 0; i < NAMES.length; i++) {
    clients.push(await named('client', orgs[i % orgs.length], NAMES[i]));
  }
  const pm = await named('pm', null, 'Sabine Wolf');

  for (let i = 0; i < SEED.length; i++) {
    const [title, area, votes, , , body] = SEED[i];
    assert.ok(AREAS.includes(area));
    const author = clients[i % clients.length];
    const idea = await ok(await author.api('POST', '/api/v1/ideas', { title, body, area }),
      `seed ${title}`);
    seeded[title] = idea.id;
    for (let v = 0; v < votes; v++) {
      await ok(await clients[(i + v) % clients.length].api('POST',
        `/api/v1/ideas/${idea.id}/vote`), 'seed vote');
    }
  }
  showcase = seeded['Real-time MT940 statements via API'];
  const say = (c, id, body) => c.api('POST', `/api/v1/ideas/${id}/comments`, { body })
    .then((r) => ok(r, 'seed comment'));
  await say(clients[1], showcase, 'Same for us: we run **three** reconciliations a day.\nAn API would replace all of them.');
  await say(pm, showcase, 'Thank you. We are planning this for the second quarter:\n\n1. balances\n2. booked transactions\n3. intraday entries');
  await say(clients[2], showcase, 'Will it include the *structured* remittance information?');
  await say(clients[3], seeded['camt.053 intraday reporting'], 'Yes, please — and the same for camt.054.');
  await say(clients[4], seeded['FX forward rollover with one click'], 'We would use it every month.');
  await say(clients[0], seeded['Live FX rates with spread transparency'], 'Great, thank you!');

  // The bank's answers so far; frozen statuses last (votes close).
  for (const [title, , , status, days] of SEED) {
    sql(`UPDATE ideas SET status = ${q(status)}, created_at = now() - interval '${days} days'
         - interval '3 hours', first_response_at = CASE WHEN ${q(status)} = 'new' THEN NULL
         ELSE now() END WHERE id = ${seeded[title]}`);
  }
  sql(`UPDATE comments SET created_at = now() - interval '2 days', updated_at = now() - interval '2 days'
       WHERE idea_id = ${showcase} AND author_id <> ${clients[2].id}`);

  // The person the screenshots show the portal to: voted, just commented.
  viewer = clients[0];
  await say(viewer, showcase, 'We could pilot this with our **EUR** accounts.');
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  await seed();
});

after(async () => {
  if (browser) await browser.close();
  writeFileSync(`${SHOTS}/ideas-axe-violations.json`, JSON.stringify(axeLog, null, 2));
});

// ---- helpers ----

// A fresh browser profile from an address of its own (the app believes
// X-Forwarded-For from 127.0.0.1 in the tests), signed in as `who` when given, by
// adding the session cookie the API client holds.
async function newPage({ who = null, js = true, L = EN, viewport = WIDE } = {}) {
  const context = await browser.newContext({
    locale: L.locale,
    javaScriptEnabled: js,
    viewport,
    extraHTTPHeaders: {
      'x-forwarded-for': `203.0.113.${1 + randomBytes(1)[0] % 254}`,
    },
  });
  if (who) {
    await context.addCookies([{ name: 'drive_session',
      value: who.cookies.get('drive_session'), url: BASE }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  return page;
}

// Clicks a submit button and waits for the page the form leads to.
// Returns the status of the POST itself (303 when it redirects) and of
// the page finally shown.
async function submit(page, button) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' &&
    r.request().isNavigationRequest());
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await button.click();
  const [post, final] = await Promise.all([posted, nav]);
  return { post: post.status(), page: final ? final.status() : null };
}

// The same for a GET form (the search).
async function submitGet(page, button) {
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await button.click();
  const final = await nav;
  return final ? final.status() : null;
}

function path(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

async function text(locator) {
  return (await locator.textContent()).replace(/\s+/g, ' ').trim();
}

function ideaIdFrom(page) {
  const m = new URL(page.url()).pathname.match(/^\/ideas\/(\d+)$/);
  assert.ok(m, `on an idea page: ${page.url()}`);
  return Number(m[1]);
}

// A title with one word nobody else uses, to find it by search.
function uniqueWord() {
  return `zq${randomBytes(4).toString('hex')}`;
}

// Markdown over several lines: a heading, a paragraph with bold across a
// soft line break, a list, another paragraph.
const IDEA_BODY = [
  '## Why we need it',
  '',
  'Our treasury team reconciles **every',
  'morning** by hand, from three portals.',
  '',
  '- Balances per account',
  '- Value-dated *forecast*',
  '- Export as camt.052',
  '',
  'Thank you for considering it.',
].join('\n');

// The body of an idea page shows IDEA_BODY as HTML, block by block.
async function assertBodyRendered(page) {
  const body = page.locator('.idea-body');
  // "## " sits under the page's h1 and h2: an h4.
  assert.equal(await text(body.locator('h4')), 'Why we need it', 'the heading is a heading');
  const items = await body.locator('ul > li').allTextContents();
  assert.deepEqual(items.map((s) => s.trim()),
    ['Balances per account', 'Value-dated forecast', 'Export as camt.052'],
    'the list is a list, one item per line');
  assert.equal(await text(body.locator('ul em')), 'forecast');
  assert.equal(await text(body.locator('strong')), 'every morning', 'bold across the line break');
  const paras = (await body.locator(':scope > p').allTextContents()).map((s) => s.replace(/\s+/g, ' ').trim());
  assert.deepEqual(paras, ['Our treasury team reconciles every morning by hand, from three portals.',
    'Thank you for considering it.'], 'paragraphs stay paragraphs');
  const shown = await body.innerText();
  assert.doesNotMatch(shown, /\*\*|##|^- /m, `no raw Markdown shown: ${shown}`);
  // The blocks are laid out one under another, not run together.
  const tops = await body.locator(':scope > *').evaluateAll((els) =>
    els.map((e) => e.getBoundingClientRect().top));
  for (let i = 1; i < tops.length; i++) assert.ok(tops[i] > tops[i - 1], 'blocks stack');
}

// The row of an idea in the list, with its vote parts: the button (its
// word is all its text), the count (after the hidden "Votes:").
function row(page, title) {
  const li = page.locator('ol.ideas > li', { has: page.locator('h2', { hasText: title }) });
  const button = li.locator('.vote button');
  return { li, button, count: li.locator('.vote-total'), word: button };
}

// A vote count as shown: the text after the hidden "Votes:".
async function votes(locator) {
  return (await text(locator)).replace(/^\D*/, '');
}

// Searches with the box on /, as a person types and submits it.
async function search(page, L, word) {
  await page.goto(`${BASE}/`);
  await page.getByLabel(L.search, { exact: true }).fill(word);
  const status = await submitGet(page, page.getByRole('button', { name: L.apply }));
  assert.equal(status, 200, 'the search page');
  assert.equal(new URL(page.url()).searchParams.get('q'), word, 'the search is in the URL');
  assert.equal(await page.getByLabel(L.search, { exact: true }).inputValue(), word,
    'the search box keeps the words');
}

// Fills the new-idea form.
async function fillIdea(page, L, { title, area, body }) {
  await page.getByLabel(L.title, { exact: true }).fill(title);
  await page.getByLabel(L.area, { exact: true }).selectOption(area);
  await page.getByLabel(L.body, { exact: true }).fill(body);
}

function dbIdea(id) {
  const [r] = sql(`SELECT vote_count, comment_count FROM ideas WHERE id = ${id}`);
  return { votes: Number(r[0]), comments: Number(r[1]) };
}

// A text column as stored, line breaks included (psql prints one row a line).
function dbText(query) {
  const v = sqlValue(`SELECT to_json((${query}))::text`);
  return v === null ? null : JSON.parse(v);
}

function dbVoted(id, userId) {
  return sqlValue(`SELECT count(*) FROM votes WHERE idea_id = ${id} AND user_id = ${userId}`) === '1';
}

// ---- 1. with JavaScript ----

test('with JavaScript: propose a Markdown idea, find it, vote and withdraw without a page load',
  { timeout: TEST_TIMEOUT }, async () => {
    const L = EN;
    const alice = await named('client', unique('Org'), 'Alice Martin');
    const bob = await named('client', unique('Org'), 'Bob Schneider');  // another organisation
    const word = uniqueWord();
    const title = `Intraday liquidity forecast ${word} for all subsidiaries`;

    const a = await newPage({ who: alice });
    const b = await newPage({ who: bob });
    try {
      // Typing a title like an existing idea shows it under the field.
      let res = await a.goto(`${BASE}/ideas/new`);
      assert.equal(res.status(), 200);
      const live = a.locator('#similar-live');
      assert.equal(await live.getAttribute('aria-live'), 'polite');
      assert.equal(await text(live), '', 'nothing shown before typing');
      const titleBox = a.getByLabel(L.title, { exact: true });
      const like = 'Real-time MT940 statements via API';
      await titleBox.pressSequentially('Real time MT940 statements by API', { delay: 20 });
      const hit = live.locator('a', { hasText: like });
      await hit.waitFor();
      assert.equal(await hit.getAttribute('href'), `/ideas/${showcase}`);
      assert.match(await text(live), new RegExp(L.liveHeading));
      const item = live.locator('li').filter({ hasText: like });
      assert.match(await text(item), /Planned/, 'its status');
      assert.match(await text(item), /\b6 votes\b/, 'its votes');
      // Too short again: the suggestions go away.
      await titleBox.fill('Real');
      await a.waitForFunction(() => document.getElementById('similar-live').textContent === '');

      // The idea itself.
      await fillIdea(a, L, { title, area: 'cash-management', body: IDEA_BODY });
      let r = await submit(a, a.getByRole('button', { name: L.post, exact: true }));
      if (r.post === 200) {
        // "Did you mean": nothing stored yet, the form kept; post anyway.
        assert.equal(await text(a.locator('#similar-heading')), L.similarHeading);
        assert.equal(sqlValue(`SELECT count(*) FROM ideas WHERE title = ${q(title)}`), '0');
        r = await submit(a, a.getByRole('button', { name: L.postAnyway }));
      }
      assert.equal(r.post, 303, 'posting redirects to the idea');
      assert.equal(r.page, 200);
      const id = ideaIdFrom(a);
      assert.equal(await text(a.locator('h1')), title);
      await assertBodyRendered(a);
      assert.equal(dbText(`SELECT body FROM ideas WHERE id = ${id}`), IDEA_BODY,
        'the body is stored as typed, LF line ends');
      assert.equal(Number(sqlValue(`SELECT author_id FROM ideas WHERE id = ${id}`)), alice.id);
      assert.equal(dbIdea(id).votes, 1, 'the author\'s own vote');

      // Bob finds it by a word of the title.
      await search(b, L, word);
      const rows = b.locator('ol.ideas > li');
      assert.equal(await rows.count(), 1, 'exactly the one idea');
      const v = row(b, title);
      assert.equal(await v.li.locator('h2 a').getAttribute('href'), `/ideas/${id}`);
      assert.equal(await votes(v.count), '1');
      assert.equal(await v.button.getAttribute('aria-pressed'), 'false');
      assert.equal(await text(v.word), L.vote);
      // The button is named by its word and the idea's title.
      assert.equal(await b.getByRole('button', { name: `${L.vote} ${title}`, exact: true }).count(), 1);

      // Voting: the API answers, the page stays.
      let navigations = 0;
      b.on('framenavigated', (f) => { if (f === b.mainFrame()) navigations++; });
      await b.evaluate(() => { window.__stay = 'still here'; });
      const urlBefore = b.url();
      let api = b.waitForResponse((x) => x.url().endsWith(`/api/v1/ideas/${id}/vote`) &&
        x.request().method() === 'POST');
      await v.button.click();
      assert.equal((await api).status(), 200, 'POST /api/v1/ideas/<id>/vote');
      await b.waitForFunction((el) => el.getAttribute('aria-pressed') === 'true' &&
        !el.hasAttribute('aria-busy'), await v.button.elementHandle());
      assert.equal(await votes(v.count), '2', 'the count went up');
      assert.equal(await text(v.word), L.voted);
      assert.equal(await b.getByRole('button', { name: `${L.voted} ${title}`, exact: true }).count(), 1,
        'the name follows the word');
      assert.equal(await v.count.getAttribute('aria-live'), 'polite', 'the count is read out');
      assert.equal(await b.evaluate(() => window.__stay), 'still here', 'no page load');
      assert.equal(navigations, 0, 'no navigation');
      assert.equal(b.url(), urlBefore);
      assert.equal(dbIdea(id).votes, 2, 'the database counts the vote');
      assert.ok(dbVoted(id, bob.id));

      // The server agrees after a reload.
      await b.reload();
      assert.equal(await votes(v.count), '2');
      assert.equal(await v.button.getAttribute('aria-pressed'), 'true');
      assert.equal(await text(v.word), L.voted);

      // Again: withdrawn, still without a page load.
      navigations = 0;
      await b.evaluate(() => { window.__stay = 'still here'; });
      api = b.waitForResponse((x) => x.url().endsWith(`/api/v1/ideas/${id}/vote`) &&
        x.request().method() === 'DELETE');
      await v.button.click();
      assert.equal((await api).status(), 200, 'DELETE /api/v1/ideas/<id>/vote');
      await b.waitForFunction((el) => el.getAttribute('aria-pressed') === 'false' &&
        !el.hasAttribute('aria-busy'), await v.button.elementHandle());
      assert.equal(await votes(v.count), '1', 'the count went down');
      assert.equal(await text(v.word), L.vote);
      assert.equal(await b.evaluate(() => window.__stay), 'still here', 'no page load');
      assert.equal(navigations, 0, 'no navigation');
      assert.equal(dbIdea(id).votes, 1, 'the database forgot the vote');
      assert.ok(!dbVoted(id, bob.id));

      // And on the idea page, once more there.
      await Promise.all([b.waitForURL(`**/ideas/${id}`),
        v.li.locator('h2 a').click()]);
      await assertBodyRendered(b);
      const box = b.locator('.idea-head form.vote-form');
      assert.equal(await votes(box.locator('.vote-total')), '1');
      assert.equal(await b.getByRole('button', { name: `${L.vote} ${title}`, exact: true }).count(), 1);
      await b.evaluate(() => { window.__stay = 'still here'; });
      await box.locator('button').click();
      await b.waitForFunction((el) => el.getAttribute('aria-pressed') === 'true',
        await box.locator('button').elementHandle());
      assert.equal(await votes(box.locator('.vote-total')), '2');
      assert.equal(await b.evaluate(() => window.__stay), 'still here');
      assert.equal(dbIdea(id).votes, 2);
    } finally {
      await a.context().close();
      await b.context().close();
    }
  });

// ---- 2. without JavaScript ----

test('without JavaScript: propose through "did you mean", search, vote and comment by form',
  { timeout: TEST_TIMEOUT }, async () => {
    const L = EN;
    const carol = await named('client', unique('Org'), 'Carol Weber');
    const dave = await named('client', unique('Org'), 'David Klein');
    const word = uniqueWord();
    // Close to a seeded title, so that the server asks "did you mean".
    const like = 'Cash pooling overview across all group entities';
    const title = `Cash pooling overview across group entities ${word}`;

    const c = await newPage({ js: false });
    const d = await newPage({ who: dave, js: false });
    try {
      // Carol signs in through the form.
      await c.goto(`${BASE}/ideas/new`);
      assert.equal(path(c), '/login?next=%2Fideas%2Fnew', 'signed out, the form leads to /login and back');
      await c.getByLabel(L.email, { exact: true }).fill(carol.email);
      await c.getByLabel(L.password, { exact: true }).fill(PASSWORD);
      let r = await submit(c, c.getByRole('button', { name: L.signIn, exact: true }));
      assert.equal(r.post, 303, 'POST /login');
      assert.equal(path(c), '/ideas/new', 'signed in, back at the form');

      let res = await c.goto(`${BASE}/ideas/new`);
      assert.equal(res.status(), 200);
      await fillIdea(c, L, { title, area: 'channels-apis', body: IDEA_BODY });
      r = await submit(c, c.getByRole('button', { name: L.post, exact: true }));
      assert.equal(r.post, 200, 'the first post asks "did you mean"');
      assert.equal(path(c), '/ideas/new');
      assert.equal(await text(c.locator('#similar-heading')), L.similarHeading);
      const suggestion = c.locator('.similar-box a', { hasText: like });
      assert.equal(await suggestion.count(), 1, 'the similar idea is offered');
      assert.equal(await suggestion.getAttribute('href'), `/ideas/${seeded[like]}`);
      assert.equal(await c.locator('input[type=hidden][name=confirm]').inputValue(), '1');
      assert.equal(sqlValue(`SELECT count(*) FROM ideas WHERE title = ${q(title)}`), '0',
        'nothing stored before the confirmation');
      // Everything typed comes back, line breaks included.
      assert.equal(await c.getByLabel(L.title, { exact: true }).inputValue(), title);
      assert.equal(await c.getByLabel(L.area, { exact: true }).inputValue(), 'channels-apis');
      assert.equal(await c.getByLabel(L.body, { exact: true }).inputValue(), IDEA_BODY);

      r = await submit(c, c.getByRole('button', { name: L.postAnyway }));
      assert.equal(r.post, 303, 'the confirmed post redirects');
      assert.equal(r.page, 200);
      const id = ideaIdFrom(c);
      assert.equal(await text(c.locator('h1')), title);
      await assertBodyRendered(c);
      assert.equal(sqlValue(`SELECT count(*) FROM ideas WHERE title = ${q(title)}`), '1',
        'stored once');
      assert.equal(dbText(`SELECT body FROM ideas WHERE id = ${id}`), IDEA_BODY);

      // Dave finds it and votes from the results: the form posts, the
      // results come back with his vote.
      await search(d, L, word);
      const v = row(d, title);
      assert.equal(await d.locator('ol.ideas > li').count(), 1);
      assert.equal(await votes(v.count), '1');
      assert.equal(await v.button.getAttribute('aria-pressed'), 'false');
      const searched = path(d);
      r = await submit(d, v.button);
      assert.equal(r.post, 303, 'POST /ideas/<id>/vote redirects');
      assert.equal(r.page, 200);
      assert.equal(new URL(d.url()).searchParams.get('q'), word, 'back on the same results');
      assert.equal(new URL(d.url()).pathname, new URL(BASE + searched).pathname);
      assert.equal(await votes(v.count), '2', 'the page shows the vote');
      assert.equal(await v.button.getAttribute('aria-pressed'), 'true');
      assert.equal(await text(v.word), L.voted);
      assert.equal(await v.button.getAttribute('value'), 'withdraw', 'the next click withdraws');
      assert.equal(dbIdea(id).votes, 2);
      assert.ok(dbVoted(id, dave.id));

      // On the idea page: voted there too; a comment by form.
      await Promise.all([d.waitForURL(`**/ideas/${id}`), v.li.locator('h2 a').click()]);
      const box = d.locator('.idea-head form.vote-form');
      assert.equal(await votes(box.locator('.vote-total')), '2');
      assert.equal(await box.locator('button').getAttribute('aria-pressed'), 'true');
      const comment = 'We would use this **daily**.\nTwo wishes:\n\n1. camt.052 too\n2. all accounts at once';
      await d.getByLabel(L.comment, { exact: true }).fill(comment);
      r = await submit(d, d.getByRole('button', { name: L.postComment }));
      assert.equal(r.post, 303, 'POST /ideas/<id>/comments redirects');
      assert.equal(r.page, 200);
      const cid = sqlValue(`SELECT id FROM comments WHERE idea_id = ${id} AND author_id = ${dave.id}`);
      assert.ok(cid, 'the comment is stored');
      assert.equal(new URL(d.url()).hash, `#comment-${cid}`, 'the page jumps to the comment');
      assert.equal(dbText(`SELECT body FROM comments WHERE id = ${cid}`), comment);
      assert.equal(dbIdea(id).comments, 1);
      const shown = d.locator(`#comment-${cid}`);
      assert.equal(await text(shown.locator('.prose strong')), 'daily');
      assert.deepEqual((await shown.locator('.prose ol > li').allTextContents()).map((s) => s.trim()),
        ['camt.052 too', 'all accounts at once']);
      assert.match(await text(d.locator('#comments-heading')), /\(1\)/);
      assert.equal(await d.getByLabel(L.comment, { exact: true }).inputValue(), '',
        'the comment box is empty again');

      // Withdrawing by form from the idea page returns to it.
      r = await submit(d, box.locator('button'));
      assert.equal(r.post, 303);
      assert.equal(new URL(d.url()).pathname, `/ideas/${id}`);
      assert.equal(await votes(box.locator('.vote-total')), '1');
      assert.equal(await box.locator('button').getAttribute('aria-pressed'), 'false');
      assert.equal(dbIdea(id).votes, 1);
      assert.ok(!dbVoted(id, dave.id));
    } finally {
      await c.context().close();
      await d.context().close();
    }
  });

// Without JavaScript the vote form posts and the server sends the person
// back to the list they voted from: on the second page, that page.
test('without JavaScript: a vote on the second page of the list returns to the second page',
  { timeout: TEST_TIMEOUT }, async () => {
    const erin = await named('client', unique('Org'), 'Erin Vogel');
    const p = await newPage({ who: erin, js: false });
    try {
      // The newest first: a vote does not move an idea to another page.
      await p.goto(`${BASE}/?sort=new`);
      await Promise.all([p.waitForURL(/cursor=/), p.getByRole('link', { name: EN.next }).click()]);
      const second = new URL(p.url());
      // (Not the showcase idea, whose count the screenshots' test checks.)
      const open = p.locator('ol.ideas > li').filter({ has: p.locator('.vote button:not([disabled])') })
        .filter({ hasNot: p.locator(`a[href="/ideas/${showcase}"]`) });
      const last = open.last();
      const title = await text(last.locator('h2'));
      const id = Number((await last.locator('h2 a').getAttribute('href')).split('/').pop());
      const before = dbIdea(id).votes;
      const r = await submit(p, last.locator('.vote button'));
      assert.equal(r.post, 303, 'POST /ideas/<id>/vote redirects');
      assert.equal(dbIdea(id).votes, before + 1, 'the vote is counted');
      const back = new URL(p.url());
      assert.equal(back.searchParams.get('cursor'), second.searchParams.get('cursor'),
        `back on the page of the vote (${second.pathname}${second.search}), not ${back.pathname}${back.search}`);
      const v = row(p, title);
      assert.equal(await votes(v.count), String(before + 1));
      assert.equal(await v.button.getAttribute('aria-pressed'), 'true');
    } finally {
      await p.context().close();
    }
  });

// Issue 14, item 7: on a phone the filter form folds away under one line
// (a details element: no JavaScript needed), so the ideas come first; the
// line names the search and filters in force.  Wide screens show the form.
for (const js of [true, false]) {
  test(`on a phone the filters fold away, JavaScript ${js ? 'on' : 'off'}`, { timeout: TEST_TIMEOUT }, async () => {
    const L = EN;
    const page = await newPage({ who: viewer, js, viewport: PHONE });
    try {
      await page.goto(`${BASE}/`);
      const fold = page.locator('details.fold > summary');
      const box = page.getByLabel(L.search, { exact: true });
      assert.ok(await fold.isVisible(), 'the folded line is shown');
      assert.equal(await text(fold), 'Search and filter ideas');
      assert.ok(!(await box.isVisible()), 'the search box is folded away');
      const tops = await page.locator('ol.ideas > li').evaluateAll((els) =>
        els.slice(0, 3).map((e) => e.getBoundingClientRect().bottom));
      assert.ok(tops[2] < PHONE.height, `three ideas on the first screen: ${tops}`);
      if (js) await page.screenshot({ path: `${SHOTS}/en-ideas-folded-390.png` });

      await fold.click();
      assert.ok(await box.isVisible(), 'opened, the form is there');
      await box.fill('camt.053');
      await page.getByLabel('Status', { exact: true }).selectOption('under_review');
      assert.equal(await submitGet(page, page.getByRole('button', { name: L.apply })), 200);
      assert.equal(new URL(page.url()).searchParams.get('q'), 'camt.053');
      assert.ok(!(await box.isVisible()), 'the results come first again');
      assert.equal(await text(fold), 'Search and filter ideas In force: “camt.053” Under review',
        'the line says what is in force');
      assert.ok(await page.locator('ol.ideas > li').first().isVisible());
      if (js) {
        await page.screenshot({ path: `${SHOTS}/en-ideas-folded-search-390.png` });
        const axe = await new AxeBuilder({ page }).analyze();
        assert.deepEqual(axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
          .map((v) => `${v.id}: ${v.help}`), [], 'axe on the folded phone list');
      }
    } finally {
      await page.context().close();
    }
    const wide = await newPage({ who: viewer, js });
    try {
      await wide.goto(`${BASE}/?q=camt.053`);
      assert.ok(!(await wide.locator('details.fold > summary').isVisible()), 'no fold on a wide screen');
      assert.ok(await wide.getByLabel(L.search, { exact: true }).isVisible(), 'the form is open');
      assert.equal(await wide.getByLabel(L.search, { exact: true }).inputValue(), 'camt.053');
    } finally {
      await wide.context().close();
    }
  });
}

// ---- 3. axe-core ----

test('axe-core: the list, the empty search, the new-idea form in its states, an idea page',
  { timeout: TEST_TIMEOUT }, async () => {
    const L = EN;
    const problems = [];
    const audit = async (page, name) => {
      const result = await new AxeBuilder({ page }).analyze();
      for (const v of result.violations) {
        const entry = {
          page: name, url: path(page), id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
        };
        axeLog.push(entry);
        if (v.impact === 'serious' || v.impact === 'critical') problems.push(entry);
      }
    };
    const page = await newPage({ who: viewer });
    try {
      let res = await page.goto(`${BASE}/`);
      assert.equal(res.status(), 200);
      assert.ok(await page.locator('ol.ideas > li').count() >= 20, 'a full list');
      await audit(page, 'ideas');

      res = await page.goto(`${BASE}/?q=${uniqueWord()}`);
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('ol.ideas').count(), 0);
      assert.match(await text(page.locator('.empty')), new RegExp(L.emptySearch));
      await audit(page, 'ideas-empty-search');

      res = await page.goto(`${BASE}/ideas/new`);
      assert.equal(res.status(), 200);
      await audit(page, 'idea-new');

      // The live suggestions under the title.
      await page.getByLabel(L.title, { exact: true }).pressSequentially('Camt.053 intraday report',
        { delay: 10 });
      await page.locator('#similar-live a', { hasText: 'camt.053 intraday reporting' }).waitFor();
      await audit(page, 'idea-new-live-similar');

      // A title too short for the server.  The browser would refuse it
      // itself (minlength), so the form skips that check, as an older
      // browser or a script would.
      await page.getByLabel(L.title, { exact: true }).fill('Four');
      await page.getByLabel(L.area, { exact: true }).selectOption('fx');
      await page.locator('form.form').evaluate((f) => { f.noValidate = true; });
      let r = await submit(page, page.getByRole('button', { name: L.post, exact: true }));
      assert.equal(r.post, 422, 'a short title: 422');
      const t = page.getByLabel(L.title, { exact: true });
      assert.equal(await t.getAttribute('aria-invalid'), 'true');
      assert.match(await text(page.locator('#title-error')), new RegExp(L.titleLength));
      assert.match(await t.getAttribute('aria-describedby'), /title-error/);
      assert.equal(await t.inputValue(), 'Four', 'what was typed is kept');
      assert.equal(await page.getByLabel(L.area, { exact: true }).inputValue(), 'fx');
      await audit(page, 'idea-new-errors');

      // "Did you mean".
      await page.getByLabel(L.title, { exact: true }).fill('Corporate actions calendar with alerts');
      r = await submit(page, page.getByRole('button', { name: L.post, exact: true }));
      assert.equal(r.post, 200);
      assert.equal(await text(page.locator('#similar-heading')), L.similarHeading);
      await audit(page, 'idea-new-similar');

      res = await page.goto(`${BASE}/ideas/${showcase}`);
      assert.equal(res.status(), 200);
      assert.ok(await page.locator('.comment-list > li').count() >= 3, 'with comments');
      await audit(page, 'idea');
    } finally {
      await page.context().close();
    }
    assert.equal(problems.length, 0,
      `serious or critical axe findings:\n${JSON.stringify(problems, null, 2)}`);
  });

// ---- 4. screenshots ----

test('screenshots: list, form and idea page at 1280 and 390 px, English and German',
  { timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    const pages = [
      ['ideas', '/'],
      ['idea-new', '/ideas/new'],
      ['idea', `/ideas/${showcase}`],
    ];
    for (const [lang, L, which] of [['en', EN, pages], ['de', DE, [pages[0], pages[2]]]]) {
      for (const [size, vp] of [['1280', WIDE], ['390', PHONE]]) {
        const page = await newPage({ who: viewer, L, viewport: vp });
        try {
          for (const [name, url] of which) {
            const res = await page.goto(BASE + url);
            assert.equal(res.status(), 200, url);
            assert.equal(await page.locator('html').getAttribute('lang'), lang);
            if (name === 'ideas') assert.equal(await text(page.locator('main h1')), L.ideas);
            await page.screenshot({ path: `${SHOTS}/${lang}-${name}-${size}.png`, fullPage: true });
            const overflow = await page.evaluate(() =>
              document.documentElement.scrollWidth - document.documentElement.clientWidth);
            if (overflow > 0) problems.push(`${lang} ${url} at ${size}px scrolls sideways by ${overflow}px`);
          }
        } finally {
          await page.context().close();
        }
      }
    }
    // The suggestions under the title while typing, built by similar.js from
    // the texts the page carries: in the page's language.
    for (const [lang, L] of [['en', EN], ['de', DE]]) {
      const page = await newPage({ who: viewer, L });
      try {
        await page.goto(`${BASE}/ideas/new`);
        await page.getByLabel(L.title, { exact: true })
          .pressSequentially('Real time MT940 statements by API', { delay: 10 });
        const live = page.locator('#similar-live');
        await live.locator('a', { hasText: 'Real-time MT940 statements via API' }).waitFor();
        const shown = await text(live);
        assert.match(shown, new RegExp(L.liveHeading), `${lang}: ${shown}`);
        assert.match(shown, new RegExp(`${L.planned} ${L.votes6}`), `${lang}: ${shown}`);
        await page.screenshot({ path: `${SHOTS}/${lang}-idea-new-live-1280.png`, fullPage: true });
      } finally {
        await page.context().close();
      }
    }

    // The "did you mean" state of the form, for the record.
    const page = await newPage({ who: viewer });
    try {
      await page.goto(`${BASE}/ideas/new`);
      await fillIdea(page, EN, { title: 'Live FX rates with spread', area: 'fx', body: 'Rates, please.' });
      const r = await submit(page, page.getByRole('button', { name: EN.post, exact: true }));
      assert.equal(r.post, 200);
      await page.screenshot({ path: `${SHOTS}/en-idea-new-similar-1280.png`, fullPage: true });
    } finally {
      await page.context().close();
    }

    // Two wrong fields at once (the browser's own checks skipped, as an
    // older browser's would be): each error next to its field, what was
    // typed kept, at 1280 and 375 px.
    for (const [size, vp] of [['1280', WIDE], ['375', { width: 375, height: 812 }]]) {
      const form = await newPage({ who: viewer, viewport: vp });
      try {
        await form.goto(`${BASE}/ideas/new`);
        await form.getByLabel(EN.title, { exact: true }).fill('Four');
        await form.getByLabel(EN.body, { exact: true }).fill('Kept as it was typed.');
        await form.locator('form.form').evaluate((f) => { f.noValidate = true; });
        const r = await submit(form, form.getByRole('button', { name: EN.post, exact: true }));
        assert.equal(r.post, 422);
        assert.match(await text(form.locator('#title-error')), new RegExp(EN.titleLength));
        assert.match(await text(form.locator('#area-error')), new RegExp(EN.areaInvalid));
        assert.equal(await form.locator('.field-error').count(), 2);
        assert.equal(await form.getByLabel(EN.title, { exact: true }).inputValue(), 'Four');
        assert.equal(await form.getByLabel(EN.body, { exact: true }).inputValue(), 'Kept as it was typed.');
        await form.screenshot({ path: `${SHOTS}/en-idea-new-errors-${size}.png`, fullPage: true });
        const overflow = await form.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (overflow > 0) problems.push(`the form with errors at ${size}px scrolls sideways by ${overflow}px`);
      } finally {
        await form.context().close();
      }
    }
    assert.deepEqual(problems, [], 'no sideways scrolling');
  });
