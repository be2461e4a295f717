// What the start page costs a browser: the signed-in list `/` with 20
// ideas on it, its HTML plus every stylesheet, script, icon and image it
// references (and whatever those stylesheets pull in), before
// compression, stays under 30 KB, and nothing comes from another origin.
// The same sum as tests/bench/probe.py `weight` (KB = 1,024 bytes).
// A size, not a timing: it holds on any machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, person, respond, unique } from '../lib/drive.mjs';

const LIMIT = 30 * 1024;

// Titles and bodies as clients write them (the bench's are as long);
// none is a title the browser tests seed and look for by its words, since
// make test runs both suites against one database.
const SEED = [
  ['Intraday MT942 statements via SFTP', 'cash-management'],
  ['camt.053 intraday reporting for all our EUR accounts', 'cash-management'],
  ['Bulk SEPA Instant payments via pain.001 upload', 'cash-management'],
  ['Virtual accounts per subsidiary with their own IBAN', 'cash-management'],
  ['Cash pooling overview across countries and currencies', 'cash-management'],
  ['Letters of credit: upload the documents as PDF', 'trade-finance'],
  ['Guarantee amendments signed electronically by both parties', 'trade-finance'],
  ['Supply chain finance: see the discount before we accept', 'trade-finance'],
  ['Status of every documentary collection on one page', 'trade-finance'],
  ['Corporate actions notified a week earlier', 'securities-services'],
  ['Proxy voting for general meetings without the paper forms', 'securities-services'],
  ['Custody statements as camt.053 instead of PDF', 'securities-services'],
  ['Indicative FX rates with spread shown', 'fx'],
  ['FX swap rollover in a single click', 'fx'],
  ['Netting of intercompany FX flows before the trade', 'fx'],
  ['Limit alerts by e-mail when a deal nears the line', 'fx'],
  ['Webhooks for incoming payments instead of polling', 'channels-apis'],
  ['OAuth client credentials for our ERP connector', 'channels-apis'],
  ['A sandbox with realistic test data for every API', 'channels-apis'],
  ['Approve payments in the mobile app with two signatures', 'channels-apis'],
];

const BODY = 'Today our treasury team downloads the files by hand every morning '
  + 'and loads them into the ERP.\n\n## What we need\n\n- the same data **intraday**\n'
  + '- one format for every account\n\nIt would save us about an hour a day.';

const org = unique('Weight Treasury');
const viewer = await person('client', org);
const authors = [viewer, await person('client', org), await person('client'), await person('client')];
const pm = await person('pm');
const pm2 = await person('pm');

// The references a browser fetches for the page: stylesheets, icons,
// preloads, scripts, images and embedded media.
function references(html) {
  const refs = [];
  for (const [tag] of html.matchAll(/<(link|script|img|iframe|source|audio|video)\b[^>]*>/gi)) {
    const attr = (name) => {
      const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
      return m ? (m[1] ?? m[2] ?? m[3]) : null;
    };
    if (/^<link/i.test(tag)) {
      const rel = (attr('rel') || '').toLowerCase();
      if (attr('href') && /^(stylesheet|icon|preload|modulepreload|manifest|apple-touch-icon)$/.test(rel)) {
        refs.push({ kind: rel, ref: attr('href') });
      }
    } else if (attr('src')) {
      refs.push({ kind: tag.slice(1).split(/[\s>]/)[0].toLowerCase(), ref: attr('src') });
    }
  }
  return refs;
}

test('the list `/` with 20 ideas, signed in: HTML + every stylesheet, script and icon under 30 KB', async () => {
  // 20 ideas of the viewer's organisation and others, some answered by
  // the bank, some voted for by the viewer (their buttons show it).
  for (let i = 0; i < SEED.length; i++) {
    const [title, area] = SEED[i];
    const author = authors[i % authors.length];
    const r = await author.api('POST', '/api/v1/ideas', { title, body: BODY, area });
    assert.equal(r.status, 201, r.text);
    if (author !== viewer && i % 3 === 0) {
      assert.equal((await viewer.api('POST', `/api/v1/ideas/${r.json.id}/vote`)).status, 200);
    }
    if (i % 4 === 1) {
      const status = ['under_review', 'planned', 'declined', 'under_review', 'in_progress'][(i >> 2) % 5];
      const a = await respond(pm, pm2, r.json.id, status, 'Thank you: we looked at it.');
      assert.ok(a.status === 200 || a.status === 201, a.text);
    }
  }

  // The page as the viewer gets it: whichever 20 ideas top the list (in
  // the whole suite, other tests' ideas too).
  const page = await viewer.fetch('/');
  assert.equal(page.status, 200);
  const html = Buffer.from(await page.arrayBuffer());
  const text = html.toString('utf8');
  const list = /<ol class="ideas"[^>]*>([\s\S]*?)<\/ol>/.exec(text);
  assert.ok(list, 'the list is on the page');
  assert.equal((list[1].match(/<li class="idea[ "]/g) || []).length, 20, 'a full page: 20 ideas');

  const sizes = [['/ (HTML)', html.length]];
  const thirdParty = [];
  const seen = new Set();
  const origin = new URL(BASE).origin;
  const fetchRef = async (kind, ref, from) => {
    const url = new URL(ref, from);
    if (url.protocol === 'data:') return null;
    if (url.origin !== origin) {
      thirdParty.push(ref);
      return null;
    }
    if (seen.has(url.href)) return null;
    seen.add(url.href);
    const r = await fetch(url);
    assert.equal(r.status, 200, `${kind} ${ref}`);
    const body = Buffer.from(await r.arrayBuffer());
    sizes.push([`${url.pathname} (${kind})`, body.length]);
    return body;
  };
  for (const { kind, ref } of references(text)) {
    const body = await fetchRef(kind, ref, `${BASE}/`);
    if (body && kind === 'stylesheet') {
      // What a stylesheet pulls in: url(...) and @import.
      const css = body.toString('utf8');
      const more = [...css.matchAll(/url\(\s*['"]?([^'")]+)/g), ...css.matchAll(/@import\s+['"]([^'"]+)/g)];
      for (const m of more) await fetchRef('css-url', m[1], new URL(ref, `${BASE}/`).href);
    }
  }
  assert.ok(sizes.some(([what]) => /stylesheet/.test(what)), 'the page has a stylesheet');

  const total = sizes.reduce((sum, [, n]) => sum + n, 0);
  const report = `${(total / 1024).toFixed(1)} KB: ${sizes.map(([what, n]) => `${what} ${n}`).join(', ')}`;
  console.log(`# weight of /: ${report}`);
  assert.deepEqual(thirdParty, [], 'nothing from another origin');
  assert.ok(total < LIMIT, `/ weighs ${report}; the limit is 30 KB`);
});
