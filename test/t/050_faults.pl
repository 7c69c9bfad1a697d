# Faults: what survives a SIGKILL and an immediate
# shutdown.
#
# 1. A backend SIGKILLed inside a large swisper.ingest_batch() call (22,000
#    events, 12,000 entities, generated in SQL): once inside the merge (it
#    holds the extension's entity locks), and once in the middle of writing
#    (every trace and observation row of the call already in the heap, the
#    merge-state upsert waiting on a row lock).  After the crash-restart
#    nothing of the call is there (traces, observations,
#    swisper.ingest_merge_state), an earlier committed batch it overlapped
#    is byte for byte as before, and delivering the same batch again gives
#    exactly the statuses, rows and merge state of a clean run in another
#    database; a third delivery is all duplicates.
# 2. The heartbeat worker SIGKILLed (040 checks that it comes back and
#    publishes after a new heartbeat; here): back within bgw_restart_time
#    (read from src/worker.c) plus a generous margin, and without any new
#    heartbeat a project that should be connected is connected and a stale
#    one stale, last_seen not moved back; also pg_terminate_backend(): the
#    worker is restarted after bgw_restart_time, not earlier.
# 3. Immediate shutdown after committed ingestion (also a batch committed
#    just before the stop) and heartbeats (040 checks heartbeat-only
#    statuses): every row and merge state equal, every status equal, no
#    last_seen going backwards; a project seen only through ingested events
#    stays connected.
#
# Timing is asserted only against bounds derived from the configured
# intervals, and only where the interval is the claim.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use IPC::Run;
use Time::HiRes qw(usleep time);

# Configured intervals; everything below derives its bounds from these.
my $check_interval = 1;     # s, swisper.check_interval
my $stale_after    = 10;    # s, swisper.stale_after
# bgw_restart_time as the worker registers it.
my ($restart_time) = (slurp_file('src/worker.c') =~ /bgw_restart_time\s*=\s*(\d+)\s*;/);
die 'bgw_restart_time not found in src/worker.c' unless defined $restart_time;

my $live  = 'p-live';     # keeps sending heartbeats: should be connected
my $quiet = 'p-quiet';    # one heartbeat at the start: should go stale

# Batch B has 12,000 entities, more than one call locks one by one: it
# takes the batch lock exclusively (field4 0x5358) and so runs alone, with
# the server's default lock table.
my $node = swisper_node('faults', conf => {
		'swisper.check_interval' => "${check_interval}s",
		'swisper.stale_after' => "${stale_after}s",
		'swisper.disconnect_after' => '1h',
		'restart_after_crash' => 'on',
		'log_statement' => 'none'
	});

# A batch generator (server side, deterministic): ntraces traces from
# tr-<first>, each a trace_start and nobs observations with a start and an
# end event; trace tr-<first + i> starts at epoch ts0 + i; pad sets the
# size of input/output (32 bytes per unit).
my $helpers = q{
CREATE FUNCTION gen_batch(project text, first int, ntraces int, nobs int, ts0 numeric, pad int)
RETURNS jsonb LANGUAGE sql AS $$
SELECT jsonb_agg(e ORDER BY ts, k)
  FROM (SELECT ts0 + (g - first) AS ts, 0 AS k,
			   jsonb_build_object('event_type', 'trace_start', 'trace_id', 'tr-' || g,
								  'project_id', project, 'timestamp', (ts0 + (g - first))::text,
								  'data', jsonb_build_object('name', 'trace ' || g,
															 'user_id', 'user-' || (g % 97),
															 'session_id', 'chat-' || (g % 13))) AS e
		  FROM generate_series(first, first + ntraces - 1) g
		UNION ALL
		SELECT ts0 + (g - first) + o * 0.01, 2 * o - 1,
			   jsonb_build_object('event_type', 'observation_start', 'trace_id', 'tr-' || g,
								  'observation_id', 'ob-' || g || '-' || o, 'project_id', project,
								  'timestamp', (ts0 + (g - first) + o * 0.01)::text,
								  'data', jsonb_build_object('name', 'step ' || o,
															 'type', (ARRAY['SPAN', 'GENERATION', 'TOOL'])[1 + o % 3],
															 'input', jsonb_build_object('prompt', repeat(md5(g || '/' || o), pad))))
		  FROM generate_series(first, first + ntraces - 1) g, generate_series(1, nobs) o
		UNION ALL
		SELECT ts0 + (g - first) + o * 0.01 + 0.005, 2 * o,
			   jsonb_build_object('event_type', 'observation_end', 'trace_id', 'tr-' || g,
								  'observation_id', 'ob-' || g || '-' || o, 'project_id', project,
								  'timestamp', (ts0 + (g - first) + o * 0.01 + 0.005)::text,
								  'data', jsonb_build_object('output', jsonb_build_object('answer', repeat(md5(o || '/' || g), pad)),
															 'level', 'DEFAULT'))
		  FROM generate_series(first, first + ntraces - 1) g, generate_series(1, nobs) o) s
$$;
CREATE TABLE batches (name text PRIMARY KEY, body jsonb);
-- A: 200 traces; B: 2,000 traces of which 50 (tr-151 .. tr-200) are A's,
-- with later events and other payloads, so that B changes A's rows.
INSERT INTO batches VALUES
	('A', gen_batch('p-faults', 1, 200, 5, 1762500000, 2)),
	('B', gen_batch('p-faults', 151, 2000, 5, 1762500150.5, 4));
-- Rows, merge state, and one digest of all three tables (fixture rows
-- included), for comparisons.
CREATE VIEW counts AS
SELECT (SELECT count(*) FROM traces) AS traces,
	   (SELECT count(*) FROM observations) AS observations,
	   (SELECT count(*) FROM swisper.ingest_merge_state) AS merge_state;
CREATE VIEW digest AS
SELECT md5(coalesce((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t), '') || '#' ||
		   coalesce((SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o), '') || '#' ||
		   coalesce((SELECT string_agg(s::text, '|' ORDER BY entity_kind, entity_id)
					   FROM swisper.ingest_merge_state s), '')) AS digest;
-- Heap tuples of a relation written by transaction x, committed or not
-- (pageinspect): what a call in progress has written.
CREATE EXTENSION pageinspect;
CREATE FUNCTION tuples_of_xid(rel regclass, x xid) RETURNS bigint LANGUAGE sql AS $$
SELECT count(*)
  FROM generate_series(0, pg_relation_size(rel) / current_setting('block_size')::int - 1) b,
	   LATERAL heap_page_items(get_raw_page(rel::text, b::int)) h
 WHERE h.t_xmin = x
$$;
-- Waits (up to timeout s) until the backend with this application_name
-- holds one of the extension's entity locks (advisory, field4 0x5357):
-- that is, it is inside ingest_apply(), past parsing.  Returns its pid.
CREATE FUNCTION wait_inside_merge(app text, timeout float8) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	p int;
	t0 timestamptz := clock_timestamp();
BEGIN
	LOOP
		PERFORM pg_stat_clear_snapshot();
		SELECT a.pid INTO p
		  FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
		 WHERE a.application_name = app AND l.locktype = 'advisory' AND l.objsubid IN (21335, 21336) AND l.granted
		 LIMIT 1;
		IF p IS NOT NULL OR clock_timestamp() - t0 > make_interval(secs => timeout) THEN
			RETURN p;
		END IF;
		PERFORM pg_sleep(0.002);
	END LOOP;
END
$$;
};

sub setup_db
{
	my ($db) = @_;
	$node->safe_psql($db, slurp_file('test/fixtures/observability_schema.sql'));
	$node->safe_psql($db, 'SET client_min_messages = warning; CREATE EXTENSION swisper_ext');
	$node->safe_psql($db,
		"INSERT INTO projects (id, name, created_at, updated_at) VALUES
			('p-faults', 'faults', now(), now()), ('$live', 'live', now(), now()),
			('$quiet', 'quiet', now(), now())");
	$node->safe_psql($db, $helpers);
}

# Statuses of one delivery of a stored batch, as "status:count,...".
sub deliver
{
	my ($db, $name) = @_;
	return $node->safe_psql($db,
		"SELECT string_agg(status || ':' || n, ',' ORDER BY status)
		   FROM (SELECT status, count(*) AS n
				   FROM swisper.ingest_batch((SELECT body FROM batches WHERE name = '$name'))
				  GROUP BY status) s");
}

sub worker_pid
{
	return $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'");
}

# Waits until the server accepts connections again after a crash, and
# until the worker runs and has finished a tick (health().worker.last_loop
# set); returns the worker's pid.
sub wait_for_worker
{
	my ($not_pid) = @_;
	$not_pid //= 0;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity
		  WHERE backend_type = 'swisper heartbeat worker' AND pid <> $not_pid")
	  or die 'worker did not come back';
	$node->poll_query_until('postgres',
		"SELECT (swisper.health() -> 'worker' ->> 'last_loop') IS NOT NULL")
	  or die 'worker did not tick';
	return worker_pid();
}

setup_db('postgres');
$node->safe_psql('postgres', 'CREATE DATABASE clean');
setup_db('clean');
wait_for_worker();

# The quiet project's one heartbeat: it is stale when part 2 starts.  The
# registry is shared memory: a heartbeat the worker has not yet persisted
# (at most check_interval old) is lost in the crash-restarts of part 1, as
# documented.  So wait until it is persisted; deliveries are fast enough to
# reach the first SIGKILL within a second.
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$quiet', 'quiet-env')");
my $t_quiet = time();
$node->poll_query_until('postgres',
	"SELECT last_seen IS NOT NULL FROM swisper.project_connection WHERE project_id = '$quiet'")
  or die 'the quiet heartbeat was not persisted';

is($node->safe_psql('postgres', "SELECT jsonb_array_length(body) FROM batches WHERE name = 'B'"),
	'22000', 'batch B holds 22,000 events');

# The clean run: A then B, no fault.
my $a_clean = deliver('clean', 'A');
my $b_clean = deliver('clean', 'B');
is($b_clean, '200:10300,201:11700',
	'clean run of B: 11,700 entities created, 10,300 events merged (ends, and A\'s 50 traces)');
my $counts_clean = $node->safe_psql('clean', 'SELECT * FROM counts');
my $digest_clean = $node->safe_psql('clean', 'SELECT digest FROM digest');

# Batch A commits in the faulted database.
is(deliver('postgres', 'A'), $a_clean, 'A delivered');
my $counts_a = $node->safe_psql('postgres', 'SELECT * FROM counts');
my $digest_a = $node->safe_psql('postgres', 'SELECT digest FROM digest');

# Starts delivering B in the background (application_name faults_big);
# returns the harness and its output refs.
sub start_big
{
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq',
			'-d', $node->connstr('postgres') . ' application_name=faults_big',
			'-c', "SELECT count(*) FROM swisper.ingest_batch((SELECT body FROM batches WHERE name = 'B'))"
		],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# Rows of the traces only B has (tr-201 .. tr-2150): traces, observations,
# merge-state entries.
sub b_own_rows
{
	return $node->safe_psql('postgres',
		"SELECT (SELECT count(*) FROM traces WHERE substring(id FROM '^tr-(\\d+)\$')::int > 200) || ' ' ||
				(SELECT count(*) FROM observations WHERE substring(id FROM '^ob-(\\d+)-')::int > 200) || ' ' ||
				(SELECT count(*) FROM swisper.ingest_merge_state
				  WHERE substring(entity_id FROM '^(?:tr|ob)-(\\d+)')::int > 200)");
}

# After a crash-restart: nothing of B, A intact.
sub check_nothing_of_b
{
	my ($when) = @_;
	is(b_own_rows(), '0 0 0', "$when: no trace, observation or merge state of B's own 1,950 traces");
	is($node->safe_psql('postgres', 'SELECT * FROM counts'), $counts_a,
		"$when: traces, observations and merge state counted as after A: nothing of B");
	is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $digest_a,
		"$when: every row and merge state of A (and of the fixture) as before");
}

# 1a. SIGKILL once the call is inside the merge (holds entity locks).
my ($h, $out, $err) = start_big();
my $pid = $node->safe_psql('postgres', "SELECT wait_inside_merge('faults_big', 60)");
ok($pid =~ /^\d+$/, 'the big call is inside the merge (holds entity locks)');
kill 'KILL', $pid;
$h->finish;
like($$err, qr/server closed the connection unexpectedly|terminating connection|connection to server was lost/,
	'the caller sees its connection lost, no result');
is($$out, '', 'and got no result row');
wait_for_worker();
check_nothing_of_b('after SIGKILL inside the merge');

# 1b. SIGKILL in the middle of writing: another session holds a row lock on
# the merge state of trace tr-160 (A's, touched by B), so B stops in its
# last upsert, after writing every trace and observation row of the call.
my ($bout, $berr) = ('', '');
my $blocker = IPC::Run::start(
	[
		$node->installed_command('psql'), '-XAtq',
		'-d', $node->connstr('postgres') . ' application_name=faults_blocker',
		'-c', "BEGIN; SELECT entity_id FROM swisper.ingest_merge_state
				WHERE entity_kind = 't' AND entity_id = 'tr-160' FOR UPDATE; SELECT pg_sleep(300)"
	],
	'>', \$bout, '2>', \$berr);
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'faults_blocker' AND wait_event = 'PgSleep'")
  or die 'blocker did not start';
($h, $out, $err) = start_big();
ok( $node->poll_query_until(
		'postgres',
		"SELECT wait_event_type = 'Lock' AND wait_event = 'transactionid' AND backend_xid IS NOT NULL
		   FROM pg_stat_activity WHERE application_name = 'faults_big'"),
	'the big call waits on the row lock in the middle of writing');
my ($xid);
($pid, $xid) = split /\|/, $node->safe_psql('postgres',
	"SELECT pid, backend_xid FROM pg_stat_activity WHERE application_name = 'faults_big'");
is( $node->safe_psql('postgres',
		"SELECT tuples_of_xid('traces', '$xid') || ' ' || tuples_of_xid('observations', '$xid')"),
	'2000 10000',
	'every trace and observation row of the call is in the heap already (2,000 + 10,000 tuples of its xid)');
kill 'KILL', $pid;
$h->finish;
$blocker->finish;
is($$out, '', 'the killed call got no result row');
wait_for_worker();
check_nothing_of_b('after SIGKILL while writing');

# Delivered again: exactly once, as in the clean run.
is(deliver('postgres', 'B'), $b_clean, 'B delivered again: the statuses of the clean run (no "already ingested")');
is(b_own_rows(), '1950 9750 11700', "B's own traces, observations and merge state are there now");
is($node->safe_psql('postgres', 'SELECT * FROM counts'), $counts_clean,
	'rows and merge state counted as in the clean run');
is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $digest_clean,
	'every row and merge state equal to the clean run');
is(deliver('postgres', 'B'), '200:22000', 'a third delivery: all 22,000 duplicates');
is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $digest_clean, 'and nothing changed');

# 2. SIGKILL the worker.  The live project heartbeats; the quiet one went
# stale (stale_after after its one heartbeat).
ok( $node->poll_query_until(
		'postgres', "SELECT status = 'stale' FROM swisper.project_connection WHERE project_id = '$quiet'"),
	'quiet published stale');
my $t_live = time();
my $hb_at = $node->safe_psql('postgres',
	"SELECT clock_timestamp(), swisper.heartbeat('$live', 'live-env', '1.0', '0.9')");
$hb_at =~ s/\|.*//s;
ok( $node->poll_query_until(
		'postgres',
		"SELECT string_agg(project_id || '=' || status, ',' ORDER BY project_id) = '$live=connected,$quiet=stale'
			AND max(last_seen) FILTER (WHERE project_id = '$live') >= '$hb_at'
		   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet')"),
	'before: live connected (its heartbeat persisted), quiet stale');
my $seen_before = $node->safe_psql('postgres',
	"SELECT string_agg(project_id || '=' || last_seen, ',' ORDER BY project_id)
	   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet')");
my $old_pid = worker_pid();
my $t_kill = time();
kill 'KILL', $old_pid;
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity
	  WHERE backend_type = 'swisper heartbeat worker' AND pid <> $old_pid")
  or die 'worker did not come back';
my $back_after = time() - $t_kill;
diag(sprintf('SIGKILLed worker back after %.2f s (bgw_restart_time %d s; a crash restarts it right after recovery)',
		$back_after, $restart_time));
cmp_ok($back_after, '<=', $restart_time + 5,
	"SIGKILLed worker back within bgw_restart_time ($restart_time s) + 5 s");
wait_for_worker($old_pid);
# The first tick after the crash has run; no heartbeat since the kill.
usleep(($check_interval * 2) * 1_000_000);
my $elapsed_live = time() - $t_live;
is( $node->safe_psql('postgres',
		"SELECT string_agg(project_id || '=' || status, ',' ORDER BY project_id)
		   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet')"),
	"$live=connected,$quiet=stale",
	sprintf('after the restart, without a new heartbeat: live connected (seen %.1f s ago, stale_after %d s), quiet stale',
		$elapsed_live, $stale_after));
is( $node->safe_psql('postgres',
		"SELECT string_agg(project_id || '=' || status, ',' ORDER BY project_id)
		   FROM swisper.project_status WHERE project_id IN ('$live', '$quiet')"),
	"$live=connected,$quiet=stale", 'the view says the same');
is( $node->safe_psql('postgres',
		"SELECT string_agg(project_id || '=' || last_seen, ',' ORDER BY project_id)
		   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet')"),
	$seen_before, 'last_seen of both as before the kill');
is($node->safe_psql('postgres', "SELECT environment FROM swisper.project_connection WHERE project_id = '$live'"),
	'live-env', 'metadata kept');

# pg_terminate_backend(): the worker exits 1 after a last tick, and the
# postmaster restarts it after bgw_restart_time (no crash, registry kept).
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$live')");
$old_pid = worker_pid();
my $t_term = time();
$node->safe_psql('postgres', "SELECT pg_terminate_backend($old_pid)");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity
	  WHERE backend_type = 'swisper heartbeat worker' AND pid <> $old_pid")
  or die 'worker did not come back';
$back_after = time() - $t_term;
diag(sprintf('terminated worker back after %.2f s (bgw_restart_time %d s)', $back_after, $restart_time));
cmp_ok($back_after, '>=', $restart_time - 1, "terminated worker waits bgw_restart_time ($restart_time s) to restart");
cmp_ok($back_after, '<=', $restart_time + 5, "and is back within bgw_restart_time + 5 s");
wait_for_worker($old_pid);
is( $node->safe_psql('postgres',
		"SELECT string_agg(project_id || '=' || status, ',' ORDER BY project_id)
		   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet')"),
	"$live=connected,$quiet=stale", 'statuses right after the restart');

# 3. Immediate shutdown after committed ingestion and heartbeats.  The live
# project heartbeats; a fourth project is seen only through ingested events
# (their timestamps are now); the worker persists it all; then one more
# batch commits and the server stops at once.
$node->safe_psql('postgres',
	"INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p-ingest', 'ingest only', now(), now());
	 INSERT INTO batches VALUES
		('C', gen_batch('p-ingest', 100001, 300, 4, extract(epoch FROM now())::numeric(16,6) - 300, 3)),
		('D', gen_batch('p-ingest', 100251, 100, 4, extract(epoch FROM now())::numeric(16,6) - 49.5, 3))");
is(deliver('postgres', 'C'), '200:1200,201:1500', 'C: 300 traces, 1,200 observations');
$hb_at = $node->safe_psql('postgres', "SELECT clock_timestamp(), swisper.heartbeat('$live')");
$hb_at =~ s/\|.*//s;
ok( $node->poll_query_until(
		'postgres',
		"SELECT string_agg(project_id || '=' || status, ',' ORDER BY project_id)
				= 'p-ingest=connected,$live=connected,$quiet=stale'
			AND max(last_seen) FILTER (WHERE project_id = '$live') >= '$hb_at'
			AND max(last_seen) FILTER (WHERE project_id = 'p-ingest') > now() - interval '1 min'
		   FROM swisper.project_connection WHERE project_id IN ('$live', '$quiet', 'p-ingest')"),
	'worker persisted the sightings: live (heartbeat) and p-ingest (events only) connected, quiet stale');
$node->safe_psql('postgres', 'CREATE TABLE status_before AS SELECT * FROM swisper.project_connection');
my $view_before = $node->safe_psql('postgres', 'SELECT project_id, status FROM swisper.project_status ORDER BY 1');
is(deliver('postgres', 'D'), '200:650,201:250', 'D: 100 traces (50 of C\'s), committed right before the stop');
my $counts_d = $node->safe_psql('postgres', 'SELECT * FROM counts');
my $digest_d = $node->safe_psql('postgres', 'SELECT digest FROM digest');
my $t_stop = time();
$node->stop('immediate');
$node->start;
wait_for_worker();
usleep(($check_interval * 2) * 1_000_000);
is($node->safe_psql('postgres', 'SELECT * FROM counts'), $counts_d,
	'after the immediate shutdown: every committed row and merge state counted');
is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $digest_d, 'and equal byte for byte');
diag(sprintf('statuses checked %.1f s after the stop (stale_after %d s)', time() - $t_stop, $stale_after));
is( $node->safe_psql('postgres',
		"SELECT count(*) || ' projects, differences: ' ||
				coalesce(string_agg(coalesce(b.project_id, a.project_id), ','), 'none')
		   FROM status_before b FULL JOIN swisper.project_connection a USING (project_id)
		  WHERE a.project_id IS NULL OR b.project_id IS NULL
			 OR a.status IS DISTINCT FROM b.status
			 OR a.connected_since IS DISTINCT FROM b.connected_since
			 OR a.environment IS DISTINCT FROM b.environment
			 OR a.last_seen < b.last_seen
			 OR (a.project_id <> 'p-ingest' AND a.last_seen <> b.last_seen)"),
	'0 projects, differences: none',
	'swisper.project_connection: every status, connected_since and metadata as before; last_seen as before '
	  . '(p-ingest, seen by D just before the stop: not earlier)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM swisper.project_connection'),
	$node->safe_psql('postgres', 'SELECT count(*) FROM status_before'), 'no status row lost or added');
is($node->safe_psql('postgres', 'SELECT project_id, status FROM swisper.project_status ORDER BY 1'),
	$view_before, 'swisper.project_status as before');
is(deliver('postgres', 'D'), '200:900', 'D again: all duplicates');

$node->stop;
done_testing();
