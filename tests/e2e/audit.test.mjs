// The audit trail against an insider: the portal's own database role
// (DRIVE_DATABASE_URL, what a compromised portal holds) cannot rewrite it
// at all, and what a superuser rewrites, `drivectl audit verify` finds,
// recomputing the chain in C and holding it against the anchor file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { Client, person, sql, sqlValue, unique, shell, ROOT } from '../lib/drive.mjs';

const PORTAL_URL = process.env.DRIVE_DATABASE_URL;
const ANCHOR = process.env.DRIVE_AUDIT_ANCHOR;

function drivectl(...args) {
  const r = spawnSync(`${ROOT}/build/drivectl`, args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
const verify = () => drivectl('audit', 'verify');
const anchor = () => drivectl('audit', 'anchor');

// Runs SQL as the portal's role; the exit code and what psql said.
function asPortal(query) {
  const r = spawnSync('psql', [PORTAL_URL, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c', query],
    { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// The whole log as one digest: any change to any row shows.
function fingerprint() {
  return sqlValue("SELECT count(*) || ':' || coalesce(md5(string_agg(a::text, '|' ORDER BY id)), '')"
    + ' FROM audit_log a');
}

function anchorLines() {
  return existsSync(ANCHOR) ? readFileSync(ANCHOR, 'utf8').split('\n').filter((l) => /^\d/.test(l)) : [];
}

// Tampers as the superuser, checks, and puts every row back as it was.
function tampered(attack, check) {
  const before = fingerprint();
  sql('DROP TABLE IF EXISTS audit_save; CREATE TABLE audit_save AS SELECT * FROM audit_log');
  try {
    sql(attack);
    check();
  } finally {
    sql(`ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log;
      INSERT INTO audit_log SELECT * FROM audit_save; ALTER TABLE audit_log ENABLE TRIGGER USER;
      DROP TABLE audit_save`);
  }
  assert.equal(fingerprint(), before);
  const v = verify();
  assert.equal(v.code, 0, v.out);
}

// Entries of every shape the portal writes: IPv4 and IPv6 addresses (also
// written the long way), no address, no actor, details with text in two
// scripts, a typed e-mail address with odd characters.
const admin = await person('admin');
for (const addr of ['2001:db8:0:0:0:0:0:5', '::ffff:192.0.2.7', '198.51.100.23']) {
  const c = new Client();
  c.address = addr;
  const r = await c.signIn(`Nobody-${unique()}+ü@Example.test`, 'wrong password here');
  assert.equal(r.status, 401, r.text);
}
// An area made and deleted again (the other suites expect the five).
const area = await admin.api('POST', '/api/v1/areas', { slug: unique('a').toLowerCase(), name_en: 'Zahlungsverkehr "Ä" ✓', name_de: 'Ödland <b>' });
assert.equal(area.status, 201, area.text);
assert.equal((await admin.api('DELETE', `/api/v1/areas/${area.json.id}`)).status, 200);
await person('client');
// What audit() may be handed besides: networks (inet with a mask), the
// unspecified address, no target, empty details.
for (const a of ["'10.1.2.3/8'", "'2001:db8::1/64'", "'::'", 'NULL']) {
  const r = spawnSync('psql', [PORTAL_URL, '-qAtX', '-v', 'ON_ERROR_STOP=1', '-c',
    `SELECT audit(NULL, 'test.address', NULL, ${a}, '{}')`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

test('the portal runs as a role that owns nothing and is no superuser', () => {
  const r = asPortal(`SELECT current_user, (SELECT rolsuper OR rolcreaterole OR rolcreatedb
      OR rolbypassrls FROM pg_roles WHERE rolname = current_user),
    (SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole),
    (SELECT count(*) FROM pg_proc WHERE proowner = current_user::regrole),
    (SELECT datdba = current_user::regrole FROM pg_database WHERE datname = current_database()),
    has_table_privilege('audit_log', 'SELECT'), has_table_privilege('audit_log', 'INSERT'),
    has_table_privilege('audit_log', 'UPDATE'), has_table_privilege('audit_log', 'DELETE'),
    has_table_privilege('audit_log', 'TRUNCATE'), has_table_privilege('audit_log', 'TRIGGER'),
    has_table_privilege('ideas', 'TRUNCATE'), has_schema_privilege('public', 'CREATE'),
    has_database_privilege(current_database(), 'TEMPORARY')`);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'drive|f|0|0|f|t|f|f|f|f|f|f|f|f');
  // The owner owns the schema and the audit function runs as the owner.
  assert.equal(sqlValue("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    + " AND relkind = 'r' AND relowner = 'drive_owner'::regrole AND relname = 'audit_log'"), '1');
  assert.equal(sqlValue("SELECT prosecdef AND proconfig::text LIKE '%search_path=%'"
    + " FROM pg_proc WHERE proname = 'audit'"), 't');
});

test('every attack of the portal role on the audit log is refused by PostgreSQL', () => {
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  assert.ok(ids.length >= 8, `only ${ids.length} entries`);
  const mid = ids[Math.floor(ids.length / 2)];
  const head = ids[ids.length - 1];
  const before = fingerprint();
  const attacks = {
    'disable the triggers': 'ALTER TABLE audit_log DISABLE TRIGGER USER',
    'disable one trigger': 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
    'replica mode skips triggers': "SET session_replication_role = replica; DELETE FROM audit_log WHERE id = " + head,
    'edit an entry': `UPDATE audit_log SET action = 'tampered' WHERE id = ${mid}`,
    'delete an entry': `DELETE FROM audit_log WHERE id = ${mid}`,
    're-chain': `UPDATE audit_log SET hash = audit_entry_hash(prev_hash, at, actor_id, 'x', target, address, details) WHERE id >= ${mid}`,
    'cut off the newest entries': `DELETE FROM audit_log WHERE id > ${mid}`,
    'truncate': 'TRUNCATE audit_log',
    'replace audit_entry_hash()': `CREATE OR REPLACE FUNCTION audit_entry_hash(prev bytea, at timestamptz, actor bigint,
      action text, target text, address inet, details jsonb) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT prev $$`,
    'replace audit()': `CREATE OR REPLACE FUNCTION audit(p_actor bigint, p_action text, p_target text,
      p_address inet, p_details jsonb DEFAULT '{}') RETURNS void LANGUAGE sql AS $$ SELECT $$`,
    'make audit() run as the caller': 'ALTER FUNCTION audit(bigint, text, text, inet, jsonb) SECURITY INVOKER',
    'alter the table': 'ALTER TABLE audit_log ADD COLUMN note text',
    'rename the table': 'ALTER TABLE audit_log RENAME TO audit_log_old',
    'drop a trigger': 'DROP TRIGGER audit_log_append_only ON audit_log',
    'drop the chain trigger': 'DROP TRIGGER audit_log_chain ON audit_log',
    'drop the table': 'DROP TABLE audit_log',
    'insert a forged entry': `INSERT INTO audit_log (actor_id, action, target, prev_hash, hash)
      VALUES (NULL, 'user.erase', 'user:1', '\\x', '\\x')`,
    'copy rows in': "COPY audit_log (action, prev_hash, hash) FROM PROGRAM 'echo x'",
    'shadow a table in pg_temp': 'CREATE TEMP TABLE audit_log (LIKE public.audit_log)',
    'create in the schema': 'CREATE TABLE public.audit_shadow (id bigint)',
    'take the schema over': 'ALTER SCHEMA public OWNER TO drive',
    'reset the id sequence': "SELECT setval('audit_log_id_seq', 1)",
  };
  for (const [what, stmt] of Object.entries(attacks)) {
    const r = asPortal(stmt);
    assert.notEqual(r.code, 0, `${what}: accepted`);
    assert.match(r.err, /permission denied|must be owner|must be superuser|not allowed/, `${what}: ${r.err}`);
  }
  // A grant without the grant option is only a warning; it grants nothing.
  asPortal('GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO drive');
  assert.equal(asPortal("SELECT has_table_privilege('audit_log', 'UPDATE')").out.trim(), 'f');
  assert.equal(fingerprint(), before, 'nothing changed');
  const v = verify();
  assert.equal(v.code, 0, v.out);
  assert.match(v.out, /chain intact/);
});

test('audit() is the one way in for the portal role: it appends, chained, with its own time', () => {
  const before = Number(sqlValue('SELECT max(id) FROM audit_log'));
  const r = asPortal(`SELECT audit(NULL, 'test.appended', 'x' || chr(31) || 'y', '192.0.2.1', '{"k": "v"}')`);
  assert.equal(r.code, 0, r.err);
  const row = sql(`SELECT id, action, target, prev_hash = (SELECT hash FROM audit_log WHERE id = ${before})
    FROM audit_log WHERE id > ${before}`);
  assert.equal(row.length, 1);
  assert.equal(row[0][1], 'test.appended');
  // The unit separator that joins the fields cannot be smuggled in.
  assert.equal(row[0][2], 'x\uFFFDy');
  assert.equal(row[0][3], 't');
  assert.equal(verify().code, 0);
});

test('drivectl audit anchor writes the head outside the database, and never over a broken chain', () => {
  let a = anchor();
  assert.equal(a.code, 0, a.out);
  const head = sqlValue('SELECT id FROM audit_log ORDER BY id DESC LIMIT 1');
  const hash = sqlValue(`SELECT encode(hash, 'hex') FROM audit_log WHERE id = ${head}`);
  const lines = anchorLines();
  assert.match(lines[lines.length - 1], new RegExp(`^${head} ${hash} \\d{4}-\\d\\d-\\d\\dT`));
  // Unchanged head: nothing added.
  assert.equal(anchor().code, 0);
  assert.equal(anchorLines().length, lines.length);
  // A new entry, tampered before it was anchored: refused, nothing added.
  asPortal("SELECT audit(NULL, 'test.unanchored', 'x', NULL)");
  const fresh = sqlValue('SELECT max(id) FROM audit_log');
  tampered(`ALTER TABLE audit_log DISABLE TRIGGER USER;
    UPDATE audit_log SET target = 'changed' WHERE id = ${fresh}; ALTER TABLE audit_log ENABLE TRIGGER USER`, () => {
    a = anchor();
    assert.equal(a.code, 1, a.out);
    assert.match(a.out, new RegExp(`entry ${fresh} is broken: its content was changed`));
    assert.equal(anchorLines().length, lines.length);
  });
  assert.equal(anchor().code, 0);
  assert.equal(anchorLines().length, lines.length + 1);
});

test('a superuser who edits an entry and re-chains every later one is found by the anchor', () => {
  assert.equal(anchor().code, 0);
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  const mid = ids[Math.floor(ids.length / 2)];
  const head = ids[ids.length - 1];
  tampered(`ALTER TABLE audit_log DISABLE TRIGGER USER;
    UPDATE audit_log SET action = 'nothing.happened' WHERE id = ${mid};
    DO $$ DECLARE r record; p bytea; BEGIN
      SELECT hash INTO p FROM audit_log WHERE id < ${mid} ORDER BY id DESC LIMIT 1;
      FOR r IN SELECT * FROM audit_log WHERE id >= ${mid} ORDER BY id LOOP
        p := audit_entry_hash(coalesce(p, '\\x'), r.at, r.actor_id, r.action, r.target, r.address, r.details);
        UPDATE audit_log SET prev_hash = coalesce((SELECT hash FROM audit_log WHERE id < r.id
          ORDER BY id DESC LIMIT 1), '\\x'), hash = p WHERE id = r.id;
      END LOOP; END $$;
    ALTER TABLE audit_log ENABLE TRIGGER USER`, () => {
    // The chain is consistent in itself: only the anchor tells.
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.doesNotMatch(v.out, /is broken/);
    assert.match(v.out, new RegExp(`entry ${head} does not match its anchor`));
    assert.match(v.out, /tampered/);
  });
});

test('a superuser who removes an entry and re-chains the rest is found by the anchor', () => {
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  const gone = ids[Math.floor(ids.length / 3)];
  const head = ids[ids.length - 1];
  tampered(`ALTER TABLE audit_log DISABLE TRIGGER USER;
    DELETE FROM audit_log WHERE id = ${gone};
    DO $$ DECLARE r record; p bytea; BEGIN
      FOR r IN SELECT * FROM audit_log WHERE id > ${gone} ORDER BY id LOOP
        SELECT hash INTO p FROM audit_log WHERE id < r.id ORDER BY id DESC LIMIT 1;
        UPDATE audit_log SET prev_hash = coalesce(p, '\\x'), hash = audit_entry_hash(coalesce(p, '\\x'),
          r.at, r.actor_id, r.action, r.target, r.address, r.details) WHERE id = r.id;
      END LOOP; END $$;
    ALTER TABLE audit_log ENABLE TRIGGER USER`, () => {
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, new RegExp(`entry ${head} does not match its anchor`));
  });
});

test('a superuser who cuts off the newest entries is found: the anchor names the missing one', () => {
  assert.equal(anchor().code, 0);
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  const head = ids[ids.length - 1];
  const keep = ids[ids.length - 4];
  tampered(`ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE id > ${keep};
    ALTER TABLE audit_log ENABLE TRIGGER USER`, () => {
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, new RegExp(`entry ${head} is missing: .* the log ends at entry ${keep}: entries were cut from the end`));
    // Nor is the cut anchored over.
    const n = anchorLines().length;
    assert.equal(anchor().code, 1);
    assert.equal(anchorLines().length, n);
  });
  // Cut and then written on: the anchored head is still missing.
  tampered(`ALTER TABLE audit_log DISABLE TRIGGER USER; DELETE FROM audit_log WHERE id > ${keep};
    ALTER TABLE audit_log ENABLE TRIGGER USER; SELECT setval('audit_log_id_seq', ${keep});
    SELECT audit(NULL, 'test.after_cut', 'x', NULL); SELECT audit(NULL, 'test.after_cut', 'y', NULL);
    SELECT audit(NULL, 'test.after_cut', 'z', NULL); SELECT audit(NULL, 'test.after_cut', 'w', NULL)`, () => {
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, new RegExp(`entry ${head} (does not match its anchor|is missing)`));
  });
  sql(`SELECT setval('audit_log_id_seq', ${head})`);
});

test('a superuser who replaces audit_entry_hash() cannot make a changed entry pass', () => {
  const saved = `${process.env.DRIVE_TEST_WORK}/audit_entry_hash.sql`;
  shell(`psql "$DRIVE_TEST_SUPER_URL" -qAtX -c "SELECT pg_get_functiondef('audit_entry_hash'::regproc) || ';'" >${saved}`);
  const ids = sql('SELECT id FROM audit_log ORDER BY id').map((r) => r[0]);
  const mid = ids[Math.floor(ids.length / 2)];
  // The replacement ignores the action, so that the stored hash "fits".
  try {
    tampered(`CREATE OR REPLACE FUNCTION audit_entry_hash(prev bytea, at timestamptz, actor bigint,
        action text, target text, address inet, details jsonb) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
        SELECT hash FROM audit_log WHERE prev_hash = prev LIMIT 1 $$;
      ALTER TABLE audit_log DISABLE TRIGGER USER;
      UPDATE audit_log SET action = 'nothing.happened' WHERE id = ${mid};
      ALTER TABLE audit_log ENABLE TRIGGER USER`, () => {
      assert.equal(sqlValue(`SELECT hash = audit_entry_hash(prev_hash, at, actor_id, action, target,
        address, details) FROM audit_log WHERE id = ${mid}`), 't', 'the database now vouches for it');
      const v = verify();
      assert.equal(v.code, 1, v.out);
      assert.match(v.out, new RegExp(`entry ${mid} is broken: its content was changed`));
    });
  } finally {
    shell(`psql "$DRIVE_TEST_OWNER_URL" -qX -v ON_ERROR_STOP=1 -f ${saved}`);
  }
  assert.equal(verify().code, 0);
});

test('an entry with the separator inside a field (fields could shift) is named', () => {
  // Written through the chain trigger, so its hashes are what the
  // database computes; the serialisation would be ambiguous.
  tampered(`INSERT INTO audit_log (action, target, prev_hash, hash)
    VALUES ('test.shift', 'a' || chr(31) || 'b', '', '')`, () => {
    const id = sqlValue('SELECT max(id) FROM audit_log');
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, new RegExp(`entry ${id} is broken: its time or text cannot be what the portal wrote`));
  });
});

test('a malformed anchor file is an error, not a pass', () => {
  const saved = readFileSync(ANCHOR, 'utf8');
  try {
    writeFileSync(ANCHOR, saved + '12 not-a-hash 2026-01-01T00:00:00Z\n');
    const v = verify();
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /not an anchor/);
  } finally {
    writeFileSync(ANCHOR, saved);
  }
  assert.equal(verify().code, 0);
});

test('a cluster of an earlier run, where drive owned everything, is handed over to drive_owner', () => {
  // A cluster of its own, set up as before the roles were split: drive
  // owns the database and migrates 001-005 (and the functions of
  // sql/repeatable/) itself.
  const dir = `${process.env.DRIVE_TEST_WORK}/legacy`;
  const out = shell(`set -euo pipefail
    source conf/local.sh
    d="${dir}"; port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    trap 'pg_down "$d/pg"' EXIT
    mkdir -p "$d/sql"; cp sql/00[1-5]_*.sql "$d/sql/"; cp -r sql/repeatable "$d/sql/"
    pg_up "$d/pg" "$port" 2>/dev/null
    as_pg "$PG_BIN/psql" -h "$d/pg" -p "$port" -U postgres -qX -d postgres \\
      -c "DROP DATABASE drive" -c "CREATE DATABASE drive OWNER drive"
    as_pg "$PG_BIN/psql" -h "$d/pg" -p "$port" -U postgres -qX -d drive \\
      -c "CREATE EXTENSION pg_trgm"
    url="$(pg_url "$d/pg" "$port")"
    DRIVE_DATABASE_URL="$url" DRIVE_OWNER_URL="$url" build/drivectl migrate --sql "$d/sql" >/dev/null 2>&1
    DRIVE_DATABASE_URL="$url" build/drivectl invite --email old@example.test --role pm >/dev/null
    echo "before: $(psql "$url" -qAtX -c "SELECT count(*) FROM pg_class WHERE relowner = 'drive'::regrole")"
    pg_up "$d/pg" "$port" 2>/dev/null
    DRIVE_DATABASE_URL="$url" DRIVE_OWNER_URL="$(pg_url "$d/pg" "$port" drive_owner)" \\
      DRIVE_AUDIT_ANCHOR="$d/anchor" build/drivectl migrate >/dev/null
    echo "after: $(psql "$url" -qAtX -c "SELECT count(*) FROM pg_class WHERE relowner = 'drive'::regrole")"
    echo "dba: $(psql "$url" -qAtX -c "SELECT datdba::regrole FROM pg_database WHERE datname = 'drive'")"
    psql "$url" -qAtX -c "UPDATE audit_log SET action = 'x'" 2>&1 | grep -o 'permission denied' || true
    DRIVE_DATABASE_URL="$url" build/drivectl invite --email new@example.test --role pm | grep -c /invite/
    DRIVE_DATABASE_URL="$url" DRIVE_AUDIT_ANCHOR="$d/anchor" build/drivectl audit verify
  `);
  assert.match(out, /^before: [1-9]\d*$/m);
  assert.match(out, /^after: 0$/m);
  assert.match(out, /^dba: drive_owner$/m);
  assert.match(out, /^permission denied$/m);
  assert.match(out, /^1$/m);
  assert.match(out, /audit: 2 entries, chain intact/);
});
