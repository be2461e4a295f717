// The listening scorecard in Debian's chromium (issue 16, part 4): at
// 1280 and 375 px, with JavaScript on (axe-core, which needs it) and off;
// a table on wide screens, a card per area on phones, never scrolling
// sideways; reached from the roadmap; photographed in English and German.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, sql } from '../lib/drive.mjs';

let browser;
let client;
let pm;

const AREAS = ['cash-management', 'trade-finance', 'securities-services', 'fx', 'channels-apis'];
const TAG = randomBytes(3).toString('hex');
const NEW_AREA = { slug: `ls-${TAG}`, en: `Scorecard area ${TAG}`, de: `Bereich ${TAG}` };

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  client = await person('client');
  pm = await person('pm');
  // Approves pm's "released" (four eyes): released, and first answered, now.
  const pm2 = await person('pm');
  // 60 ideas over the areas (but FX, which stays empty) and the last 200
  // days; two thirds answered, after up to 29 days; the released ones were
  // released (and first answered) just now.
  const values = [];
  for (let i = 0; i < 60; i++) values.push(`('Scorecard idea number ${i + 1}', '${AREAS[i % 4 === 3 ? 4 : i % 4]}', ${i})`);
  sql(`SELECT idea_create(${client.id}, v.area, v.title, 'Please.')
       FROM (VALUES ${values.join(', ')}) v(title, area, n) ORDER BY v.n`);
  sql(`WITH x AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ideas WHERE author_id = ${client.id})
       SELECT response_create(x.id, ${pm.id}, CASE WHEN x.n % 5 = 0 THEN 'released' ELSE 'under_review' END,
         'Thank you.', NULL) FROM x WHERE x.n % 3 <> 0`);
  sql(`SELECT response_approve(d.id, NULL, ${pm2.id}, NULL) FROM response_drafts d
       JOIN ideas i ON i.id = d.idea_id WHERE i.author_id = ${client.id} AND d.state = 'pending'`);
  sql(`UPDATE ideas SET created_at = now() - interval '1 day' * (2 + (x.n * 37) % 200),
       first_response_at = CASE WHEN ideas.status = 'released' THEN ideas.first_response_at
         WHEN ideas.first_response_at IS NOT NULL THEN now()
         - interval '1 day' * (2 + (x.n * 37) % 200) + interval '1 hour' * ((x.n * 53) % 700) END
       FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ideas WHERE author_id = ${client.id}) x
       WHERE ideas.id = x.id`);
  sql(`UPDATE responses r SET created_at = i.first_response_at FROM ideas i
       WHERE i.id = r.idea_id AND i.author_id = ${client.id} AND i.status <> 'released'`);
  // An area of this test's own with one idea proposed today: whatever the
  // other suites left in the shared database, its row says "none yet".
  sql(`INSERT INTO areas (slug, name_en, name_de, position)
       VALUES ('${NEW_AREA.slug}', '${NEW_AREA.en}', '${NEW_AREA.de}', 99)`);
  sql(`SELECT idea_create(${client.id}, '${NEW_AREA.slug}', 'Scorecard idea of today', 'Please.')`);
});

after(async () => {
  await browser?.close();
  // Out of the way of the suites after this one (its idea stays).
  sql(`UPDATE areas SET retired_at = now() WHERE slug = '${NEW_AREA.slug}'`);
});

async function signedIn(who, { width = 1280, lang = 'en', js = true } = {}) {
  const b = randomBytes(3);
  const ctx = await browser.newContext({
    viewport: { width, height: 900 },
    locale: lang === 'de' ? 'de-DE' : 'en-US',
    javaScriptEnabled: js,
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
  });
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

const HEAD = { en: 'Listening: how the bank answers', de: 'Zuhören: wie die Bank antwortet' };
const LINK = { en: 'How quickly the bank answers', de: 'Wie schnell die Bank antwortet' };
const SHARE = { en: 'Answered within 14 days', de: 'Innerhalb von 14 Tagen beantwortet' };

for (const lang of ['en', 'de']) {
  for (const width of [1280, 375]) {
    for (const js of [true, false]) {
      test(`the scorecard in ${lang} at ${width} px, JavaScript ${js ? 'on' : 'off'}`, { timeout: 90_000 }, async () => {
        const page = await signedIn(client, { width, lang, js });
        // From the roadmap, as a person finds it.
        await page.goto(`${BASE}/roadmap`);
        await Promise.all([page.waitForNavigation(),
          page.getByRole('link', { name: LINK[lang] }).click()]);
        assert.equal(new URL(page.url()).pathname, '/listening');
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal((await page.locator('h1').textContent()).trim(), HEAD[lang]);
        // A row per area in use and the total (other suites may have added
        // areas); the test's own new area has no idea old enough: "none yet".
        const rows = page.locator('.ls-table tbody tr');
        assert.ok(await rows.count() >= 6);
        const fresh = rows.filter({ hasText: NEW_AREA[lang] });
        assert.equal(await fresh.count(), 1);
        assert.match(await fresh.textContent(), lang === 'de' ? /Noch keine Idee ist alt genug/ : /No idea is old enough yet/);
        const head = page.locator('.ls-table thead');
        if (width === 375) {
          // Cards: the header row is hidden, each cell says what it is.
          assert.equal(await head.boundingBox().then((b) => b === null || b.height <= 1), true);
          const cell = rows.first().locator('td').first();
          const label = await cell.evaluate((el) => getComputedStyle(el, '::before').content);
          assert.equal(label, `"${SHARE[lang]}"`);
          const box = await page.locator('.ls-table').boundingBox();
          assert.ok(box.width <= 375, `the cards fit (${box.width})`);
        } else {
          assert.ok(await head.isVisible());
          assert.equal(await page.locator('.ls-table th').first().textContent(),
            lang === 'de' ? 'Produktbereich' : 'Product area');
        }
        await noSideways(page, `listening (${lang}, ${width}, js ${js})`);
        if (js) await axe(page, `listening (${lang}, ${width})`);
        const shot = `${SHOTS}/${lang}-listening-${width}${js ? '' : '-nojs'}`;
        await page.screenshot({ path: `${shot}.png`, fullPage: true });
        if (width === 375) {
          // A phone's page is long: its first screen, and the cards.
          await page.screenshot({ path: `${shot}-top.png` });
          await page.locator('#ls-areas-heading').evaluate((el) => el.scrollIntoView());
          await page.screenshot({ path: `${shot}-cards.png` });
          await page.locator('.ls-total').evaluate((el) => el.scrollIntoView());
          await page.screenshot({ path: `${shot}-total.png` });
        }
        await page.context().close();
      });
    }
  }
}
