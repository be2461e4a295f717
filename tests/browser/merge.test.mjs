// Issue 14, item 9 (and 18 for merges), as a product manager does it in
// Chromium (without JavaScript on the phone; axe-core needs it, so it
// runs on the wide pages): from the idea page, find the original by
// words of its title, choose it, see both ideas, confirm; photographed at
// 1280 and 375 px in English and German, axe-core on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import { BASE, person, sqlValue, unique } from '../lib/drive.mjs';

let browser;
before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

async function axe(page, what) {
  const bad = (await new AxeBuilder({ page }).analyze()).violations
    .filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => `${v.id}: ${v.help}`);
  assert.deepEqual(bad, [], what);
}

const L = {
  en: { locale: 'en-US', find: 'Find the original idea', findBtn: 'Find ideas', confirm: 'Merge these two ideas?', now: 'Merge now' },
  de: { locale: 'de-DE', find: 'Originalidee suchen', findBtn: 'Ideen suchen', confirm: 'Diese beiden Ideen zusammenführen?', now: 'Jetzt zusammenführen' },
};

for (const lang of ['en', 'de']) {
  for (const width of [1280, 375]) {
    const js = width !== 375;
    test(`merging, JavaScript ${js ? 'on' : 'off'}: find, choose, confirm (${lang}, ${width} px)`, { timeout: 90_000 }, async () => {
      const t = L[lang];
      const client = await person('client');
      const pm = await person('pm');
      const tag = unique('m').replace(/[^a-z0-9]/gi, '');
      const original = (await client.api('POST', '/api/v1/ideas', { title: `Liquidity forecast per entity ${tag}`, body: 'x', area: 'cash-management' })).json;
      const dup = (await client.api('POST', '/api/v1/ideas', { title: `Cash forecast for each entity ${tag}`, body: 'y', area: 'cash-management' })).json;
      const ctx = await browser.newContext({ locale: t.locale, javaScriptEnabled: js, viewport: { width, height: 900 } });
      await ctx.addCookies([{ name: 'drive_session', value: pm.cookies.get('drive_session'), url: BASE }]);
      const page = await ctx.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${BASE}/ideas/${dup.id}`);
      await page.getByLabel(t.find, { exact: true }).fill(`liquidity ${tag}`);
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: t.findBtn }).click()]);
      assert.equal(new URL(page.url()).pathname, `/ideas/${dup.id}/merge`);
      const candidate = page.locator('li.candidate', { hasText: original.title });
      assert.equal(await candidate.count(), 1, 'the original is found by words of its title');
      if (js) await axe(page, `${lang} ${width} finding`);
      await page.screenshot({ path: `${SHOTS}/${lang}-merge-find-${width}.png`, fullPage: true });
      await Promise.all([page.waitForNavigation(), candidate.locator('button').click()]);
      assert.equal((await page.locator('h1').textContent()).trim(), t.confirm);
      assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${dup.id}`), 'new', 'not yet');
      if (js) await axe(page, `${lang} ${width} confirming`);
      await page.screenshot({ path: `${SHOTS}/${lang}-merge-confirm-${width}.png`, fullPage: true });
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: t.now }).click()]);
      assert.equal(new URL(page.url()).pathname, `/ideas/${original.id}`);
      assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${dup.id}`), 'duplicate');
      await ctx.close();
    });
  }
}

// With JavaScript the browser's own confirm() asks, and confirm.js adds
// confirm=1, so the comment is hidden without a second page; without it,
// the server's confirmation page asks.
for (const js of [true, false]) {
  test(`hiding a comment, JavaScript ${js ? 'on' : 'off'}: asked once, then hidden`, { timeout: 60_000 }, async () => {
    const client = await person('client');
    const pm = await person('pm');
    const idea = (await client.api('POST', '/api/v1/ideas', { title: `Hide test ${unique('h')}`, body: 'x', area: 'fx' })).json;
    const c = (await client.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Please hide me' })).json;
    const ctx = await browser.newContext({ locale: 'en-US', javaScriptEnabled: js, viewport: { width: 375, height: 800 } });
    await ctx.addCookies([{ name: 'drive_session', value: pm.cookies.get('drive_session'), url: BASE }]);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10_000);
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.accept(); });
    await page.goto(`${BASE}/ideas/${idea.id}`);
    await Promise.all([page.waitForNavigation(), page.locator(`#comment-${c.id} form.comment-hide button`).click()]);
    if (!js) {
      assert.equal((await page.locator('h1').textContent()).trim(), 'Hide this comment?');
      await page.screenshot({ path: `${SHOTS}/en-comment-hide-375.png`, fullPage: true });
      assert.equal(sqlValue(`SELECT hidden_at IS NULL FROM comments WHERE id = ${c.id}`), 't');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Hide the comment' }).click()]);
    } else {
      assert.equal(dialogs, 1, 'the browser asked once');
    }
    assert.equal(new URL(page.url()).pathname, `/ideas/${idea.id}`);
    assert.equal(sqlValue(`SELECT hidden_at IS NOT NULL FROM comments WHERE id = ${c.id}`), 't');
    await ctx.close();
  });
}
