// Four eyes on commitments in Debian's chromium, without JavaScript, in
// English and German (issue 16, part 3): a pm's "planned" waits on the
// idea's desk, a client sees nothing of it, the triage desk lists it, a
// second pm approves it (or rejects it with a reason), and an admin
// changes an area's approvals.  Every page is checked with axe-core, must
// not scroll sideways at 375 px, and is photographed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { BASE, person, sql, sqlValue, unique } from '../lib/drive.mjs';

let browser;
let pm1;
let pm2;
let admin;
let client;
let voter;

const WORDS = {
  en: {
    response: 'Response', publish: 'Publish response', awaiting: 'Awaiting approval',
    mine: 'You wrote this draft', approve: 'Approve and publish', reject: 'Reject the draft',
    reason: 'Reason for rejecting', reasonError: 'Say why the draft is rejected', noAnswer: 'No official response yet.',
    rejected: 'was rejected by', save: 'Save approvals', planned: '“Planned” needs approval',
    saved: 'The product area was saved.', hint: 'is published only once a second product manager',
  },
  de: {
    response: 'Antwort', publish: 'Antwort veröffentlichen', awaiting: 'Wartet auf Freigabe',
    mine: 'Sie haben diesen Entwurf geschrieben', approve: 'Freigeben und veröffentlichen',
    reject: 'Entwurf ablehnen', reason: 'Grund der Ablehnung', reasonError: 'Bitte begründen Sie die Ablehnung',
    noAnswer: 'Noch keine offizielle Antwort.', rejected: 'abgelehnt', save: 'Freigaben speichern',
    planned: '„Geplant“ braucht eine Freigabe', saved: 'Der Produktbereich wurde gespeichert.',
    hint: 'erst veröffentlicht, wenn eine zweite Person',
  },
};

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  [pm1, pm2, admin, client, voter] = [await person('pm'), await person('pm'), await person('admin'),
    await person('client'), await person('client')];
  sql(`UPDATE users SET display_name = 'Sabine Wolf' WHERE id = ${pm1.id}`);
  sql(`UPDATE users SET display_name = 'Jonas Berger' WHERE id = ${pm2.id}`);
  pm1.name = 'Sabine Wolf';
  pm2.name = 'Jonas Berger';
});

after(async () => { await browser?.close(); });

async function signedIn(who, { width = 1280, lang = 'en' } = {}) {
  const b = randomBytes(3);
  const ctx = await browser.newContext({
    viewport: { width, height: 900 },
    locale: lang === 'de' ? 'de-DE' : 'en-US',
    javaScriptEnabled: false,
    extraHTTPHeaders: { 'x-forwarded-for': `10.${b[0]}.${b[1]}.${b[2]}` },
  });
  await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

// axe-core needs JavaScript, and these pages are seen without it: the
// page as the browser shows it (error states of a POST too) is served
// again, at its own origin (the stylesheet and the session apply), to a
// page with JavaScript of the same size, which axe checks and measures.
const SNAPSHOT = `${BASE}/__four_eyes_snapshot`;

async function check(page, what, lang, width) {
  assert.equal(await page.getAttribute('html', 'lang'), lang);
  await page.screenshot({ path: `${SHOTS}/${lang}-four-eyes-${what}-${width}.png`, fullPage: true });
  const html = await page.content();
  const ctx = await browser.newContext({ viewport: { width, height: 900 } });
  await ctx.addCookies(await page.context().cookies());
  const js = await ctx.newPage();
  await js.route(SNAPSHOT, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await js.goto(SNAPSHOT);
  const result = await new AxeBuilder({ page: js }).analyze();
  const bad = result.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [], `axe on ${what} (${lang}, ${width})`);
  const overflow = await js.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, `${what} (${lang}, ${width}) scrolls sideways by ${overflow}px`);
  await ctx.close();
}

async function go(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
}

async function propose(title) {
  const r = await client.api('POST', '/api/v1/ideas', {
    title, area: 'cash-management',
    body: 'Our treasury needs the **intraday** balance of every account before the cut-off.',
  });
  assert.equal(r.status, 201, r.text);
  await voter.api('POST', `/api/v1/ideas/${r.json.id}/vote`);
  return r.json;
}

for (const lang of ['en', 'de']) {
  for (const width of [1280, 375]) {
    const w = WORDS[lang];
    test(`four eyes without JavaScript in ${lang} at ${width} px: draft, nothing for clients, triage, approve, reject`,
      { timeout: 120_000 }, async () => {
        const idea = await propose(unique(lang === 'de' ? 'Intraday-Salden vor dem Cut-off' : 'Intraday balances before the cut-off'));
        const text = unique(lang === 'de' ? 'Geplant für das zweite Quartal' : 'Planned for the second quarter');

        // pm1 answers "planned": a draft, on the desk, without Approve.
        const p1 = await signedIn(pm1, { width, lang });
        await p1.goto(`${BASE}/ideas/${idea.id}`);
        assert.ok((await p1.locator('#response-status-hint').textContent()).includes(w.hint));
        await p1.locator('#response-status').selectOption('planned');
        await p1.getByLabel(w.response, { exact: true }).fill(text);
        await go(p1, p1.getByRole('button', { name: w.publish }));
        assert.equal(new URL(p1.url()).hash, '#draft');
        await p1.getByRole('heading', { name: w.awaiting }).waitFor();
        assert.ok((await p1.locator('#draft').textContent()).includes(text));
        assert.ok((await p1.locator('#draft').textContent()).includes(w.mine));
        assert.equal(await p1.getByRole('button', { name: w.approve }).count(), 0);
        await check(p1, 'draft-author', lang, width);
        await p1.context().close();

        // A client sees nothing of it.
        const c = await signedIn(client, { width, lang });
        await c.goto(`${BASE}/ideas/${idea.id}`);
        assert.ok((await c.locator('section.answer').textContent()).includes(w.noAnswer));
        assert.ok(!(await c.content()).includes(text));
        assert.equal(await c.getByRole('heading', { name: w.awaiting }).count(), 0);
        await check(c, 'client-before', lang, width);

        // pm2 finds it on the triage desk and approves it.
        const p2 = await signedIn(pm2, { width, lang });
        await p2.goto(`${BASE}/triage`);
        const row = p2.locator('.drafts-table tr', { hasText: idea.title });
        assert.equal(await row.count(), 1);
        assert.ok((await row.textContent()).includes(pm1.name));
        await check(p2, 'triage', lang, width);
        await go(p2, row.getByRole('link', { name: idea.title }));
        await check(p2, 'draft-approver', lang, width);
        await go(p2, p2.getByRole('button', { name: w.approve }));
        assert.equal(new URL(p2.url()).hash, '#history');
        assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${idea.id}`), 'planned');

        // Now the client reads it, as any answer.
        await c.goto(`${BASE}/ideas/${idea.id}`);
        assert.ok((await c.locator('section.answer').textContent()).includes(text));
        await check(c, 'client-after', lang, width);
        await c.context().close();

        // A "released" draft rejected: first without a reason (refused at
        // the field), then with one; its author reads why on the desk.
        const q = await signedIn(pm1, { width, lang });
        await q.goto(`${BASE}/ideas/${idea.id}`);
        await q.locator('#response-status').selectOption('released');
        await q.getByLabel(w.response, { exact: true }).fill(unique('Live'));
        await go(q, q.getByRole('button', { name: w.publish }));
        await p2.goto(`${BASE}/triage`);
        await go(p2, p2.locator('.drafts-table').getByRole('link', { name: idea.title }));
        await go(p2, p2.getByRole('button', { name: w.reject }));
        assert.ok((await p2.locator('#reject-reason-error').textContent()).includes(w.reasonError));
        assert.equal(await p2.getByLabel(w.reason).getAttribute('aria-invalid'), 'true');
        await check(p2, 'reject-refused', lang, width);
        await p2.getByLabel(w.reason).fill(lang === 'de' ? 'Erst nach dem Pilotbetrieb.' : 'Not before the pilot ends.');
        await go(p2, p2.getByRole('button', { name: w.reject }));
        assert.equal(sqlValue(`SELECT state FROM response_drafts WHERE idea_id = ${idea.id} ORDER BY id DESC LIMIT 1`), 'rejected');
        await p2.context().close();
        await q.goto(`${BASE}/ideas/${idea.id}`);
        assert.ok((await q.locator('#draft-rejected').textContent()).includes(w.rejected));
        await check(q, 'rejected', lang, width);
        await q.context().close();
        assert.equal(sqlValue(`SELECT status FROM ideas WHERE id = ${idea.id}`), 'planned');
      });
  }

  test(`an admin changes an area's approvals without JavaScript in ${lang}`, { timeout: 60_000 }, async () => {
    const w = WORDS[lang];
    const slug = unique('eyes-page').toLowerCase();
    const id = sqlValue(`INSERT INTO areas (slug, name_en, name_de, position)
      VALUES ('${slug}', 'Liquidity ${slug}', 'Liquidität ${slug}', 900) RETURNING id`);
    const page = await signedIn(admin, { lang });
    await page.goto(`${BASE}/admin/areas`);
    const box = page.locator(`#area-${id}-approve-planned`);
    assert.equal(await box.isChecked(), true, 'planned and released by default');
    assert.equal(await page.getByLabel(w.planned).first().isVisible(), true);
    await box.uncheck();
    await go(page, page.locator(`form.area-approval:has(#area-${id}-approve-planned) button`));
    assert.ok((await page.locator('.alert-success').textContent()).includes(w.saved));
    assert.equal(sqlValue(`SELECT approval_statuses::text FROM areas WHERE id = ${id}`), '{released}');
    assert.equal(await page.locator(`#area-${id}-approve-planned`).isChecked(), false);
    await check(page, 'admin-areas', lang, 1280);
    await page.context().close();
    // Retired: the suites after this one find the areas they know.
    sql(`UPDATE areas SET retired_at = now() WHERE id = ${id}`);
  });
}
