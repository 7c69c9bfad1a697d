# The update from 0.1.0, as a package upgrade does it: 0.1.0 built from its
# tag and installed into a private copy of this PostgreSQL, a database made
# with it (user_id converted, many ids of every kind, indexes on it in two
# schemas and in partitions, ingested events, merge state, heartbeats and
# statuses), then the 0.2.0 library and scripts put in its place and the
# server restarted.  Before ALTER EXTENSION ... UPDATE the new library must
# serve the type (its order as 0.1.0's, so that 0.1.0's indexes stay valid)
# and refuse the rest cleanly (55000, never "could not
# find function"), and the worker must idle with one LOG line.  After it,
# the extension's catalog must equal a fresh 0.2.0 install's, the data must
# be intact, every index over swisper.external_id must pass amcheck in the
# new order, and ingestion must continue from 0.1.0's merge state.
#
# 0.1.0's sources: $SWISPER_OLD_SOURCE (a tar archive or a directory, which
# scripts/test.sh makes with git archive v0.1.0), else git archive in this
# tree; without either the test fails and says why.
use strict;
use warnings;

use File::Basename qw(dirname);
use File::Copy qw(copy move);
use File::Path qw(make_path);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $prod    = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';
my $staging = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';
my $tmp     = PostgreSQL::Test::Utils::tempdir;

sub pg_config_value
{
	my ($pg_config, $opt) = @_;
	my $v = `$pg_config $opt`;
	die "$pg_config $opt failed" if $? != 0;
	chomp $v;
	return $v;
}

sub run_or_die
{
	my @cmd = @_;
	system(@cmd) == 0 or die "command failed ($?): @cmd";
}

# ---------------------------------------------------------------------------
# 0.1.0's sources.
# ---------------------------------------------------------------------------
my $old_src = "$tmp/swisper_ext-0.1.0";
if ($ENV{SWISPER_OLD_SOURCE} && -d $ENV{SWISPER_OLD_SOURCE})
{
	run_or_die('cp', '-a', $ENV{SWISPER_OLD_SOURCE}, $old_src);
}
elsif ($ENV{SWISPER_OLD_SOURCE} && -f $ENV{SWISPER_OLD_SOURCE})
{
	make_path($old_src);
	run_or_die('tar', '-C', $old_src, '-xf', $ENV{SWISPER_OLD_SOURCE});
}
elsif (system("git rev-parse --git-dir >/dev/null 2>&1") == 0)
{
	make_path($old_src);
	system("git archive v0.1.0 | tar -C '$old_src' -xf -") == 0
	  or system("git archive 4632ac3b72c8e6a0eafb8f6fe746fc1fa0a845fc | tar -C '$old_src' -xf -") == 0
	  or die('cannot find swisper_ext 0.1.0: this repository has neither the tag v0.1.0 nor the commit 4632ac3b72c8e6a0eafb8f6fe746fc1fa0a845fc');
}
else
{
	die('cannot find swisper_ext 0.1.0: SWISPER_OLD_SOURCE is not set (scripts/test.sh sets it to "git archive v0.1.0") and this tree is not a git repository');
}
like(slurp_file("$old_src/swisper_ext.control"), qr/default_version = '0\.1\.0'/, '0.1.0 sources found');

# ---------------------------------------------------------------------------
# A private copy of this PostgreSQL (bin, lib, share at the same relative
# places, so that its postgres finds them), with 0.1.0 installed into it.
# ---------------------------------------------------------------------------
my $bindir    = pg_config_value('pg_config', '--bindir');
my $pkglibdir = pg_config_value('pg_config', '--pkglibdir');
my $sharedir  = pg_config_value('pg_config', '--sharedir');
my $root      = "$tmp/pgroot";
foreach my $dir ($bindir, $pkglibdir, $sharedir)
{
	next if -d "$root$dir";
	make_path(dirname("$root$dir"));
	run_or_die('cp', '-a', $dir, "$root$dir");
}
my $install_path = dirname("$root$bindir");
-x "$install_path/bin/postgres" or die "no postgres in $install_path/bin";

# Building needs the server headers, which a private copy (bin, lib, share
# only) may lack: take the first pg_config that has them.
my ($build_pg_config) = grep {
	my $inc = `$_ --includedir-server 2>/dev/null`;
	chomp $inc;
	$? == 0 && -f "$inc/postgres.h"
} ('pg_config', '/usr/lib/postgresql/15/bin/pg_config');
defined $build_pg_config or die('no pg_config with server headers to build 0.1.0');
my $stage = "$tmp/stage-0.1.0";
run_or_die("make -s -C '$old_src' PG_CONFIG=$build_pg_config >'$tmp/build-0.1.0.log' 2>&1");
run_or_die("make -s -C '$old_src' PG_CONFIG=$build_pg_config install DESTDIR='$stage' >>'$tmp/build-0.1.0.log' 2>&1");
my $stage_lib   = $stage . pg_config_value($build_pg_config, '--pkglibdir');
my $stage_share = $stage . pg_config_value($build_pg_config, '--sharedir') . '/extension';

# Files of the extension in an installation, as its package ships them:
# the library, the control file, the install script of the control file's
# default_version and the update scripts.
sub extension_files
{
	my ($lib, $share) = @_;
	my ($version) = slurp_file("$share/swisper_ext.control") =~ /^default_version = '([^']+)'/m;
	return ("$lib/swisper_ext.so", "$share/swisper_ext.control", "$share/swisper_ext--$version.sql",
		glob("$share/swisper_ext--*--*.sql"));
}

# Put one version's files in place of the other's, each by a rename as a
# package manager does (a running server keeps the old library mapped).
sub install_version
{
	my ($from_lib, $from_share) = @_;
	unlink("$root$pkglibdir/swisper_ext.so", glob("$root$sharedir/extension/swisper_ext*"));
	foreach my $f (extension_files($from_lib, $from_share))
	{
		my $to = ($f =~ /\.so$/ ? "$root$pkglibdir" : "$root$sharedir/extension") . '/' . (split m{/}, $f)[-1];
		copy($f, "$to.new") or die "copy $f: $!";
		move("$to.new", $to) or die "rename $to: $!";
	}
}
install_version($stage_lib, $stage_share);
ok(-f "$root$sharedir/extension/swisper_ext--0.1.0.sql" && !-f "$root$sharedir/extension/swisper_ext--0.2.0.sql",
	'the private installation holds 0.1.0 only');

# ---------------------------------------------------------------------------
# A database made with 0.1.0.
# ---------------------------------------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('v010', install_path => $install_path);
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'swisper_ext'
swisper.database = 'postgres'
swisper.check_interval = '1s'
});
$node->start;

$node->safe_psql('postgres', slurp_file('test/fixtures/observability_schema.sql'));
my ($ret, $out, $err) = $node->psql('postgres', 'CREATE EXTENSION swisper_ext', on_error_die => 1);
like($err, qr/changed from character varying to swisper\.external_id/, '0.1.0 converts traces.user_id');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
	'0.1.0', 'the database is at 0.1.0');

# Ids of every kind and spelling 0.1.0 took: integers (whose order 0.2.0
# changes: 9 < 10 becomes '10' < '9'), uuids upper-case, in braces and
# without hyphens (0.1.0 stored all as kind uuid), text, text that looks
# like an integer with a leading zero.  In public.traces (the platform's
# indexes), a range-partitioned copy in another schema with an index on
# every partition, and a table with only a hash index.
$node->safe_psql(
	'postgres', qq{
INSERT INTO traces (id, name, user_id, project_id, "timestamp")
SELECT 'bulk-' || g, 'bulk',
	   CASE g % 6 WHEN 0 THEN g::text
				  WHEN 1 THEN 'user_' || g
				  WHEN 2 THEN upper(md5(g::text)::uuid::text)
				  WHEN 3 THEN '{' || md5(g::text) || '}'
				  WHEN 4 THEN md5(g::text)
				  ELSE lpad(g::text, 7, '0') END,
	   CASE WHEN g % 2 = 0 THEN '$prod' ELSE '$staging' END,
	   timestamp '2025-11-01' + g * interval '1 minute'
  FROM generate_series(1, 3000) g;
CREATE SCHEMA archive;
CREATE TABLE archive.traces (id text, user_id swisper.external_id, "timestamp" timestamp NOT NULL)
	PARTITION BY RANGE ("timestamp");
CREATE TABLE archive.traces_2025_10 PARTITION OF archive.traces FOR VALUES FROM ('2025-10-01') TO ('2025-11-01');
CREATE TABLE archive.traces_2025_11 PARTITION OF archive.traces FOR VALUES FROM ('2025-11-01') TO ('2025-12-01');
CREATE INDEX archive_traces_user_id ON archive.traces (user_id);
INSERT INTO archive.traces SELECT id, user_id, "timestamp" - interval '20 days' FROM public.traces;
CREATE TABLE public.aliases (user_id swisper.external_id);
CREATE INDEX aliases_user_id_hash ON public.aliases USING hash (user_id);
INSERT INTO public.aliases SELECT user_id FROM public.traces;
});

# A second database, whose tables 0.1.0 created itself, with a table
# range-partitioned on an external id: its bounds are in 0.1.0's order
# ('9' < '10'), which the update must refuse to carry over.
$node->safe_psql('postgres', 'CREATE DATABASE ranged');
$node->safe_psql('ranged', 'CREATE EXTENSION swisper_ext');
$node->safe_psql(
	'ranged', q{
CREATE TABLE by_user (user_id swisper.external_id NOT NULL) PARTITION BY RANGE (user_id);
CREATE TABLE by_user_low PARTITION OF by_user FOR VALUES FROM ('0') TO ('10');
CREATE TABLE by_user_high PARTITION OF by_user FOR VALUES FROM ('10') TO (MAXVALUE);
INSERT INTO by_user VALUES ('9'), ('10');
CREATE ROLE app_sdk;
GRANT USAGE ON SCHEMA swisper TO app_sdk;
GRANT EXECUTE ON FUNCTION swisper.heartbeat(text, text, text, text) TO app_sdk;
GRANT EXECUTE ON FUNCTION swisper.health() TO PUBLIC;
});

# A third database, whose tables an unprivileged role owns, with what the
# update must find although no B-tree key of the type is in sight: a
# B-tree over a multirange of it, a GiST index over a range of it, a GIN
# index over an array of it, an index over a SQL function that compares
# external ids, an index in a schema and under names that need quoting;
# what it must not trip over: the invalid unique index a failed CREATE
# UNIQUE INDEX CONCURRENTLY left over duplicates, an index function that
# tries to gain the rights of the superuser who runs the update; and what
# it must refuse: a table range-partitioned on an array of external ids.
$node->safe_psql('postgres', 'CREATE DATABASE attacks');
$node->safe_psql('attacks', 'CREATE EXTENSION swisper_ext');
$node->safe_psql(
	'attacks', q{
CREATE ROLE mallory;
CREATE SCHEMA m AUTHORIZATION mallory;
CREATE SCHEMA "Odd ""sch"".x" AUTHORIZATION mallory;
GRANT USAGE ON SCHEMA swisper TO mallory;
SET ROLE mallory;
CREATE TYPE m.idrange AS RANGE (subtype = swisper.external_id);
CREATE TABLE m.r (r m.idrange, mr m.idmultirange, a swisper.external_id[]);
INSERT INTO m.r
SELECT m.idrange(g::text::swisper.external_id, (g * 10)::text::swisper.external_id),
	   m.idmultirange(m.idrange(g::text::swisper.external_id, (g * 10)::text::swisper.external_id)),
	   ARRAY[g::text::swisper.external_id, (g * 7)::text::swisper.external_id]
  FROM generate_series(1, 300) g;
CREATE INDEX r_mr ON m.r (mr);
CREATE INDEX r_gist ON m.r USING gist (r);
CREATE INDEX r_gin ON m.r USING gin (a);
CREATE FUNCTION m.small(x swisper.external_id) RETURNS boolean IMMUTABLE LANGUAGE sql
	BEGIN ATOMIC SELECT x < '5'; END;
CREATE TABLE m.w (u swisper.external_id);
INSERT INTO m.w SELECT g::text FROM generate_series(1, 30) g;
CREATE INDEX w_small ON m.w (m.small(u));
CREATE TABLE "Odd ""sch"".x"."T.a""b" (u swisper.external_id);
INSERT INTO "Odd ""sch"".x"."T.a""b" SELECT g::text FROM generate_series(1, 300) g;
CREATE INDEX "I.x""y z" ON "Odd ""sch"".x"."T.a""b" (u);
CREATE TABLE m.dup (u swisper.external_id);
INSERT INTO m.dup VALUES ('1'), ('1'), ('2');
CREATE FUNCTION m.evil(x swisper.external_id) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'evil runs as %', current_user;
	BEGIN
		EXECUTE 'ALTER ROLE mallory SUPERUSER';
	EXCEPTION WHEN OTHERS THEN
		NULL;
	END;
	RETURN x::text;
END
$$;
CREATE TABLE m.e (u swisper.external_id);
INSERT INTO m.e VALUES ('1');
CREATE INDEX e_evil ON m.e (m.evil(u), u);
CREATE TABLE m.ra (a swisper.external_id[]) PARTITION BY RANGE (a);
CREATE TABLE m.ra_low PARTITION OF m.ra FOR VALUES FROM ('{0}') TO ('{5}');
CREATE TABLE m.ra_high PARTITION OF m.ra FOR VALUES FROM ('{5}') TO (MAXVALUE);
INSERT INTO m.ra VALUES ('{9}'), ('{10}');
CREATE TABLE m.chk (u swisper.external_id CHECK (u < '100'),
	low boolean GENERATED ALWAYS AS (u < '100') STORED,
	v swisper.external_id CHECK (m.small(v)),
	k swisper.external_id CHECK (swisper.external_id_kind(k) <> 'uuid' AND k <> '0'));
INSERT INTO m.chk VALUES ('20', DEFAULT, '4', '1');
CREATE DOMAIN m.low_id AS swisper.external_id CHECK (VALUE < '100');
});
($ret, $out, $err) = $node->psql('attacks', 'CREATE UNIQUE INDEX CONCURRENTLY dup_u ON m.dup (u)');
like($err, qr/could not create unique index "dup_u"/, '0.1.0: a failed CREATE UNIQUE INDEX CONCURRENTLY');
is($node->safe_psql('attacks', q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'm.dup_u'::regclass}),
	'f', '0.1.0: it left an invalid index');

# Ingested events and their merge state; a heartbeat the worker persists.
my $langfuse = slurp_file('test/fixtures/events/langfuse_batch.json');
my $stream   = slurp_file('test/fixtures/events/swisper_stream.json');
$node->safe_psql('postgres', "SELECT * FROM swisper.ingest_batch(\$j\$$langfuse\$j\$::jsonb, '$prod')");
$node->safe_psql('postgres', "SELECT * FROM swisper.ingest_batch(\$j\$$stream\$j\$::jsonb)");
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod', 'production', '1.2.3', '0.5.0')");
ok($node->poll_query_until('postgres',
		"SELECT status = 'connected' FROM swisper.project_connection WHERE project_id = '$prod'"),
	'0.1.0: the worker publishes the heartbeat');

# What must come through the update unchanged.
my $snapshot_sql = q{
SELECT (SELECT md5(string_agg(id || '|' || coalesce(user_id::text, '') || '|' || coalesce(swisper.external_id_kind(user_id), ''), ',' ORDER BY id))
		  FROM traces) AS traces,
	   (SELECT count(*) FROM traces) AS ntraces,
	   (SELECT md5(string_agg(id || '|' || coalesce(name, '') || '|' || coalesce(end_time::text, ''), ',' ORDER BY id))
		  FROM observations) AS observations,
	   (SELECT md5(string_agg(entity_kind::text || entity_id || encode(stamps, 'hex'), ',' ORDER BY entity_kind, entity_id))
		  FROM swisper.ingest_merge_state) AS merge_state,
	   (SELECT count(*) FROM swisper.ingest_merge_state) AS nstate,
	   (SELECT string_agg(project_id || ' ' || coalesce(environment, '') || ' ' || coalesce(app_version, '') || ' ' || coalesce(last_heartbeat::text, ''), ',' ORDER BY project_id)
		  FROM swisper.project_connection) AS statuses,
	   (SELECT md5(string_agg(id || user_id::text, ',' ORDER BY id)) FROM archive.traces) AS archive
};
my $before = $node->safe_psql('postgres', $snapshot_sql);
cmp_ok($node->safe_psql('postgres', 'SELECT count(*) FROM swisper.ingest_merge_state'), '>=', 5,
	'0.1.0: merge state recorded');
my %counts;
foreach my $id ('6', '12', '600', '0000011', 'user_13', 'c81e728d-9d4c-2f63-6f06-7f89cc14862c',
	'eccbc87e-4b5c-e2fe-2830-8fd9f2a7baf3', 'a87ff679-a2f3-e71d-9181-a67b7542122c')
{
	$counts{$id} = $node->safe_psql('postgres', "SELECT count(*) FROM traces WHERE user_id::text = '$id'");
}
is(join(',', map { $counts{$_} } sort keys %counts), '1,1,1,1,1,1,1,1', 'one row of each id');
# 0.1.0's order (integers, then uuids, then text), as its index and its
# sort give it.
my $order_sql = q{SELECT md5(string_agg(user_id::text, ',' ORDER BY user_id)) FROM traces WHERE user_id IS NOT NULL};
my $old_order = $node->safe_psql('postgres', "SET enable_seqscan = off; $order_sql");
is($node->safe_psql('postgres', "SET enable_indexscan = off; SET enable_bitmapscan = off; $order_sql"),
	$old_order, '0.1.0: its sort and its index agree on the order');

# ---------------------------------------------------------------------------
# The package upgrade: 0.2.0's library and scripts in place, restart.
# ---------------------------------------------------------------------------
install_version($pkglibdir, "$sharedir/extension");
ok(-f "$root$sharedir/extension/swisper_ext--0.1.0--0.2.0.sql" && !-f "$root$sharedir/extension/swisper_ext--0.1.0.sql",
	'the private installation holds 0.2.0 and the update script');
my $log_offset = -s $node->logfile;
$node->restart;
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
	'0.1.0', 'after the package upgrade the database is still at 0.1.0');

# Every C function 0.1.0's objects name exists in the new library (the C
# validator of CREATE FUNCTION loads each symbol and its info function).
is( $node->safe_psql(
		'postgres', q{
BEGIN;
DO $$
DECLARE
	f record;
	n int := 0;
BEGIN
	FOR f IN SELECT p.probin, p.prosrc FROM pg_proc p
			   JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
			   JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'swisper_ext'
			  WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
	LOOP
		n := n + 1;
		EXECUTE format('CREATE FUNCTION pg_temp.symbol_%s() RETURNS void AS %L, %L LANGUAGE C', n, f.probin, f.prosrc);
	END LOOP;
	RAISE NOTICE 'checked % symbols', n;
END
$$;
ROLLBACK;
SELECT 'ok';}),
	'ok',
	'every C symbol of 0.1.0 is in the 0.2.0 library');

# Served: reading, output, equality without an index, kind, validity.
is($node->safe_psql('postgres', $snapshot_sql), $before, 'before the update: the data reads as it did');
is( $node->safe_psql(
		'postgres', q{
SET enable_indexscan = off; SET enable_bitmapscan = off;
SELECT count(*) FROM traces WHERE user_id = '12'::varchar}),
	$counts{'12'},
	'before the update: equality without an index is served');

# Served in 0.1.0's order until the update: index scans, sorts, inserts into
# the indexes 0.1.0 built, which stay valid.
is($node->safe_psql('postgres', "SET enable_seqscan = off; SELECT count(*) FROM traces WHERE user_id = '12'::varchar"),
	$counts{'12'}, 'before the update: an index scan is served');
is($node->safe_psql('postgres', "SET enable_seqscan = off; $order_sql"),
	$old_order, 'before the update: the index gives 0.1.0\'s order');
is($node->safe_psql('postgres', "SET enable_indexscan = off; SET enable_bitmapscan = off; $order_sql"),
	$old_order, 'before the update: a sort gives 0.1.0\'s order');
is( $node->safe_psql(
		'postgres', q{
CREATE EXTENSION amcheck;
BEGIN;
INSERT INTO traces (id, user_id, "timestamp")
SELECT 'skew-' || v, v, now() FROM unnest(ARRAY['5', '50', '500', 'zz', 'a', '', 'User_1',
	'9f2c1a6e-0000-4000-8000-000000000001']) v;
SELECT count(*) > 3 FROM (SELECT bt_index_check(i.indexrelid, true)
	FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	WHERE a.amname = 'btree' AND i.indrelid IN ('traces'::regclass, 'archive.traces_2025_10'::regclass)) s;
SELECT count(*) FROM traces WHERE user_id = '500'::varchar;
ROLLBACK;
DROP EXTENSION amcheck;}),
	"t\n1",
	'before the update: inserts into the old indexes keep them valid (amcheck), and are found');
$node->safe_psql('postgres', 'ANALYZE traces');
pass('before the update: ANALYZE is served');

# Refused, cleanly: what needs 0.2.0's objects.
sub refused
{
	my ($sql, $what) = @_;
	my ($r, $o, $e) = $node->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	like($e, qr/ERROR:  55000: swisper_ext 0\.1\.0 is installed in database "postgres", but its library is version 0\.2\.0/,
		"before the update: $what is refused with 55000 and the installed version");
	like($e, qr/HINT:  Run ALTER EXTENSION swisper_ext UPDATE in this database\./, "before the update: $what: the hint");
	unlike($e, qr/could not find function/, "before the update: $what: no missing symbol");
}
refused("SELECT * FROM swisper.ingest_batch(\$j\$$langfuse\$j\$::jsonb, '$prod')", 'ingest_batch()');
refused("SELECT swisper.heartbeat('$prod')", 'heartbeat()');
refused("SELECT swisper.health()", 'health()');

# The worker idles and says so once.
$node->wait_for_log(qr/swisper heartbeat worker is idle: swisper_ext 0\.1\.0 is installed in database "postgres", but its library is version 0\.2\.0/,
	$log_offset);
my $updated_at = $node->safe_psql('postgres', 'SELECT max(updated_at) FROM swisper.project_connection');
sleep(3);
my @idle = (slurp_file($node->logfile, $log_offset) =~ /swisper heartbeat worker is idle/g);
is(scalar(@idle), 1, 'before the update: the worker logs that it idles, once');
is($node->safe_psql('postgres', 'SELECT max(updated_at) FROM swisper.project_connection'),
	$updated_at, 'before the update: the worker writes nothing');

# ---------------------------------------------------------------------------
# ALTER EXTENSION swisper_ext UPDATE.
# ---------------------------------------------------------------------------
($ret, $out, $err) = $node->psql('postgres', 'ALTER EXTENSION swisper_ext UPDATE', on_error_die => 1);
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
	'0.2.0', 'updated to 0.2.0');
like($err, qr/rebuilt 4 index\(es\) over swisper\.external_id in its new order/, 'the update reports the indexes it rebuilt');
foreach my $idx ('public.ix_traces_user_id', 'public.ix_traces_user_timestamp',
	'archive.traces_2025_10_user_id_idx', 'archive.traces_2025_11_user_id_idx')
{
	like($err, qr/\Q$idx\E/, "the update rebuilt $idx");
}

# The stored bytes of every value are what 0.2.0 makes of its text: no
# value needed rewriting.
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM traces
 WHERE swisper.external_id_send(user_id) <> swisper.external_id_send(user_id::text::swisper.external_id)}),
	'0',
	'after the update: every value 0.1.0 stored is in 0.2.0\'s canonical form');

# An update that a range partitioning refuses (0A000, naming the table)
# and that changes nothing; it goes through once the table is dropped.
sub refused_update
{
	my ($db, $table, $what) = @_;
	my ($r, $o, $e) = $node->psql($db, "\\set VERBOSITY verbose\nALTER EXTENSION swisper_ext UPDATE");
	like($e, qr/ERROR:  0A000: cannot update swisper_ext to 0\.2\.0: \Q$table\E is range-partitioned on swisper\.external_id/,
		"the update refuses a table range-partitioned on $what");
	is($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
		'0.1.0', "$db: the refused update changed nothing");
	$node->safe_psql($db, "DROP TABLE $table");
}

# The database with a range partitioning on the type: refused, unchanged;
# updated once that table is gone (its tables were created by 0.1.0).
refused_update('ranged', 'public.by_user', 'external_id');
$node->safe_psql('ranged', 'ALTER EXTENSION swisper_ext UPDATE');
is($node->safe_psql('ranged', "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
	'0.2.0', 'without it, the update goes through');
is( $node->safe_psql(
		'ranged', q{
SELECT has_function_privilege('app_sdk', 'swisper.heartbeat(text, text, text, text)', 'EXECUTE'),
	   has_function_privilege('app_sdk', 'swisper.health()', 'EXECUTE')}),
	't|t', 'privileges granted under 0.1.0 (to a role, to PUBLIC) survive the update');

# The database of the unprivileged role: the range partitioning on an array
# of external ids is refused; without it, the update rebuilds what holds or
# compares the type, skips the invalid index, and runs the index functions
# as their table's owner.
refused_update('attacks', 'm.ra', 'an array of external ids');
($ret, $out, $err) = $node->psql('attacks', 'ALTER EXTENSION swisper_ext UPDATE');
is($node->safe_psql('attacks', "SELECT extversion FROM pg_extension WHERE extname = 'swisper_ext'"),
	'0.2.0', 'an invalid unique index over duplicates does not stop the update');
foreach my $idx ('m.r_mr', 'm.r_gist', 'm.r_gin', 'm.w_small', 'm.e_evil', '"Odd ""sch"".x"."I.x""y z"')
{
	like($err, qr/DETAIL:  Rebuilt: [^\n]*\Q$idx\E[,.]/, "the update rebuilt $idx");
}
like($err, qr/1 invalid index\(es\) over swisper\.external_id were not rebuilt\nDETAIL:  Not rebuilt: m\.dup_u\./,
	'the update names the invalid index it skipped');
like($err,
	qr/WARNING:  swisper_ext: 4 CHECK constraint\(s\) or generated column\(s\) compare external ids, whose order changed\nDETAIL:  Not checked again: constraint chk_u_check of table m\.chk, constraint chk_v_check of table m\.chk, constraint low_id_check of domain m\.low_id, generated column low of table m\.chk\./,
	'the update names the CHECK constraints and generated columns that compare external ids, and no other');
like($err, qr/evil runs as mallory/, 'the index function ran as its table\'s owner');
unlike($err, qr/evil runs as postgres/, 'the index function never ran as the superuser');
is($node->safe_psql('attacks', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}),
	'f', 'the table owner did not become superuser');
$node->safe_psql('attacks', 'CREATE EXTENSION amcheck');
is($node->safe_psql('attacks', q{SELECT bt_index_check('m.r_mr', true)}), '',
	'after the update: amcheck passes the B-tree over the multirange');
foreach my $q ("SELECT count(*) FROM m.r WHERE r && m.idrange('100', '101')",
	"SELECT count(*) FROM m.r WHERE a @> ARRAY['10'::swisper.external_id]",
	"SELECT count(*) FROM m.w WHERE m.small(u)")
{
	is( $node->safe_psql('attacks', "SET enable_seqscan = off; $q"),
		$node->safe_psql('attacks', "SET enable_indexscan = off; SET enable_bitmapscan = off; $q"),
		"after the update: the index answers as the table does: $q");
}

# (i) The catalog equals a fresh 0.2.0 install's.
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', slurp_file('test/fixtures/observability_schema.sql'));
$node->safe_psql('fresh', 'CREATE EXTENSION swisper_ext');
my $catalog_sql = slurp_file('test/t/upgrade_catalog.sql');
my $updated = $node->safe_psql('postgres', $catalog_sql);
my $fresh   = $node->safe_psql('fresh', $catalog_sql);
if ($updated eq $fresh)
{
	pass('the catalog of the updated extension equals a fresh 0.2.0 install');
}
else
{
	PostgreSQL::Test::Utils::append_to_file("$tmp/catalog-updated.txt", "$updated\n");
	PostgreSQL::Test::Utils::append_to_file("$tmp/catalog-fresh.txt", "$fresh\n");
	my $diff = `diff -u '$tmp/catalog-fresh.txt' '$tmp/catalog-updated.txt'`;
	fail('the catalog of the updated extension equals a fresh 0.2.0 install');
	diag("fresh (-) vs updated (+):\n$diff");
}
cmp_ok(scalar(split /\n/, $updated), '>', 1000, 'the catalog listing is not empty');

# (ii) Data intact, indexes valid in the new order and used.
is($node->safe_psql('postgres', $snapshot_sql), $before, 'after the update: traces, observations, merge state, statuses unchanged');
$node->safe_psql('postgres', 'CREATE EXTENSION amcheck');
is( $node->safe_psql(
		'postgres', q{
WITH ix AS MATERIALIZED (
	SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
	 WHERE a.amname = 'btree' AND c.relkind = 'i'
	   AND EXISTS (SELECT FROM pg_attribute t WHERE t.attrelid = c.oid AND t.atttypid = 'swisper.external_id'::regtype))
SELECT string_agg(oid::regclass::text, ',' ORDER BY oid::regclass::text)
  FROM ix, LATERAL (SELECT bt_index_check(ix.oid, true)) chk}),
	'archive.traces_2025_10_user_id_idx,archive.traces_2025_11_user_id_idx,ix_traces_user_id,ix_traces_user_timestamp',
	'after the update: amcheck passes every B-tree index over external_id (heapallindexed)');
$node->safe_psql('postgres', 'ANALYZE');
like( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
PREPARE q(varchar) AS SELECT id FROM traces WHERE user_id = $1::varchar;
EXPLAIN (COSTS OFF) EXECUTE q('12')}),
	qr/Index.*ix_traces_user_(id|timestamp)/,
	'after the update: user_id = $1::varchar uses the index');
foreach my $id (sort keys %counts)
{
	is( $node->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
PREPARE q(varchar) AS SELECT count(*) FROM traces WHERE user_id = \$1::varchar;
EXECUTE q('$id')}),
		$counts{$id},
		"after the update: the index finds every row of user_id $id");
	is( $node->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM archive.traces WHERE user_id = '$id'}),
		$counts{$id},
		"after the update: the partitioned index finds every row of user_id $id");
	is( $node->safe_psql(
			'postgres', qq{
SET enable_seqscan = off;
SELECT count(*) FROM aliases WHERE user_id = '$id'}),
		$counts{$id},
		"after the update: the hash index (not rebuilt) finds every row of user_id $id");
}
is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT (SELECT array_agg(user_id::text ORDER BY user_id) FROM traces WHERE user_id IS NOT NULL)
	 = (SELECT array_agg(user_id::text ORDER BY user_id::text COLLATE "C") FROM traces WHERE user_id IS NOT NULL)}),
	't',
	'after the update: external ids sort as their texts under COLLATE "C"');

# Behaviour: ingestion continues from 0.1.0's merge state (its events are
# duplicates, a later update of its trace merges, an earlier one loses).
like( $node->safe_psql('postgres', "SELECT string_agg(DISTINCT message, ',') FROM swisper.ingest_batch(\$j\$$langfuse\$j\$::jsonb, '$prod') WHERE idx < 5"),
	qr/^duplicate: already ingested$/,
	'after the update: the events 0.1.0 ingested are duplicates');
my $later = qq{[
 {"id": "ev-0101", "timestamp": "2025-11-07T08:00:00.000Z", "type": "trace-create",
  "body": {"id": "c4a1e2d3-0000-4000-8000-00000000aaaa", "name": "support-chat-renamed", "userId": "user_8812",
		   "timestamp": "2025-11-07T08:00:00.000Z"}},
 {"id": "ev-0102", "timestamp": "2025-11-07T07:00:00.000Z", "type": "trace-create",
  "body": {"id": "c4a1e2d3-0000-4000-8000-00000000aaaa", "name": "too-early", "userId": "user_8812",
		   "timestamp": "2025-11-07T07:00:00.000Z"}},
 {"id": "ev-0103", "timestamp": "2025-11-07T08:00:01.000Z", "type": "trace-create",
  "body": {"id": "c4a1e2d3-0000-4000-8000-00000000eeee", "name": "new-after-update", "userId": "12",
		   "timestamp": "2025-11-07T08:00:01.000Z"}}
]};
is($node->safe_psql('postgres', "SELECT string_agg(status::text, ',' ORDER BY idx) FROM swisper.ingest_batch(\$j\$$later\$j\$::jsonb, '$prod')"),
	'200,200,201', 'after the update: new events are merged into 0.1.0\'s rows and new rows created');
is($node->safe_psql('postgres', "SELECT name FROM traces WHERE id = 'c4a1e2d3-0000-4000-8000-00000000aaaa'"),
	'support-chat-renamed', 'after the update: the later event won over 0.1.0\'s state, the earlier one did not');
is( $node->safe_psql(
		'postgres', q{SET enable_seqscan = off; SELECT count(*) FROM traces WHERE user_id = '12'::varchar}),
	$counts{'12'} + 1, 'after the update: the new row is found through the index');

# Heartbeats and statuses: the worker serves again.
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$staging', 'staging', '2.0.0', '0.6.0')");
ok($node->poll_query_until('postgres',
		"SELECT status = 'connected' FROM swisper.project_connection WHERE project_id = '$staging'"),
	'after the update: the worker publishes a new heartbeat');
is($node->safe_psql('postgres', "SELECT swisper.health()->>'extension_version'"), '0.2.0',
	'after the update: health() answers');
is($node->safe_psql('postgres', "SELECT environment || ' ' || app_version FROM swisper.project_status WHERE project_id = '$prod'"),
	'production 1.2.3', 'after the update: project_status shows 0.1.0\'s heartbeat');

$node->stop;
done_testing();
