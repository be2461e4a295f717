-- Drive benchmark data: a large, realistic portal made with set-based SQL.
--
--   psql -v ON_ERROR_STOP=1 -v scale=1 -v pwhash='$argon2id$...' \
--        -f tests/bench/data.sql          (as a superuser, on a migrated,
--                                           empty database)
--
-- Variables (psql -v), each with a default:
--   scale     1       multiplies everything below
--   ideas     50000 * scale
--   votes     20 * ideas      (1,000,000 at scale 1)
--   comments  2 * ideas       (100,000 at scale 1)
--   comment_full  ideas       ideas of Zipf rank above this get ...
--   comment_tail  1           ... this share of their comments (to make
--                             a very large data set cheaper to load)
--   orgs      200 * scale
--   people    5000 * scale
--   seed      0.4242          (setseed: the same data every time)
--   pwhash    required: an Argon2id encoded hash every person gets
--
-- The shape of the data:
--   * ideas 1..N, oldest first, over the last three years, in the five
--     areas of the migration; titles and Markdown bodies (paragraphs, a
--     heading now and then, lists, emphasis, code, links) from a banking
--     vocabulary, so that full-text search has common and rare words;
--   * statuses: an idea is released, declined or a duplicate when
--     (19 * id) % 100 < 23 (10 %, 10 %, 3 %), open otherwise (new,
--     under_review, planned, in_progress; the newest 3 % are all new).
--     The benchmark picks open ideas with the same arithmetic;
--   * votes with a long tail: idea id has Zipf rank
--     ((id - 1) * 104729) % N + 1 and rank r gets min(people, C / r)
--     votes, C chosen so that the total is :votes: a few ideas with
--     thousands, the median with a handful.  Duplicates have none (their
--     votes were moved by the merge).  A vote's time is uniform over the
--     idea's life, so that "trending" (last 14 days) favours young ideas;
--   * comments in proportion to votes^0.75 (at most 150 per idea), some
--     hidden by the bank; a notification to the idea's author for each;
--   * status histories (responses) leading to each idea's status;
--   * one session for every person: bench.sessions keeps the raw token
--     (hex) and the CSRF token that the load generator sends.
--
-- vote_count, comment_count, organization_count and
-- idea_organization_votes are computed from the rows inserted.  For
-- speed the load runs with session_replication_role = replica (no
-- foreign-key triggers: the rows are consistent by construction, and
-- tests/bench/check.sql verifies the counts afterwards) and drops the
-- secondary indexes of the big tables, rebuilding them from their own
-- definitions at the end.  One transaction; VACUUM ANALYZE afterwards.

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;

\if :{?scale}
\else
\set scale 1
\endif
\if :{?seed}
\else
\set seed 0.4242
\endif
\if :{?ideas}
\else
SELECT 50000 * (:scale)::int AS ideas \gset
\endif
\if :{?votes}
\else
SELECT 20 * (:ideas)::bigint AS votes \gset
\endif
\if :{?comments}
\else
SELECT 2 * (:ideas)::bigint AS comments \gset
\endif
\if :{?comment_full}
\else
\set comment_full :ideas
\endif
\if :{?comment_tail}
\else
\set comment_tail 1
\endif
\if :{?orgs}
\else
SELECT 200 * (:scale)::int AS orgs \gset
\endif
\if :{?people}
\else
SELECT 5000 * (:scale)::int AS people \gset
\endif
\if :{?pwhash}
\else
\echo 'data.sql: -v pwhash=<an Argon2id encoded hash> is required'
SELECT 1 / 0 AS pwhash_missing;
\endif

BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL work_mem = '256MB';
SET LOCAL maintenance_work_mem = '512MB';
SET LOCAL max_parallel_maintenance_workers = 2;
SET LOCAL synchronous_commit = off;

CREATE TEMP TABLE p ON COMMIT DROP AS SELECT
	(:ideas)::int AS ideas, (:votes)::bigint AS votes,
	(:comments)::bigint AS comments, (:orgs)::int AS orgs,
	(:people)::int AS people, 104729::bigint AS perm,
	greatest(5, (:people)::int / 100) AS npm,
	greatest(2, (:people)::int / 500) AS nadmin,
	0::float8 AS c, 0::float8 AS k;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM ideas) OR EXISTS (SELECT 1 FROM users) THEN
		RAISE EXCEPTION 'data.sql loads into an empty, migrated database only';
	END IF;
	IF (SELECT ideas % 100 <> 0 OR ideas < 1000 OR gcd(perm, ideas) <> 1
	    FROM p) THEN
		RAISE EXCEPTION 'ideas must be a multiple of 100, at least 1000, and prime to 104729';
	END IF;
END
$$;
SELECT setseed(:seed) AS seeded \gset

-- The secondary indexes of the big tables: dropped now, rebuilt at the end
-- from their own definitions (whatever the migrations made them).
CREATE TEMP TABLE bench_idx ON COMMIT DROP AS
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
  AND t.relname IN ('ideas', 'votes', 'comments', 'responses',
      'notifications', 'idea_organization_votes', 'idea_search')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid);
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT name FROM bench_idx LOOP
		EXECUTE format('DROP INDEX public.%I', r.name);
	END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Words
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE txt ON COMMIT DROP AS SELECT
ARRAY['Anna','Ben','Clara','David','Eva','Felix','Greta','Hannah','Jonas',
 'Julia','Karl','Lena','Lukas','Marie','Max','Mia','Nina','Oskar','Paul',
 'Sophie','Tim','Ulrike','Vera','Wolfgang','Yusuf','Zoe','Ahmet','Birgit',
 'Carlos','Dorothea','Emil','Fatma','Georg','Helga','Ingrid','Jan','Katrin',
 'Leon','Marta','Nils','Olga','Peter','Rosa','Stefan','Tanja','Uwe']
	AS first_names,
ARRAY['A','B','C','D','E','F','G','H','K','L','M','N','O','P','R','S','T',
 'W','Z'] AS initials,
ARRAY['Hanseatic','Nordlicht','Alpen','Rhein','Elbe','Bavaria','Isar','Main',
 'Weser','Spree','Neckar','Mosel','Ostsee','Harz','Taunus','Eifel','Allgäu',
 'Saale','Havel','Donau','Lech','Ruhr','Lausitz','Sauerland','Breisgau']
	AS org_a,
ARRAY['Logistics','Handel','Pharma','Maschinenbau','Energie','Textil',
 'Chemie','Automotive','Foods','Retail','Medizintechnik','Software','Bau',
 'Papier','Metall','Agrar','Touristik','Versand','Elektro','Kunststoff']
	AS org_b,
ARRAY['GmbH','AG','SE','KG','GmbH & Co. KG','Holding','Gruppe','eG']
	AS org_c,
ARRAY['Add','Allow','Support','Show','Export','Automate','Simplify',
 'Improve','Offer','Schedule','Filter','Bulk-approve','Reconcile',
 'Speed up','Notify us about','Let us download','Let us configure',
 'Streamline','Group','Preview'] AS verbs,
ARRAY['in the portal','via the API','per legal entity','for all accounts',
 'in real time','as PDF','as CSV','on mobile','with four-eyes approval',
 'across currencies','before the cut-off','per subsidiary','in German',
 'for the treasury team','with a single click','by e-mail','in bulk',
 'with webhooks'] AS quals,
ARRAY[
 'Today we handle {s} manually, which takes our treasury team several hours every week.',
 'Most of our subsidiaries rely on {s}, and the current process does not scale.',
 'Our auditors asked for a complete trail of {s}, and we assemble it by hand.',
 'Other banks we work with already offer this for {s}.',
 'We process around 3,000 transactions a month and {s} is the bottleneck.',
 'When a colleague is on leave, nobody else can take over {s}.',
 'The current screen for {s} needs too many clicks and times out on large files.',
 'We would like to integrate {s} directly with our ERP system.',
 'This matters most at month end, when {s} has to be finished before the cut-off.',
 'A clear status for {s} would save us many calls to the service desk.',
 'Our compliance department needs {s} documented for each legal entity.',
 'We tried to work around it with spreadsheets, but errors in {s} crept in.',
 'Since the migration to ISO 20022, {s} no longer matches our bookkeeping.',
 'Several clients in our group have asked for the same improvement to {s}.',
 'It would reduce our operational risk considerably.',
 'We are happy to test an early version with our team.',
 'The same applies to our branches in Austria and Switzerland.',
 'Ideally the change would respect the existing approval limits.',
 'Please keep the current behaviour available for those who prefer it.',
 'Our reconciliation runs overnight, so a morning report would be ideal.']
	AS sentences,
ARRAY['a daily summary by e-mail','filters by currency and value date',
 'an export to our ERP in CSV','a history of who approved what',
 'limits per user and per account','notifications for rejected items',
 'a search by reference or amount','templates for recurring transfers',
 'access for our external auditors','a clear error message instead of a code',
 'bulk actions for more than 100 items','a preview before submitting',
 'support for SEPA instant payments','the IBAN of the counterparty',
 'a printable confirmation','a German and an English version',
 'time zones of our subsidiaries','an audit log we can download',
 'role-based access for approvers','webhooks for status changes']
	AS bullets,
ARRAY['Thanks for considering this!','Happy to share more details.',
 'See also **our earlier request** on this topic.',
 'The format is described in the `camt.053` specification.',
 'Details: [our process description](https://example.com/process).',
 '*This would help the whole group.*','Looking forward to your answer.',
 'Any timeline would help our planning.']
	AS closers,
ARRAY['+1, we need this too.','Same here: {s} costs us hours every month.',
 'We would use this daily.','Is there any update on this?',
 'This would also help our auditors.',
 'Please make sure it works via the API as well.',
 'We built a workaround with a macro, but it breaks with every release.',
 'Important for us before the year-end closing.',
 'Could this also cover **all legal entities** at once?',
 'Our ERP vendor confirmed they could consume this format.',
 'Agree. A CSV export would already be a good first step.',
 'Would this include the historical data as well?',
 'We had the same issue last quarter.',
 E'- daily\n- per account\n- with value date',
 'Thanks for picking this up!','Any news on the timeline?']
	AS comment_s,
ARRAY['Thank you for the idea. We are looking into {s} with our product team.',
 'We have put this on our roadmap for the next quarter.',
 'Development has started; we will share a preview with the voters.',
 'This is now available for all clients. See the release notes.',
 'After careful review we will not pursue this: regulatory constraints apply.',
 'We discussed this with several clients and will start with the **API** part.',
 'A first version is in testing with two pilot clients.']
	AS response_s;

CREATE TEMP TABLE subj (area int, k int, s text) ON COMMIT DROP;
INSERT INTO subj
SELECT a.id, x.k, x.s
FROM areas a
JOIN (VALUES
 ('cash-management', ARRAY['payment files','MT940 statements',
  'camt.053 statements','virtual accounts','cash pooling',
  'liquidity forecasts','SEPA instant payments','direct debits',
  'payment approvals','account balances','intraday statements',
  'beneficiary lists']),
 ('trade-finance', ARRAY['letters of credit','bank guarantees',
  'documentary collections','guarantee amendments','export finance',
  'trade documents','supplier finance','import collections',
  'guarantee expiry dates']),
 ('securities-services', ARRAY['custody reports','corporate actions',
  'settlement instructions','proxy voting','tax vouchers',
  'portfolio valuations','income payments','securities lending reports',
  'fund orders']),
 ('fx', ARRAY['FX forwards','FX swaps','spot rates','FX confirmations',
  'currency exposure reports','limit orders','netting of FX trades',
  'margin calls']),
 ('channels-apis', ARRAY['API keys','webhooks','user roles',
  'approval workflows','audit logs','single sign-on','mobile tokens',
  'EBICS access','API rate limits','sandbox accounts','status callbacks'])
) AS v(slug, subjects) ON v.slug = a.slug
CROSS JOIN LATERAL unnest(v.subjects) WITH ORDINALITY AS x(s, k);
-- An area the migrations add later still gets words.
INSERT INTO subj
SELECT a.id, x.k, x.s FROM areas a
CROSS JOIN LATERAL unnest(ARRAY['reports','notifications','exports'])
	WITH ORDINALITY AS x(s, k)
WHERE NOT EXISTS (SELECT 1 FROM subj WHERE subj.area = a.id);
CREATE TEMP TABLE nsubj ON COMMIT DROP AS
SELECT area, count(*)::int AS n FROM subj GROUP BY area;
CREATE TEMP TABLE area_pick ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY position, id) - 1 AS i, id
FROM areas WHERE retired_at IS NULL;

-- ---------------------------------------------------------------------------
-- Organisations and people
-- ---------------------------------------------------------------------------

INSERT INTO organizations (id, name, created_at)
SELECT g, format('%s %s %s',
	t.org_a[1 + g % cardinality(t.org_a)],
	t.org_b[1 + (g / cardinality(t.org_a)) % cardinality(t.org_b)],
	t.org_c[1 + (g / (cardinality(t.org_a) * cardinality(t.org_b)))
	    % cardinality(t.org_c)]),
	now() - interval '4 years' + interval '1 day' * (g % 700)
FROM p, txt t, generate_series(1, p.orgs) g;

-- 1 % product managers, 0.2 % admins, the rest clients; organisations of
-- very different sizes.
INSERT INTO users (id, email, display_name, role, organization_id,
    password_hash, lang, created_at, last_sign_in_at)
SELECT g, 'user' || g || '@bench.test',
	t.first_names[1 + (g * 7) % cardinality(t.first_names)] || ' ' ||
	t.initials[1 + (g * 13) % cardinality(t.initials)] || '.',
	CASE WHEN g <= p.npm THEN 'pm' WHEN g <= p.npm + p.nadmin THEN 'admin'
	    ELSE 'client' END,
	CASE WHEN g > p.npm + p.nadmin
	    THEN 1 + floor(p.orgs * random() ^ 2)::int END,
	:'pwhash',
	CASE WHEN g % 5 = 0 THEN 'de' WHEN g % 7 = 0 THEN 'en' END,
	now() - interval '3 years' * random(),
	now() - interval '30 days' * random()
FROM p, txt t, generate_series(1, p.people) g;

-- ---------------------------------------------------------------------------
-- The plan: one row per idea with everything that is counted
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE plan ON COMMIT DROP AS
SELECT g AS id,
	((g - 1)::bigint * p.perm) % p.ideas + 1 AS rank,
	(19 * g) % 100 AS h,
	CASE WHEN (19 * g) % 100 < 10 THEN 'released'
	     WHEN (19 * g) % 100 < 20 THEN 'declined'
	     WHEN (19 * g) % 100 < 23 THEN 'duplicate'
	     WHEN g > p.ideas * 0.97 THEN 'new'
	     WHEN (19 * g) % 100 < 60 THEN 'new'
	     WHEN (19 * g) % 100 < 80 THEN 'under_review'
	     WHEN (19 * g) % 100 < 92 THEN 'planned'
	     ELSE 'in_progress' END AS status,
	now() - interval '3 years' * (1 - (g - 0.5) / p.ideas)
	    - interval '20 seconds' * random() AS created_at,
	-- authors: mostly clients, now and then a product manager
	CASE WHEN random() < 0.05 THEN 1 + floor(random() * p.npm)::int
	     ELSE p.npm + p.nadmin + 1 +
		floor(random() * (p.people - p.npm - p.nadmin))::int END
	    AS author_id,
	(SELECT id FROM area_pick WHERE i = (CASE
	     WHEN r < 0.30 THEN 0 WHEN r < 0.50 THEN 1 WHEN r < 0.65 THEN 2
	     WHEN r < 0.80 THEN 3 ELSE 4 END) % (SELECT count(*) FROM area_pick))
	    AS area_id,
	floor(random() * p.people)::bigint AS vstart,
	(ARRAY[7,11,13,17,19,23,29,31,37,41,43,47,53,59,61,67])[1 + g % 16]
	    AS stride,
	0 AS n_votes, 0 AS n_comments
FROM p, generate_series(1, p.ideas) g,
	LATERAL (SELECT random() + 0 * g AS r) rr;
UPDATE plan SET stride = 1
WHERE gcd(stride, (SELECT people FROM p)) <> 1;

-- C such that sum(min(people, floor(C / rank))) over the ideas that keep
-- their votes is :votes.
DO $$
DECLARE
	lo float8 := 1;
	hi float8 := 1e12;
	mid float8;
	s numeric;
	tgt bigint;
	ppl int;
BEGIN
	SELECT votes, people INTO tgt, ppl FROM p;
	FOR i IN 1..48 LOOP
		mid := sqrt(lo * hi);
		SELECT sum(least(ppl, floor(mid / rank))) INTO s FROM plan
		WHERE status <> 'duplicate';
		IF s < tgt THEN lo := mid; ELSE hi := mid; END IF;
	END LOOP;
	UPDATE p SET c = hi;
END
$$;
UPDATE plan SET n_votes = CASE WHEN status = 'duplicate' THEN 0
	ELSE least((SELECT people FROM p), floor((SELECT c FROM p) / rank))::int
	END;

-- Comments in proportion to votes^0.75, at most 150 on one idea (so an
-- idea with v votes has the same comments at any size: the factor comes
-- out at about 0.29 whatever the number of ideas).
UPDATE p SET k = p.comments / (SELECT sum((n_votes + 1) ^ 0.75) FROM plan);
UPDATE plan SET n_comments = least(150,
	floor((SELECT k FROM p) * (n_votes + 1) ^ 0.75 *
	CASE WHEN rank > (:comment_full)::int THEN (:comment_tail)::float8
	ELSE 1 END + random()))::int;

-- ---------------------------------------------------------------------------
-- Votes and the organisations behind them
-- ---------------------------------------------------------------------------

INSERT INTO votes (idea_id, user_id, created_at)
SELECT pl.id, (pl.vstart + j * pl.stride) % p.people + 1,
	pl.created_at + (now() - pl.created_at) * random()
FROM p, plan pl CROSS JOIN LATERAL generate_series(0, pl.n_votes - 1) j
WHERE pl.n_votes > 0;

INSERT INTO idea_organization_votes (idea_id, organization_id, votes)
SELECT v.idea_id, u.organization_id, count(*)
FROM votes v JOIN users u ON u.id = v.user_id
WHERE u.organization_id IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2;		-- in key order: twice as fast into the primary key

-- Trending: the votes younger than the clock (sql/005_speed.sql).
UPDATE trending_clock SET aged_to = now() - interval '14 days';
CREATE TEMP TABLE recentc ON COMMIT DROP AS
SELECT idea_id, count(*)::int AS n FROM votes
WHERE created_at > now() - interval '14 days' GROUP BY 1;
CREATE UNIQUE INDEX ON recentc (idea_id);

CREATE TEMP TABLE orgc ON COMMIT DROP AS
SELECT idea_id, count(*)::int AS n FROM idea_organization_votes GROUP BY 1;
CREATE UNIQUE INDEX ON orgc (idea_id);

-- ---------------------------------------------------------------------------
-- Ideas
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE chain (final text, step int, steps int, from_s text,
    to_s text) ON COMMIT DROP;
INSERT INTO chain VALUES
	('under_review', 1, 1, 'new', 'under_review'),
	('planned', 1, 2, 'new', 'under_review'),
	('planned', 2, 2, 'under_review', 'planned'),
	('in_progress', 1, 3, 'new', 'under_review'),
	('in_progress', 2, 3, 'under_review', 'planned'),
	('in_progress', 3, 3, 'planned', 'in_progress'),
	('released', 1, 4, 'new', 'under_review'),
	('released', 2, 4, 'under_review', 'planned'),
	('released', 3, 4, 'planned', 'in_progress'),
	('released', 4, 4, 'in_progress', 'released'),
	('declined', 1, 2, 'new', 'under_review'),
	('declined', 2, 2, 'under_review', 'declined'),
	('duplicate', 1, 1, 'new', 'duplicate');

INSERT INTO ideas (id, author_id, area_id, title, body, status, vote_count,
    comment_count, organization_count, first_response_at, duplicate_of,
    created_at, updated_at, recent_vote_count)
SELECT pl.id, pl.author_id, pl.area_id,
	t.verbs[1 + (pl.id * 7 + x.a) % cardinality(t.verbs)] || ' ' || s.s ||
	    CASE WHEN x.b % 3 <> 0 THEN ' ' ||
	    t.quals[1 + x.b % cardinality(t.quals)] ELSE '' END,
	replace(
	    t.sentences[1 + x.a % cardinality(t.sentences)] || ' ' ||
	    t.sentences[1 + x.b % cardinality(t.sentences)] || E'\n\n' ||
	    CASE WHEN x.c % 3 = 0 THEN E'## Why it matters\n\n' ELSE '' END ||
	    t.sentences[1 + x.c % cardinality(t.sentences)] || ' ' ||
	    t.sentences[1 + (x.a + x.c) % cardinality(t.sentences)] ||
	    E'\n\nWhat we need:\n\n- ' ||
	    t.bullets[1 + x.b % cardinality(t.bullets)] || E'\n- ' ||
	    t.bullets[1 + x.c % cardinality(t.bullets)] ||
	    CASE WHEN x.a % 2 = 0 THEN E'\n- ' ||
	    t.bullets[1 + (x.a + x.b) % cardinality(t.bullets)] ELSE '' END ||
	    E'\n\n' || t.closers[1 + x.a % cardinality(t.closers)],
	    '{s}', s.s),
	pl.status, pl.n_votes, pl.n_comments, coalesce(oc.n, 0),
	CASE WHEN pl.status <> 'new'
	    THEN pl.created_at + (now() - pl.created_at) * 0.15 END,
	CASE WHEN pl.status = 'duplicate' THEN pl.id - 1 END,
	pl.created_at,
	CASE WHEN pl.status <> 'new' THEN pl.created_at +
	    (now() - pl.created_at) * 0.85 ELSE pl.created_at END,
	coalesce(rc.n, 0)
FROM plan pl
CROSS JOIN txt t
CROSS JOIN LATERAL (SELECT floor(random() * 1000000)::int + 0 * pl.id AS a,
	floor(random() * 1000000)::int AS b,
	floor(random() * 1000000)::int AS c) x
JOIN nsubj ns ON ns.area = pl.area_id
JOIN subj s ON s.area = pl.area_id AND s.k = 1 + (x.a + pl.id) % ns.n
LEFT JOIN orgc oc ON oc.idea_id = pl.id
LEFT JOIN recentc rc ON rc.idea_id = pl.id;

-- The words searched (the trigger that keeps them is off during the load).
INSERT INTO idea_search (idea_id, title, words)
SELECT id, title, idea_words(title, body) FROM ideas ORDER BY id;

-- ---------------------------------------------------------------------------
-- Status histories, comments, notifications
-- ---------------------------------------------------------------------------

INSERT INTO responses (idea_id, author_id, kind, from_status, to_status,
    body, created_at)
SELECT pl.id, 1 + pl.id % p.npm,
	CASE WHEN c.to_s = 'duplicate' THEN 'merge' ELSE 'response' END,
	c.from_s, c.to_s,
	CASE WHEN c.to_s = 'duplicate' THEN '' ELSE replace(
	    t.response_s[1 + (pl.id + c.step) % cardinality(t.response_s)],
	    '{s}', 'this') END,
	pl.created_at + (now() - pl.created_at) *
	    (0.15 + 0.7 * (c.step - 1)::float8 / greatest(1, c.steps - 1))
FROM p, txt t, plan pl JOIN chain c ON c.final = pl.status
ORDER BY pl.id, c.step;

INSERT INTO comments (idea_id, author_id, body, created_at, updated_at,
    hidden_at, hidden_by)
SELECT pl.id, 1 + floor(random() * p.people)::int,
	replace(t.comment_s[1 + floor(random() * cardinality(t.comment_s))::int],
	    '{s}', 'this') ||
	CASE WHEN random() < 0.4 THEN ' ' ||
	    replace(t.sentences[1 + floor(random() *
	    cardinality(t.sentences))::int], '{s}', 'the process')
	ELSE '' END,
	ct, ct, hid, CASE WHEN hid IS NOT NULL THEN 1 + pl.id % p.npm END
FROM p, txt t, plan pl
CROSS JOIN LATERAL generate_series(1, pl.n_comments) j
CROSS JOIN LATERAL (SELECT pl.created_at + (now() - pl.created_at) *
	(j::float8 / (pl.n_comments + 1)) AS ct) c
CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.005
	THEN c.ct + interval '2 hours' END AS hid) hh
WHERE pl.n_comments > 0
ORDER BY pl.id, j;

INSERT INTO notifications (user_id, kind, idea_id, comment_id, actor_id,
    created_at, read_at)
SELECT i.author_id, 'comment', i.id, c.id, c.author_id, c.created_at,
	CASE WHEN c.created_at < now() - interval '7 days'
	    THEN c.created_at + interval '1 day' END
FROM comments c JOIN ideas i ON i.id = c.idea_id
WHERE c.author_id <> i.author_id;

-- ---------------------------------------------------------------------------
-- Sessions: one for every person
-- ---------------------------------------------------------------------------

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.sessions (
	user_id	bigint PRIMARY KEY,
	token	text NOT NULL,		-- the cookie: 32 random bytes, hex
	csrf	text NOT NULL
);
INSERT INTO bench.sessions
SELECT id,
	replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
	replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
FROM users;
-- Staff sessions passed their second factor (a pm or admin without one
-- may only set one up: the votes would answer 403).
INSERT INTO sessions (token_hash, user_id, csrf_token, address, user_agent,
	second_factor)
SELECT sha256(decode(b.token, 'hex')), b.user_id, b.csrf, '127.0.0.1',
	'drive-bench', CASE WHEN u.role <> 'client' THEN 'totp' END
FROM bench.sessions b JOIN users u ON u.id = b.user_id;

CREATE TABLE bench.meta AS
SELECT ideas, votes AS votes_target, comments AS comments_target, orgs,
	people, perm, npm, nadmin, c AS zipf_c
FROM p;

-- ---------------------------------------------------------------------------
-- Sequences, indexes
-- ---------------------------------------------------------------------------

SELECT setval(pg_get_serial_sequence('organizations', 'id'),
	(SELECT max(id) FROM organizations)) AS s1,
	setval(pg_get_serial_sequence('users', 'id'),
	(SELECT max(id) FROM users)) AS s2,
	setval(pg_get_serial_sequence('ideas', 'id'),
	(SELECT max(id) FROM ideas)) AS s3 \gset

DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT def FROM bench_idx LOOP
		EXECUTE r.def;
	END LOOP;
END
$$;

COMMIT;

VACUUM (ANALYZE) organizations, users, ideas, votes,
	idea_organization_votes, comments, responses, notifications, sessions;
