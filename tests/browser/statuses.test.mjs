// Custom statuses as people meet them, in Debian's chromium: an admin
// adds one on /admin/statuses (a mistake first: the error by its field,
// what was typed kept), a pm sets it from the idea's desk, a client sees
// it in words on the idea and as a column of the roadmap.  With
// JavaScript and without, in English and German, wide and narrow;
// axe-core where JavaScript runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { BASE, person, sql, sqlValue, unique } from '../lib/drive.mjs';

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

const runs = [
  { width: 1280, lang: 'en', js: true, name: ['Early access', 'Frühzugang'] },
  { width: 375, lang: 'en', js: false, name: ['Trial with clients', 'Test mit Kunden'] },
  { width: 375, lang: 'de', js: true, name: ['Beta', 'Beta-Phase'] },
];

async function context(who, { width, lang, js }) {
  const b = randomBytes(3);
  const ctx = await browser.newContext({
    viewport: { width, height: 900 },
    javaScriptEnabled: js,
    locale: lang === 'de' ? 'de-DE' : 'en-GB',
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}`, 'accept-language': lang },
  });
  await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
  return ctx;
}

async function axe(page) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), []);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

for (const run of runs) {
  const { width, lang, js, name } = run;
  const shot = (what) => `${SHOTS}/${lang}-statuses-${what}-${width}${js ? '' : '-nojs'}.png`;
  const label = lang === 'de' ? name[1] : name[0];
  test(`a custom status: added by an admin, set by a pm, shown to a client and on the roadmap (${lang}, ${width} px, JavaScript ${js})`,
    { timeout: 90_000 }, async () => {
      const admin = await person('admin');
      const pm = await person('pm');
      const client = await person('client');
      const key = `pilot_${randomBytes(3).toString('hex')}`;

      // The admin's page: a bad short name first.
      let ctx = await context(admin, run);
      let page = await ctx.newPage();
      await page.goto(`${BASE}/admin/statuses`);
      if (js) await axe(page);
      await page.fill('#status-key', 'Not Valid');
      await page.fill('#status-name-en', name[0]);
      await page.fill('#status-name-de', name[1]);
      await page.check('#status-group-committed');
      await submit(page, 'form[action="/admin/statuses"] button[type="submit"]');
      assert.ok(await page.locator('#status-key-error').isVisible());
      assert.equal(await page.inputValue('#status-name-en'), name[0], 'what was typed is kept');
      assert.ok(await page.locator('#status-group-committed').isChecked(), 'the group chosen is kept');
      if (js) await axe(page);
      await page.screenshot({ path: shot('error'), fullPage: true });
      await page.fill('#status-key', key);
      await submit(page, 'form[action="/admin/statuses"] button[type="submit"]');
      assert.match(page.url(), /\/admin\/statuses\?saved=1$/);
      assert.equal(sqlValue(`SELECT grp FROM idea_statuses WHERE key = '${key}'`), 'committed');
      assert.ok(await page.locator(`#status-${key}-en`).isVisible(), 'its rename form');
      await page.screenshot({ path: shot('admin'), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`);
      await ctx.close();

      // The pm sets it from the idea's desk (fx without four eyes meanwhile).
      const idea = (await client.api('POST', '/api/v1/ideas', { title: unique('Status in the browser'), body: 'Please.', area: 'fx' })).json;
      sql("UPDATE areas SET approval_statuses = '{}' WHERE slug = 'fx'");
      try {
        ctx = await context(pm, run);
        page = await ctx.newPage();
        await page.goto(`${BASE}/ideas/${idea.id}`);
        const option = page.locator(`#response-status option[value="${key}"]`);
        assert.equal((await option.textContent()).trim(), label);
        await page.selectOption('#response-status', key);
        await page.fill('#response-body', 'We are trying this with three clients.');
        await submit(page, `form[action="/ideas/${idea.id}/responses"] button[type="submit"]`);
        assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${idea.id}`), key);
        await ctx.close();
      } finally {
        sql("UPDATE areas SET approval_statuses = '{planned,released}' WHERE slug = 'fx'");
      }

      // The client: the idea's badge and the roadmap's column.
      ctx = await context(client, run);
      page = await ctx.newPage();
      await page.goto(`${BASE}/ideas/${idea.id}`);
      assert.equal((await page.locator(`.meta-status .badge.s-${key}`).textContent()).trim(), label);
      await page.goto(`${BASE}/roadmap`);
      const col = page.locator(`section.rm-${key}`);
      assert.equal((await col.locator('.rm-head').textContent()).trim(), label);
      assert.equal(await col.locator(`a[href="/ideas/${idea.id}"]`).count(), 1);
      if (js) await axe(page);
      await page.screenshot({ path: shot('roadmap'), fullPage: true });
      await ctx.close();
    });
}
