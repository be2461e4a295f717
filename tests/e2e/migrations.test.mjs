// Where the schema comes from: `drivectl migrate` applies the numbered
// migrations once, then each file of sql/repeatable/ (functions, triggers,
// views) whose SHA-256 differs from the one it recorded, and every file
// after a numbered migration was applied.  Each test works on a database
// of its own in the test cluster, from a copy of sql/ it may change.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync, unlinkSync, rmSync } from 'node:fs';
import { sql, unique, ROOT } from '../lib/drive.mjs';

const DB = unique('mig').replace('-', '_');
const DIR = `${process.env.DRIVE_TEST_WORK}/${DB}`;
const withDb = (url) => url.replace(/dbname=\S+/, `dbname=${DB}`);
const OWNER_URL = withDb(process.env.DRIVE_TEST_OWNER_URL);
const PORTAL_URL = withDb(process.env.DRIVE_DATABASE_URL);
const SUPER_URL = withDb(process.env.DRIVE_TEST_SUPER_URL);

sql(`CREATE DATABASE ${DB} OWNER drive_owner`);
const ext = spawnSync('psql', [SUPER_URL, '-qAtX', '-c', 'CREATE EXTENSION pg_trgm'], { encoding: 'utf8' });
assert.equal(ext.status, 0, ext.stderr);
cpSync(`${ROOT}/sql`, `${DIR}/sql`, { recursive: true });

after(() => {
  rmSync(DIR, { recursive: true, force: true });
  sql(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
});

function migrate() {
  const r = spawnSync(`${ROOT}/build/drivectl`, ['migrate', '--sql', `${DIR}/sql`], {
    encoding: 'utf8',
    env: { ...process.env, DRIVE_DATABASE_URL: PORTAL_URL, DRIVE_OWNER_URL: OWNER_URL },
  });
  const applied = [...r.stdout.matchAll(/^drivectl: applied (\S+)/gm)].map((m) => m[1]);
  return { code: r.status, out: r.stdout + r.stderr, applied };
}

function query(url, q) {
  const r = spawnSync('psql', [url, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', q], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}
const ownerValue = (q) => {
  const r = query(OWNER_URL, q);
  assert.equal(r.code, 0, r.err);
  return r.out;
};

const repeatable = (name) => `${DIR}/sql/repeatable/${name}`;
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('a new database: the numbered migrations, then every repeatable file, each recorded with its SHA-256', () => {
  const m = migrate();
  assert.equal(m.code, 0, m.out);
  const numbered = m.applied.filter((n) => /^\d{3}_/.test(n));
  const files = m.applied.filter((n) => n.startsWith('repeatable/'));
  assert.ok(numbered.length >= 7, m.out);
  assert.ok(files.length >= 1, m.out);
  // Numbered first, then the repeatable files in name order.
  assert.deepEqual(m.applied, [...numbered, ...files]);
  assert.deepEqual(files, [...files].sort());
  for (const f of files) {
    const name = f.slice('repeatable/'.length);
    assert.equal(ownerValue(`SELECT sha256 FROM schema_repeatable WHERE name = '${name}'`),
      sha256(repeatable(name)), name);
  }
  assert.match(m.out, /drive_owner owns the schema; drive may use it/);
  // What the portal calls is there, owned by the owner, runnable by drive.
  assert.equal(ownerValue(`SELECT pg_get_userbyid(proowner) || ' ' ||
      has_function_privilege('drive', oid, 'EXECUTE') || ' ' || prosecdef
    FROM pg_proc WHERE proname = 'audit'`), 'drive_owner true true');
  assert.equal(ownerValue(`SELECT string_agg(tgname, ' ' ORDER BY tgname) FROM pg_trigger
    WHERE NOT tgisinternal`), 'areas_catalog audit_log_append_only audit_log_chain audit_log_no_truncate idea_search_sync idea_statuses_catalog');
  // A new portal requires a second factor of pm and admin, not of clients
  // (tests/run.sh turns it off on the shared stack).
  assert.equal(ownerValue(`SELECT string_agg(role || '=' || required, ' ' ORDER BY role)
    FROM second_factor_policy`), 'admin=true client=false pm=true');
});

test('an unchanged run applies nothing', () => {
  const before = ownerValue("SELECT string_agg(name || applied_at, ',' ORDER BY name) FROM schema_repeatable");
  const m = migrate();
  assert.equal(m.code, 0, m.out);
  assert.deepEqual(m.applied, []);
  assert.match(m.out, /the schema is up to date/);
  assert.equal(ownerValue("SELECT string_agg(name || applied_at, ',' ORDER BY name) FROM schema_repeatable"), before);
});

test('a changed file is applied again, and only that one', () => {
  const file = repeatable('ideas.sql');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /\tRETURN new_id;\n/);
  writeFileSync(file, text.replace('\tRETURN new_id;\n', '\tRETURN new_id;\t-- changed by the test\n'));
  const m = migrate();
  assert.equal(m.code, 0, m.out);
  assert.deepEqual(m.applied, ['repeatable/ideas.sql']);
  assert.match(ownerValue("SELECT prosrc FROM pg_proc WHERE proname = 'idea_create'"), /changed by the test/);
  assert.equal(ownerValue("SELECT sha256 FROM schema_repeatable WHERE name = 'ideas.sql'"), sha256(file));
  assert.deepEqual(migrate().applied, []);
});

test('after a numbered migration every repeatable file is applied again (what it dropped comes back)', () => {
  writeFileSync(`${DIR}/sql/900_test.sql`, 'DROP FUNCTION search_query(text);\n');
  try {
    const m = migrate();
    assert.equal(m.code, 0, m.out);
    assert.equal(m.applied[0], '900_test.sql');
    assert.ok(m.applied.includes('repeatable/search.sql'), m.out);
    assert.match(m.out, /applied repeatable\/search\.sql \(again/);
    assert.equal(ownerValue("SELECT count(*) FROM pg_proc WHERE proname = 'search_query'"), '1');
    assert.deepEqual(migrate().applied, []);
  } finally {
    unlinkSync(`${DIR}/sql/900_test.sql`);
  }
});

test('a file that fails is not recorded: the next run tries it again; a file that is gone is forgotten', () => {
  const file = repeatable('zz_test.sql');
  writeFileSync(file, 'CREATE OR REPLACE FUNCTION zz_probe() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n'
    + 'SELECT no_such_function();\n');
  let m = migrate();
  assert.equal(m.code, 1, m.out);
  assert.match(m.out, /repeatable\/zz_test\.sql failed; nothing of it was applied/);
  assert.equal(ownerValue("SELECT count(*) FROM pg_proc WHERE proname = 'zz_probe'"), '0');
  assert.equal(ownerValue("SELECT count(*) FROM schema_repeatable WHERE name = 'zz_test.sql'"), '0');

  writeFileSync(file, 'CREATE OR REPLACE FUNCTION zz_probe() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;\n');
  m = migrate();
  assert.equal(m.code, 0, m.out);
  assert.deepEqual(m.applied, ['repeatable/zz_test.sql']);
  // New functions are granted to the portal's role like every other.
  assert.equal(query(PORTAL_URL, 'SELECT zz_probe()').out, '1');

  unlinkSync(file);
  m = migrate();
  assert.equal(m.code, 0, m.out);
  assert.deepEqual(m.applied, []);
  assert.equal(ownerValue("SELECT count(*) FROM schema_repeatable WHERE name = 'zz_test.sql'"), '0');
});

test('the portal\'s role can neither read nor change the migrations\' records', () => {
  for (const q of ['SELECT * FROM schema_repeatable', 'SELECT * FROM schema_migrations',
    "UPDATE schema_repeatable SET sha256 = ''"]) {
    const r = query(PORTAL_URL, q);
    assert.notEqual(r.code, 0, q);
    assert.match(r.err, /permission denied/, q);
  }
});
