// E-mails as a mail client shows them: build/drive-mailer writes the
// outbox as .eml files (no SMTP server set), mailparser reads each as a
// mail program would, and Debian's chromium renders its HTML part with
// nothing remote allowed, at a phone's width and a desktop reader's.
// The mail looks like the portal (inline styles only), leads with a
// button to the idea, shows the status as its badge in words, and in
// English does not go on in lower case after the greeting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, SHOTS } from '../lib/browser.mjs';
import AxeBuilder from '@axe-core/playwright';
import { simpleParser } from 'mailparser';
import { person, respond, sql, sqlValue, unique, ROOT } from '../lib/drive.mjs';

const dir = mkdtempSync(join(tmpdir(), 'drive-mail-eml-'));
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

function mailerOnce() {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'build', 'drive-mailer'), ['--once'], {
      env: {
        PATH: process.env.PATH,
        DRIVE_DATABASE_URL: process.env.DRIVE_DATABASE_URL,
        DRIVE_SMTP_URL: '',
        DRIVE_MAIL_DIR: dir,
        DRIVE_BASE_URL: process.env.DRIVE_TEST_BASE,
        DRIVE_ROOT: process.env.DRIVE_ROOT,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d) => { log += d; });
    child.on('exit', (code) => (code === 0 ? resolve(log) : reject(new Error(log))));
  });
}

async function eml(ideaId, userId, kind) {
  const id = sqlValue(`SELECT id FROM outbox WHERE idea_id = ${ideaId} AND user_id = ${userId} AND kind = '${kind}'`);
  assert.ok(id, `a ${kind} mail is queued`);
  return simpleParser(readFileSync(join(dir, `outbox-${id}.eml`), 'utf8'));
}

// The HTML part in Chromium, offline: a remote request would fail the test.
async function render(html, width, name) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  const remote = [];
  await page.route('**/*', (route) => { remote.push(route.request().url()); route.abort(); });
  await page.setContent(html, { waitUntil: 'load' });
  await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  assert.deepEqual(remote, [], `${name}: nothing remote is loaded`);
  return { page, context };
}

test('a status mail: the portal\'s look, a button to the idea, the badge in words, both languages', { timeout: 90_000 }, async () => {
  const pm = await person('pm');
  const approver = await person('pm'); // four eyes: the mail goes on approval
  for (const [lang, want] of [
    ['en', { button: 'Open the idea in Drive', status: 'Planned', intro: /^The bank has answered your idea/ }],
    ['de', { button: 'Idee in Drive öffnen', status: 'Geplant', intro: /^die Bank hat Ihre Idee/ }],
  ]) {
    const author = await person('client');
    sql(`UPDATE users SET lang = '${lang}' WHERE id = ${author.id}`);
    const idea = (await author.api('POST', '/api/v1/ideas',
      { title: unique('Mail look'), body: 'Body.', area: 'cash-management' })).json;
    const r = await respond(pm, approver, idea.id, 'planned', 'We will build **this** next quarter.');
    assert.equal(r.status, 200, r.text);
    await mailerOnce();
    const mail = await eml(idea.id, author.id, 'status');
    assert.ok(mail.html, 'an HTML part');
    assert.ok(!/<link|<style|<script|src="http/i.test(mail.html), 'inline styles only, nothing remote');

    for (const width of [375, 600]) {
      const { page, context } = await render(mail.html, width, `mail-status-${lang}`);
      const button = page.getByRole('link', { name: want.button });
      await button.waitFor();
      assert.match(await button.getAttribute('href'), new RegExp(`/ideas/${idea.id}$`));
      const box = await button.boundingBox();
      assert.ok(box.height >= 36, `${lang} ${width}: the button is a button (${box.height} px high)`);
      assert.ok(box.x + box.width <= width, `${lang} ${width}: the button fits`);
      const badge = page.getByText(want.status, { exact: true });
      assert.equal(await badge.count(), 1, `${lang}: the status in words`);
      const bg = await badge.evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(bg, 'rgba(0, 0, 0, 0)', `${lang}: the badge has its colour`);
      const paras = await page.locator('td p').allTextContents();
      const intro = paras.find((p) => want.intro.test(p));
      assert.ok(intro, `${lang}: the sentence after the greeting: ${JSON.stringify(paras)}`);
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(scroll <= width, `${lang} ${width}: no sideways scrolling (${scroll})`);
      const axe = await new AxeBuilder({ page }).analyze();
      const bad = axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], `axe on the ${lang} mail`);
      await context.close();
    }
  }
});

test('a comment mail and a merge mail lead with their button too', { timeout: 90_000 }, async () => {
  const author = await person('client');
  const other = await person('client');
  const pm = await person('pm');
  const idea = (await author.api('POST', '/api/v1/ideas',
    { title: unique('Mail comment'), body: 'Body.', area: 'cash-management' })).json;
  const into = (await other.api('POST', '/api/v1/ideas',
    { title: unique('Mail original'), body: 'Body.', area: 'cash-management' })).json;
  const c = await other.api('POST', `/api/v1/ideas/${idea.id}/comments`, { body: 'Same here.' });
  assert.equal(c.status, 201);
  const m = await pm.api('POST', `/api/v1/ideas/${idea.id}/merge`, { into: into.id });
  assert.ok(m.status === 200 || m.status === 201, m.text);
  await mailerOnce();
  for (const [kind, name, href] of [
    ['comment', 'Read the comment in Drive', new RegExp(`/ideas/${idea.id}#comment-${c.json.id}$`)],
    ['merged', 'Open the idea it was merged into', new RegExp(`/ideas/${into.id}$`)],
  ]) {
    const mail = await eml(idea.id, author.id, kind);
    const { page, context } = await render(mail.html, 375, `mail-${kind}-en`);
    const button = page.getByRole('link', { name });
    assert.match(await button.getAttribute('href'), href);
    assert.ok((await button.boundingBox()).height >= 36, `${kind}: a button`);
    await context.close();
  }
});
