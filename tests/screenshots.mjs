// make screenshots: the main pages of each role, photographed in Debian's
// chromium against a stack with the demo data (tests/run.sh screenshots
// starts it and loads sql/demo.sql).  Desktop (1280 px) and phone
// (375 px), each in English and German (the longer German words are
// what a phone's width has to hold); the PNGs go to DRIVE_SCREENSHOTS
// (default var/screenshots) and their names are printed.
import { mkdirSync } from 'node:fs';
import { launchChromium } from './lib/browser.mjs';
import { BASE, ROOT, Client, sql, sqlValue } from './lib/drive.mjs';

const OUT = process.env.DRIVE_SCREENSHOTS || `${ROOT}/var/screenshots`;
const PASSWORD = 'drive demo password';
mkdirSync(OUT, { recursive: true });

const idea = sqlValue(`SELECT id FROM ideas WHERE duplicate_of IS NULL
  AND EXISTS (SELECT 1 FROM responses r WHERE r.idea_id = ideas.id)
  ORDER BY vote_count DESC LIMIT 1`);
const unanswered = sqlValue(`SELECT id FROM ideas WHERE duplicate_of IS NULL
  AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.idea_id = ideas.id)
  ORDER BY vote_count DESC LIMIT 1`);
const org = sqlValue('SELECT id FROM organizations ORDER BY id LIMIT 1');
// An answer awaiting a second product manager's approval (four eyes),
// written by another than pm1, who may approve it.
const drafted = sqlValue(`SELECT d.idea_id FROM response_drafts d JOIN users u ON u.id = d.author_id
  WHERE d.state = 'pending' AND u.email <> 'pm1@example.test' ORDER BY d.created_at LIMIT 1`);

const ROLES = {
  client: {
    email: 'client001@example.test',
    pages: ['/', '/?sort=trending', `/ideas/${idea}`, '/ideas/new', '/roadmap',
      '/notifications', '/profile'],
  },
  pm: {
    email: 'pm1@example.test',
    pages: ['/triage', `/ideas/${unanswered}`, `/ideas/${drafted}`, `/ideas/${idea}/voters`, '/roadmap'],
  },
  admin: {
    email: 'admin1@example.test',
    pages: ['/admin/invitations', '/admin/users', '/admin/organizations',
      `/admin/organizations/${org}`, '/admin/areas', '/admin/statuses', '/admin/audit'],
  },
};

function fileName(role, path, lang, width) {
  const slug = path === '/' ? 'home' : path.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-');
  return `${OUT}/${role}-${slug}-${lang}-${width}.png`;
}

const browser = await launchChromium();
let shots = 0;
try {
  // The anonymous pages first.
  for (const width of [1280, 375]) {
    const ctx = await browser.newContext({ viewport: { width, height: 900 }, locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(`${BASE}/login`);
    await page.screenshot({ path: fileName('anonymous', '/login', 'en', width), fullPage: true });
    shots++;
    await ctx.close();
  }
  for (const [role, { email, pages }] of Object.entries(ROLES)) {
    const who = new Client();
    const r = await who.signIn(email, PASSWORD);
    if (r.status !== 200) throw new Error(`${email} cannot sign in: ${r.status} ${r.text}`);
    // The profile's language wins over the browser's: set it for each run.
    for (const lang of ['en', 'de']) {
      sql(`UPDATE users SET lang = '${lang}' WHERE email = '${email}'`);
      for (const width of [1280, 375]) {
        const ctx = await browser.newContext({
          viewport: { width, height: 900 },
          locale: lang === 'de' ? 'de-DE' : 'en-US',
          extraHTTPHeaders: { 'x-forwarded-for': who.address, 'accept-language': lang },
        });
        await ctx.addCookies([{ name: 'drive_session', value: who.cookies.get('drive_session'), url: BASE }]);
        const page = await ctx.newPage();
        page.setDefaultTimeout(120_000);
        for (const path of pages) {
          await page.goto(BASE + path);
          await page.screenshot({ path: fileName(role, path, lang, width), fullPage: width !== 375 });
          shots++;
        }
        await ctx.close();
      }
    }
  }
} finally {
  await browser.close();
}
console.log(`screenshots: ${shots} pages in ${OUT}`);
