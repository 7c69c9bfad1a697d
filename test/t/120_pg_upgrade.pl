# pg_upgrade of a cluster that holds the extension with data, as
# src/bin/pg_upgrade/t/002_pg_upgrade.pl upgrades PostgreSQL's own: an old
# cluster (swisper_ext preloaded, the worker serving the observability
# database) with the platform's schema, traces.user_id converted to
# swisper.external_id with B-tree and hash indexes on it, the operators and
# min/max in pg_catalog, ingested events half-way through a merge, published
# connection statuses; then pg_upgrade --check (clean) and pg_upgrade into a
# fresh cluster of the same major version (the binary-upgrade path is the one
# a major upgrade takes: pg_dump --binary-upgrade --schema-only restored into
# the new cluster, the data files copied).  On the new cluster: the rows and
# their stored kinds, the column's type, valid indexes (amcheck), the index
# used by the generic plan of user_id = $1::varchar, the operators for a role
# whose search_path lacks swisper, the statuses and a worker that publishes
# again, ingestion that continues the merge (re-delivery: duplicates), and
# release_user_id() + DROP EXTENSION.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Path qw(rmtree);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $t0      = time();
my $db      = 'observability';
my $refdb   = 'reference';
my $prod    = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';    # the example events' project
my $staging = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';    # the fixture's other project
my $stream_trace   = '3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f';
my $langfuse_trace = 'c4a1e2d3-0000-4000-8000-00000000aaaa';
# Transfer mode: pg_upgrade's default (copy), or as PostgreSQL's own test
# takes it, e.g. PG_TEST_PG_UPGRADE_MODE=--link.
my $mode = $ENV{PG_TEST_PG_UPGRADE_MODE} // '';
my $bulk = 3000;    # synthetic traces, so that the indexes span pages and are chosen on their merits

my $schema   = slurp_file('test/fixtures/observability_schema.sql');
my $stream   = slurp_file('test/fixtures/events/swisper_stream.json');
my $langfuse = slurp_file('test/fixtures/events/langfuse_batch.json');

# The same settings in both clusters, as a DBA carries postgresql.conf over.
# stale_after is long so that a status does not age during the test.
my $conf = qq{
shared_preload_libraries = 'swisper_ext'
swisper.database = '$db'
swisper.check_interval = '200ms'
swisper.stale_after = '1h'
swisper.disconnect_after = '2h'
log_line_prefix = '%m [%p] %b '
};

######################################################################
# Helpers

# The stream's elements $from..$to (1-based, in order) as one JSON array.
sub stream_part
{
	my ($from, $to) = @_;
	return "(SELECT jsonb_agg(e ORDER BY i) FROM jsonb_array_elements(\$ev\$$stream\$ev\$::jsonb)
			   WITH ORDINALITY AS a(e, i) WHERE i BETWEEN $from AND $to)";
}

sub ingest_statuses
{
	my ($node, $dbname, $events, $project) = @_;
	my $p = defined $project ? ", '$project'" : '';
	return $node->safe_psql($dbname,
		"SELECT string_agg(status::text, ',' ORDER BY idx) FROM swisper.ingest_batch($events$p)");
}

# Everything about the rows that must survive: every column's text, and for
# user_id the kind it is stored as and its stored size.
my $traces_sql = "SELECT count(*) || ' ' || md5(string_agg(t::text || '|' || coalesce(swisper.external_id_kind(t.user_id), '-')
		|| '|' || coalesce(pg_column_size(t.user_id), -1), ',' ORDER BY t.id)) FROM traces t";
# The rows as text only (comparable once user_id is text again).
my $traces_text_sql =
  "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t.id)) FROM traces t";
my $observations_sql =
  "SELECT count(*) || ' ' || md5(string_agg(o::text, ',' ORDER BY o.id)) FROM observations o";
my $merge_state_sql =
  "SELECT count(*) || ' ' || md5(string_agg(s::text, ',' ORDER BY s::text)) FROM swisper.ingest_merge_state s";
# The rows of the example events' traces, to compare with one-shot delivery.
my $events_rows_sql = "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (
		SELECT t::text AS x FROM traces t WHERE id IN ('$stream_trace', '$langfuse_trace')
		UNION ALL
		SELECT o::text FROM observations o WHERE trace_id IN ('$stream_trace', '$langfuse_trace')) s";
my $user_id_type_sql =
  "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'traces'::regclass AND attname = 'user_id'";
# The indexes over traces.user_id: name, access method, definition, valid.
my $indexes_sql = "SELECT string_agg(i.relname || ' ' || am.amname || ' ' || x.indisvalid || ' '
		|| pg_get_indexdef(x.indexrelid), E'\\n' ORDER BY i.relname)
	FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
	WHERE x.indrelid = 'traces'::regclass
	  AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) AND a.attname = 'user_id')";
# Every member of the extension, described.
my $members_sql = "SELECT count(*) || E'\\n' || string_agg(d, E'\\n' ORDER BY d) FROM (
		SELECT pg_describe_object(classid, objid, 0) AS d FROM pg_depend
		 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
		   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'swisper_ext')) m";
# The operators and aggregates of the type in pg_catalog.
my $catalog_ops_sql = "SELECT count(*) FROM pg_operator
	WHERE oprnamespace = 'pg_catalog'::regnamespace
	  AND 'swisper.external_id'::regtype IN (oprleft, oprright)";
my $catalog_aggs_sql = "SELECT string_agg(p.oid::regprocedure::text, ',' ORDER BY p.oid::regprocedure::text) FROM pg_proc p
	WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'a'
	  AND p.proargtypes[0] = 'swisper.external_id'::regtype";
# What the connection state of the events' project was, as published.
my $published_sql = "SELECT concat_ws(' ', status, last_seen, last_heartbeat, environment, app_version, sdk_version)
	FROM swisper.project_connection WHERE project_id = '$prod'";

# Queries of an application role whose search_path lacks swisper: the
# comparisons resolve to the type's operators in pg_catalog (an index scan
# under force_generic_plan proves it: text = text would not use the index),
# and min/max follow the type's order.
# Runs the application role's queries; returns (plans, results): the plan
# of the prepared statement with every index, and with the hash index
# dropped (in a transaction rolled back), where a B-tree must serve it.
sub app_queries
{
	my ($node) = @_;
	my $prepare = qq{
SET search_path = public;
SET plan_cache_mode = force_generic_plan;
PREPARE q(varchar) AS SELECT id FROM traces WHERE user_id = \$1::varchar;
};
	my $plans = $node->safe_psql(
		$db, qq{
SET ROLE app;
$prepare
EXPLAIN (COSTS OFF) EXECUTE q('user-41');
DEALLOCATE q;
RESET ROLE;
BEGIN;
DROP INDEX ix_traces_user_id_hash;
SET LOCAL ROLE app;
$prepare
EXPLAIN (COSTS OFF) EXECUTE q('user-41');
ROLLBACK;
});
	my $results = $node->safe_psql(
		$db, qq{
SET ROLE app;
$prepare
EXECUTE q('user-41');
EXECUTE q('0');
EXECUTE q(upper('{' || md5('1')::uuid::text || '}'));
EXECUTE q('007');
SELECT count(*) FROM traces WHERE user_id = '23757';
SELECT count(*) FROM traces WHERE user_id < 'user-5';
SELECT count(*) FROM traces WHERE user_id <> md5('4')::uuid;
SELECT min(user_id), max(user_id) FROM traces;
SELECT count(*) FROM traces t JOIN traces u ON u.user_id = t.user_id::text;
});
	return ($plans, $results);
}

# A dump without the \restrict and \unrestrict lines, whose key is random.
sub dump_text
{
	my ($file) = @_;
	return slurp_file($file) =~ s/^\\(?:un)?restrict \S+\n//mgr;
}

# The lines of the servers pg_upgrade ran (old and new, in binary-upgrade
# mode) about the worker, and their errors: the library must do nothing
# there (no worker, which would write into the clusters while pg_upgrade
# dumps, restores and transfers them).  Removes pg_upgrade's output
# directory afterwards.
sub upgrade_server_lines
{
	my ($new) = @_;
	my $dir = $new->data_dir . '/pg_upgrade_output.d';
	my @lines;
	foreach my $log (glob("$dir/*/log/pg_upgrade_server.log"))
	{
		push @lines, grep { /swisper heartbeat worker|\b(?:ERROR|FATAL|PANIC):/ } split /\n/, slurp_file($log);
	}
	rmtree($dir);
	return join("\n", @lines);
}

sub wait_for_worker
{
	my ($node) = @_;
	return $node->poll_query_until($db,
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker' AND datname = '$db'");
}

# Runs pg_upgrade with @args from a writable directory; returns (exit code,
# stdout, stderr).  --retain keeps its logs for upgrade_server_lines().
sub run_pg_upgrade
{
	my ($old, $new, @args) = @_;
	my $bindir = $new->config_data('--bindir');
	my @cmd = (
		'pg_upgrade',     '--no-sync',
		'-d',             $old->data_dir,
		'-D',             $new->data_dir,
		'-b',             $bindir,
		'-B',             $bindir,
		'-s',             $new->host,
		'-p',             $old->port,
		'-P',             $new->port,
		'-U',             'postgres',
		'--retain',       ($mode ne '' ? ($mode) : ()), @args);
	my $cwd = getcwd();
	chdir PostgreSQL::Test::Utils::tempdir() or die "chdir: $!";
	my ($out, $err) = ('', '');
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	my $rc = $? >> 8;
	chdir $cwd or die "chdir $cwd: $!";
	return ($rc, $out, $err);
}

# The two plans app_queries() shows: the hash index, then (without it) one
# of the B-trees, each with the comparison as its index condition.
my $plans_re = qr/\A(?:Bitmap Heap Scan on traces\n.*\n\s*->  Bitmap Index Scan on |Index Scan using )ix_traces_user_id_hash(?: on traces)?\n\s*Index Cond: \(user_id = \(\$1\)::swisper\.external_id\)\n(?:Bitmap Heap Scan on traces\n.*\n\s*->  Bitmap Index Scan on |Index (?:Only )?Scan using )ix_traces_user_(?:id|id_desc|timestamp)(?: on traces)?\n\s*Index Cond: \(user_id = \(\$1\)::swisper\.external_id\)\z/;

######################################################################
# The old cluster

my $old = PostgreSQL::Test::Cluster->new('old');
$old->init;
$old->append_conf('postgresql.conf', $conf);
$old->start;
$old->safe_psql('postgres', "CREATE DATABASE $db");
$old->safe_psql('postgres', "CREATE DATABASE $refdb");
# The worker connects at start; restarted, it finds the database at once.
$old->restart;
ok(wait_for_worker($old), 'old cluster: the worker runs');

$old->safe_psql($db, $schema);
$old->safe_psql($db, 'CREATE EXTENSION swisper_ext');
$old->safe_psql($db, 'SELECT * FROM swisper.fix_user_id()');
is($old->safe_psql($db, $user_id_type_sql), 'swisper.external_id', 'old cluster: traces.user_id is swisper.external_id');

# Synthetic traces of every kind (integers, uuids, text, NULL), and two
# more indexes over user_id: B-tree (descending) and hash.
$old->safe_psql(
	$db, qq{
INSERT INTO traces (id, name, user_id, session_id, project_id, "timestamp")
SELECT 'bulk-' || g, 'bulk ' || g,
	   CASE WHEN g % 97 = 0 THEN NULL
			WHEN g % 3 = 0 THEN (g * 7919)::text
			WHEN g % 3 = 1 THEN md5(g::text)::uuid::text
			ELSE 'user-' || g END,
	   's-' || g % 50, '$staging', timestamp '2025-11-01' + g * interval '1 minute'
  FROM generate_series(1, $bulk) g;
INSERT INTO traces (id, user_id, project_id, "timestamp")
VALUES ('kinds-0', '0', '$staging', '2025-11-02'), ('kinds-empty', '', '$staging', '2025-11-02'),
	   ('kinds-blank', ' padded ', '$staging', '2025-11-02'), ('kinds-zeros', '007', '$staging', '2025-11-02');
CREATE INDEX ix_traces_user_id_desc ON traces (user_id DESC);
CREATE INDEX ix_traces_user_id_hash ON traces USING hash (user_id);
ANALYZE;
CREATE ROLE app LOGIN;
GRANT SELECT ON traces TO app;
});

# Ingestion: the Langfuse batch, and the stream's first six elements (the
# trace and three observations, one of them still to be ended); the rest of
# the stream comes after the upgrade.
is(ingest_statuses($old, $db, stream_part(1, 6)), '200,201,201,201,200,201', 'old cluster: the stream\'s first half ingested');
is(ingest_statuses($old, $db, "\$ev\$$langfuse\$ev\$::jsonb", $prod),
	'201,201,200,201,201,202', 'old cluster: the Langfuse batch ingested');

# The same events in one delivery, in a second database with the extension:
# what the split delivery must end up equal to.
$old->safe_psql($refdb, $schema);
$old->safe_psql($refdb, 'CREATE EXTENSION swisper_ext');
is(ingest_statuses($old, $refdb, "\$ev\$$stream\$ev\$::jsonb"),
	'200,201,201,201,200,201,200,201,200,200', 'reference database: the stream ingested in one delivery');
is(ingest_statuses($old, $refdb, "\$ev\$$langfuse\$ev\$::jsonb", $prod),
	'201,201,200,201,201,202', 'reference database: the Langfuse batch ingested');

# A heartbeat, published by the worker.
is( $old->safe_psql($db, "SELECT swisper.heartbeat('$prod', 'production', '2.4.1', '0.5.0') ->> 'status'"),
	'ok', 'old cluster: heartbeat() answers ok');
ok( $old->poll_query_until(
		$db,
		"SELECT status = 'connected' AND app_version = '2.4.1' FROM swisper.project_connection WHERE project_id = '$prod'"),
	'old cluster: the worker publishes the project as connected');

my %before = (
	traces       => $old->safe_psql($db, $traces_sql),
	traces_text  => $old->safe_psql($db, $traces_text_sql),
	observations => $old->safe_psql($db, $observations_sql),
	merge_state  => $old->safe_psql($db, $merge_state_sql),
	indexes      => $old->safe_psql($db, $indexes_sql),
	members      => $old->safe_psql($db, $members_sql),
	catalog_ops  => $old->safe_psql($db, $catalog_ops_sql),
	catalog_aggs => $old->safe_psql($db, $catalog_aggs_sql),
	published    => $old->safe_psql($db, $published_sql),
	statuses     => $old->safe_psql($db, 'SELECT string_agg(project_id || \' \' || status, \',\' ORDER BY project_id) FROM swisper.project_status'),
	reference    => $old->safe_psql($refdb, $events_rows_sql),
	ref_members  => $old->safe_psql($refdb, $members_sql));
my ($plan_before, $app_before) = app_queries($old);
note("old cluster: the application role's plan:\n$plan_before\nand answers:\n$app_before");
like($before{statuses}, qr/^$staging never_seen,$prod connected$/, 'old cluster: project_status shows the statuses');
like($before{published}, qr/^connected \S+ \S+ \S+ \S+ production 2\.4\.1 0\.5\.0$/, 'old cluster: project_connection holds the published status');
like($plan_before, $plans_re, 'old cluster: the generic plan of user_id = $1::varchar uses the hash index, else a B-tree');
is($before{catalog_aggs}, 'max(swisper.external_id),min(swisper.external_id)', 'old cluster: min and max in pg_catalog');
cmp_ok($before{catalog_ops}, '>=', 30, 'old cluster: the operators of the type are in pg_catalog');

# The schema as pg_dump --binary-upgrade writes it (what pg_upgrade
# restores): the members in pg_catalog are dumped and added to the
# extension one by one.
my $tmp = PostgreSQL::Test::Utils::tempdir();
$old->command_ok(
	[ 'pg_dump', '--binary-upgrade', '--schema-only', '-d', $old->connstr($db), '-f', "$tmp/binary_upgrade.sql" ],
	'pg_dump --binary-upgrade --schema-only succeeds');
my $bdump = slurp_file("$tmp/binary_upgrade.sql");
like($bdump, qr/binary_upgrade_create_empty_extension\('swisper_ext', 'swisper'/,
	'binary-upgrade dump: the extension is created empty, then filled');
my @added_ops = ($bdump =~ /^ALTER EXTENSION swisper_ext ADD OPERATOR pg_catalog\./mg);
is(scalar(@added_ops), $before{catalog_ops}, 'binary-upgrade dump: every operator in pg_catalog is added to the extension');
my @added_aggs = ($bdump =~ /^ALTER EXTENSION swisper_ext ADD AGGREGATE pg_catalog\.(?:min|max)\(/mg);
is(scalar(@added_aggs), 2, 'binary-upgrade dump: min and max in pg_catalog are added to the extension');
$old->command_ok([ 'pg_dump', '--schema-only', '-d', $old->connstr($db), '-f', "$tmp/schema_before.sql" ],
	'old cluster: schema dumped');

$old->stop;

######################################################################
# pg_upgrade into a fresh cluster

my $new = PostgreSQL::Test::Cluster->new('new');
$new->init;
$new->append_conf('postgresql.conf', $conf);

my ($rc, $out, $err) = run_pg_upgrade($old, $new, '--check');
is($rc, 0, 'pg_upgrade --check succeeds') or diag("$out\n$err");
note("pg_upgrade --check:\n$out");
like($out, qr/\*Clusters are compatible\*/, 'pg_upgrade --check: clusters are compatible');
unlike($out, qr/fatal|warning|failed/i, 'pg_upgrade --check reports no problem') or diag($out);
is(upgrade_server_lines($new), '', 'pg_upgrade --check: nothing of the extension ran in its servers');

($rc, $out, $err) = run_pg_upgrade($old, $new);
is($rc, 0, 'pg_upgrade succeeds') or diag("$out\n$err");
like($out, qr/Upgrade Complete/, 'pg_upgrade: upgrade complete');
note("pg_upgrade:\n$out");
if ($rc != 0)
{
	foreach my $log (glob($new->data_dir . '/pg_upgrade_output.d/*/log/*.log'))
	{
		diag("=== $log ===\n" . slurp_file($log));
	}
}
is(upgrade_server_lines($new), '', 'pg_upgrade: nothing of the extension ran in its servers');

$new->start;
my $log_start = -s $new->logfile;
ok(wait_for_worker($new), 'new cluster: the worker runs');
# As pg_upgrade recommends: the planner statistics are not carried over.
$new->command_ok([ 'vacuumdb', '--all', '--analyze-in-stages', '-h', $new->host, '-p', $new->port ],
	'new cluster: vacuumdb --analyze-in-stages');

######################################################################
# The new cluster

is($new->safe_psql($db, $user_id_type_sql), 'swisper.external_id', 'new cluster: traces.user_id is still swisper.external_id');
is($new->safe_psql($db, $traces_sql), $before{traces}, 'new cluster: traces equal (values, kinds, stored sizes)');
is($new->safe_psql($db, $observations_sql), $before{observations}, 'new cluster: observations equal');
is($new->safe_psql($db, $merge_state_sql), $before{merge_state}, 'new cluster: the merge state equal');
is($new->safe_psql($db, $members_sql), $before{members}, 'new cluster: the extension has the same members');
is($new->safe_psql($refdb, $members_sql), $before{ref_members}, 'new cluster: the second database\'s extension has the same members');
is($new->safe_psql($db, $catalog_ops_sql), $before{catalog_ops}, 'new cluster: the operators are in pg_catalog');
is($new->safe_psql($db, $catalog_aggs_sql), $before{catalog_aggs}, 'new cluster: min and max are in pg_catalog');
is($new->safe_psql($db, $indexes_sql), $before{indexes}, 'new cluster: the indexes over user_id, all valid');
$new->command_ok([ 'pg_dump', '--schema-only', '-d', $new->connstr($db), '-f', "$tmp/schema_after.sql" ],
	'new cluster: schema dumped');
ok(dump_text("$tmp/schema_after.sql") eq dump_text("$tmp/schema_before.sql"), 'new cluster: the schema dump equals the old one')
  or diag(scalar(run_command([ 'diff', '-u', "$tmp/schema_before.sql", "$tmp/schema_after.sql" ])));

# The indexes: amcheck verifies every B-tree over user_id (order, and every
# heap tuple found in it); the hash index must find every row's user_id.
$new->safe_psql($db, 'CREATE EXTENSION amcheck');
is( $new->safe_psql(
		$db, "SELECT count(bt_index_check(x.indexrelid, true)) FROM pg_index x
			   JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam
			  WHERE x.indrelid = 'traces'::regclass AND am.amname = 'btree'
				AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = x.indrelid
							   AND a.attnum = ANY (x.indkey) AND a.attname = 'user_id')"),
	'3', 'new cluster: bt_index_check passes on the 3 B-tree indexes over user_id');
my $hash_check = qq{
BEGIN;
DROP INDEX ix_traces_user_id, ix_traces_user_timestamp, ix_traces_user_id_desc;
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM traces WHERE user_id = 'user-41';
SELECT count(*) FILTER (WHERE (SELECT count(*) FROM traces u WHERE u.user_id = t.user_id) = 0)
		|| ' of ' || count(*)
  FROM traces t WHERE t.user_id IS NOT NULL;
ROLLBACK;
};
my $hash_out = $new->safe_psql($db, $hash_check);
note("new cluster: the hash index check:\n$hash_out");
like($hash_out, qr/Index Scan using ix_traces_user_id_hash|Bitmap Index Scan on ix_traces_user_id_hash/,
	'new cluster: the hash index serves user_id = ...');
like($hash_out, qr/^0 of \d+$/m, 'new cluster: the hash index finds every row by its user_id');

# The application role, search_path without swisper: same answers, index
# used by the generic plan.
my ($plan_after, $app_after) = app_queries($new);
note("new cluster: the application role's plan:\n$plan_after\nand answers:\n$app_after");
like($plan_after, $plans_re, 'new cluster: the generic plan of user_id = $1::varchar uses the hash index, else a B-tree')
  or diag($plan_after);
unlike($plan_after, qr/Seq Scan/, 'new cluster: no sequential scan in that plan');
is($app_after, $app_before, 'new cluster: the role without swisper on its search_path gets the same answers');

# The statuses: as published before, readable, and the worker publishes a
# new heartbeat.
is($new->safe_psql($db, $published_sql), $before{published}, 'new cluster: project_connection as published before');
is( $new->safe_psql($db, 'SELECT string_agg(project_id || \' \' || status, \',\' ORDER BY project_id) FROM swisper.project_status'),
	$before{statuses}, 'new cluster: project_status shows the statuses');
is( $new->safe_psql($db, "SELECT swisper.heartbeat('$prod', 'production', '2.5.0', '0.5.1') ->> 'status'"),
	'ok', 'new cluster: heartbeat() answers ok');
my ($last_seen_before) = $before{published} =~ /^\S+ (\S+ \S+)/;
ok( $new->poll_query_until(
		$db,
		"SELECT status = 'connected' AND app_version = '2.5.0' AND sdk_version = '0.5.1'
				AND last_seen > '$last_seen_before'::timestamptz
		   FROM swisper.project_connection WHERE project_id = '$prod'"),
	'new cluster: the worker publishes the new heartbeat');
is( $new->safe_psql($db, "SELECT status || ' ' || app_version FROM swisper.project_status WHERE project_id = '$prod'"),
	'connected 2.5.0', 'new cluster: project_status shows the new heartbeat');

# Ingestion continues the merge: the stream's second half merges into the
# observations stored before the upgrade, and the result equals one-shot
# delivery; re-delivery of everything is duplicates.
is(ingest_statuses($new, $db, stream_part(7, 10)), '200,201,200,200', 'new cluster: the stream\'s second half ingested');
is($new->safe_psql($db, $events_rows_sql), $before{reference}, 'new cluster: the rows equal those of one delivery');
is( $new->safe_psql(
		$db, "SELECT count(*) || ' elements; others: ' || coalesce(string_agg(status || ' ' || message, ',' ORDER BY idx)
					FILTER (WHERE NOT (status = 200 AND (message LIKE 'duplicate:%' OR message = 'heartbeat recorded'))), 'none')
				FROM swisper.ingest_batch(\$ev\$$stream\$ev\$::jsonb)"),
	'10 elements; others: none', 'new cluster: the whole stream again: duplicates (and the heartbeat recorded)');
is( $new->safe_psql(
		$db, "SELECT count(*) || ' elements; others: ' || coalesce(string_agg(status || ' ' || message, ',' ORDER BY idx)
					FILTER (WHERE NOT (status = 200 AND message LIKE 'duplicate:%' OR status = 202)), 'none')
				FROM swisper.ingest_batch(\$ev\$$langfuse\$ev\$::jsonb, '$prod')"),
	'6 elements; others: none', 'new cluster: the Langfuse batch again: duplicates');
is($new->safe_psql($db, $events_rows_sql), $before{reference}, 'new cluster: re-delivery changes nothing');
is($new->safe_psql($refdb, $events_rows_sql), $before{reference}, 'new cluster: the reference database is intact');

# The way out still works.
my $traces_text = $new->safe_psql($db, $traces_text_sql);
$new->safe_psql($db, 'SELECT * FROM swisper.release_user_id()');
is($new->safe_psql($db, $user_id_type_sql), 'text', 'new cluster: release_user_id() turns user_id into text');
my ($dret, $dout, $derr) = $new->psql($db, 'DROP EXTENSION swisper_ext', on_error_stop => 1);
is($dret, 0, 'new cluster: DROP EXTENSION swisper_ext succeeds without CASCADE') or diag($derr);
is($new->safe_psql($db, $traces_text_sql), $traces_text, 'new cluster: every trace kept after DROP EXTENSION');
is( $new->safe_psql($db, "SELECT count(*) FROM pg_operator WHERE oprnamespace = 'pg_catalog'::regnamespace AND oprcode::text LIKE 'swisper.%'"),
	'0', 'new cluster: no operator of the extension left in pg_catalog');
is( join("\n", grep { /swisper heartbeat worker (ERROR|FATAL|PANIC):/ } split /\n/, slurp_file($new->logfile, $log_start)),
	'', 'new cluster: the worker logged no error');

$new->stop;
diag(sprintf('120_pg_upgrade: %.1f s', time() - $t0));
done_testing();
