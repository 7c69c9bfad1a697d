# Cancel and timeout: a swisper.ingest_batch() call stopped by a
# statement_timeout or by pg_cancel_backend() from another session fails
# with SQLSTATE 57014 and commits nothing (traces, observations, merge
# state), wherever it is stopped:
#
# - parse, first pass: a domain over traces.session_id whose CHECK sleeps
#   0.5 ms makes converting 3,000 elements take seconds, in the
#   subtransaction of the first pass (the table has a column of a type whose
#   input may fail: user_id is swisper.external_id);
# - parse, careful pass: the same, after a refused user_id in the first
#   element sent the call to the pass that converts each value in its own
#   subtransaction;
# - lock: another session's open transaction ingested one of the call's
#   traces and holds its entity lock;
# - write: a CHECK of observations that sleeps 0.5 ms, in the upsert;
# - merge state: an index on swisper.ingest_merge_state whose expression
#   sleeps 0.5 ms, while the state rows are written.
#
# And a batch of 12,000 SDK stream entries whose data is a JSON string
# (about 50 MB) under a statement_timeout of 100 ms: the error is 57014 and
# nothing is committed (its time is printed, not asserted).  The timeout is
# far below what the call takes on any machine (a fast one ingests the batch
# in well under a second, so 1 s might let it commit).
#
# After all that, the parse batch delivered without a timeout creates its
# 3,000 traces: the cancelled calls left nothing behind.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use IPC::Run;
use Time::HiRes qw(time);

my $project = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';

my $node = swisper_node('cancel', platform => 1);

# The slow conversions, and the batches.  gen(): stream entries of traces
# prefix-1 .. prefix-n, nobs observations each; sess adds a session_id (through
# the slow domain).
$node->safe_psql(
	'postgres', qq{
CREATE FUNCTION slow_ok(t text) RETURNS boolean LANGUAGE plpgsql AS
\$\$ BEGIN PERFORM pg_sleep(0.0005); RETURN true; END \$\$;
CREATE FUNCTION slow_key(t text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS
\$\$ BEGIN PERFORM pg_sleep(0.0005); RETURN t; END \$\$;
CREATE DOMAIN slow_session AS varchar CHECK (slow_ok(VALUE));
ALTER TABLE traces ALTER COLUMN session_id TYPE slow_session;

CREATE FUNCTION gen(prefix text, n int, nobs int, sess boolean) RETURNS jsonb LANGUAGE sql AS \$\$
SELECT jsonb_agg(e ORDER BY k)
  FROM (SELECT g * 100 AS k,
			   jsonb_build_object('event_type', 'trace_start', 'trace_id', prefix || '-' || g,
								  'project_id', '$project', 'timestamp', (1762500000 + g)::text,
								  'data', jsonb_build_object('name', 'trace ' || g)
										  || CASE WHEN sess THEN jsonb_build_object('session_id', 's-' || g)
												  ELSE '{}' END) AS e
		  FROM generate_series(1, n) g
		UNION ALL
		SELECT g * 100 + o,
			   jsonb_build_object('event_type', 'observation_start', 'trace_id', prefix || '-' || g,
								  'observation_id', prefix || '-' || g || '-' || o, 'project_id', '$project',
								  'timestamp', (1762500000 + g + o * 0.01)::text,
								  'data', jsonb_build_object('name', 'step ' || o, 'type', 'SPAN'))
		  FROM generate_series(1, n) g, generate_series(1, nobs) o) s
\$\$;
CREATE TABLE batches (name text PRIMARY KEY, body jsonb);
-- one batch per point and way of stopping, with ids of its own (pa-t-1,
-- pa-c-1, ...): a batch one call committed would be all duplicates in the
-- next, and change nothing
INSERT INTO batches
SELECT p.name || '-' || h.how, gen(p.prefix || '-' || left(h.how, 1), p.n, p.nobs, p.sess)
  FROM (VALUES ('parse', 'pa', 3000, 0, true), ('careful', 'ca', 3000, 0, true),
			   ('lock', 'lk', 500, 0, false), ('write', 'wr', 300, 10, false),
			   ('state', 'st', 3000, 0, false)) p(name, prefix, n, nobs, sess),
	   (VALUES ('timeout'), ('cancel')) h(how);
-- the first element's user_id is refused by swisper.external_id
UPDATE batches SET body = jsonb_set(body, '{0,data,user_id}', '" bad"') WHERE name LIKE 'careful-%';
INSERT INTO batches VALUES
	-- 12,000 SDK stream entries, data a JSON string of about 4 kB
	('sdk', (SELECT jsonb_agg(jsonb_build_object(
				'event_type', 'observation_start', 'trace_id', 'sdk-' || (g / 10),
				'observation_id', 'sdk-o-' || g, 'project_id', '$project',
				'timestamp', (1762500000 + g)::text,
				'data', jsonb_build_object('name', 'step ' || g, 'type', 'SPAN',
										   'input', jsonb_build_object('prompt', repeat(md5(g::text), 64)),
										   'output', jsonb_build_object('answer', repeat(md5((-g)::text), 62)))::text)
				ORDER BY g)
			   FROM generate_series(1, 12000) g));
CREATE VIEW digest AS
SELECT (SELECT count(*) FROM traces) || ' traces, ' ||
	   (SELECT count(*) FROM observations) || ' observations, ' ||
	   (SELECT count(*) FROM swisper.ingest_merge_state) || ' merge states, ' ||
	   md5(coalesce((SELECT string_agg(t::text, '|' ORDER BY id) FROM traces t), '') || '#' ||
		   coalesce((SELECT string_agg(o::text, '|' ORDER BY id) FROM observations o), '') || '#' ||
		   coalesce((SELECT string_agg(s::text, '|' ORDER BY entity_kind, entity_id)
					   FROM swisper.ingest_merge_state s), '')) AS digest;
});
cmp_ok($node->safe_psql('postgres', "SELECT octet_length(body::text) FROM batches WHERE name = 'sdk'"),
	'>', 45_000_000, 'the SDK batch holds more than 45 MB of JSON');

# Conditions on the call's backend (application_name cancel_call): asleep
# in a slow conversion, and holding one of the extension's advisory locks
# (entity 0x5357, batch 0x5358), which are taken after parsing.
my $sleeping = "a.wait_event = 'PgSleep'";
my $locked = "EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
						AND l.objsubid IN (21335, 21336) AND l.granted)";
my %phase = (
	parse => "$sleeping AND NOT $locked",
	lock => "a.wait_event_type = 'Lock' AND a.wait_event = 'advisory'",
	write => "$sleeping AND $locked",);

# Runs one call of batch $name in its own session.  With $timeout, under
# that statement_timeout; otherwise it is cancelled with pg_cancel_backend()
# once its backend satisfies $phase{$at}.  Returns psql's stderr (verbose,
# so that it shows the SQLSTATE), stdout and the seconds the call took.
sub stopped_call
{
	my ($name, %opt) = @_;
	my ($out, $err) = ('', '');
	my $t0 = time();
	my $h = IPC::Run::start(
		[
			$node->installed_command('psql'), '-XAtq', '-v', 'VERBOSITY=verbose',
			'-d', $node->connstr('postgres') . ' application_name=cancel_call',
			'-c', "SET statement_timeout = '" . ($opt{timeout} // 0) . "'",
			'-c', "SELECT count(*) FROM swisper.ingest_batch((SELECT body FROM batches WHERE name = '$name'))"
		],
		'>', \$out, '2>', \$err);
	if (!$opt{timeout})
	{
		$node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_stat_activity a
			  WHERE a.application_name = 'cancel_call' AND $phase{$opt{at}}")
		  or die "the call of $name did not reach its $opt{at} phase";
		is( $node->safe_psql('postgres',
				"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'cancel_call'"),
			't', "$name: pg_cancel_backend() during the $opt{at} phase");
	}
	$h->finish;
	return ($err, $out, time() - $t0);
}

# Stops the call both ways, and checks the error and that nothing changed.
sub check_stopped
{
	my ($name, $at, $timeout, $what) = @_;
	for my $how ('timeout', 'cancel')
	{
		my $before = $node->safe_psql('postgres', 'SELECT digest FROM digest');
		my ($err, $out, $secs) = $how eq 'timeout'
		  ? stopped_call("$name-timeout", timeout => $timeout)
		  : stopped_call("$name-cancel", at => $at);
		my $reason = $how eq 'timeout' ? 'statement timeout' : 'user request';
		like($err, qr/ERROR:  57014: canceling statement due to $reason/,
			"$what, stopped by " . ($how eq 'timeout' ? "statement_timeout $timeout" : 'pg_cancel_backend()')
			  . ': the call fails with 57014');
		is($out, '', "$what ($how): no result row");
		is($node->safe_psql('postgres', 'SELECT digest FROM digest'),
			$before, "$what ($how): nothing committed (traces, observations, merge state)");
		diag(sprintf('%s (%s): stopped after %.2f s', $what, $how, $secs));
	}
}

my $empty = $node->safe_psql('postgres', 'SELECT digest FROM digest');

# Parse: first pass, then careful pass.
check_stopped('parse', 'parse', '500ms', 'parse, first pass (3,000 slow session_id values)');
check_stopped('careful', 'parse', '500ms', 'parse, careful pass (a refused user_id first)');

# Lock: an open transaction holds the entity lock of trace lk-1.
my $holder = $node->background_psql('postgres');
$holder->query_safe(
	"BEGIN; SELECT count(*) FROM swisper.ingest_batch((SELECT jsonb_agg(body -> 0) FROM batches
													   WHERE name LIKE 'lock-%'))");
check_stopped('lock', 'lock', '500ms', 'lock (another transaction holds the lock of one of its traces)');
$holder->query_safe('ROLLBACK');
$holder->quit;

# Write: the upsert of 3,000 observations checks a slow CHECK per row.
$node->safe_psql('postgres', 'ALTER TABLE observations ADD CONSTRAINT slow_name CHECK (slow_ok(name)) NOT VALID');
check_stopped('write', 'write', '500ms', 'write (a slow CHECK on observations.name)');
$node->safe_psql('postgres', 'ALTER TABLE observations DROP CONSTRAINT slow_name');

# Merge state: every one of 3,000 state rows is indexed through a slow
# expression.
$node->safe_psql('postgres', 'CREATE INDEX slow_state ON swisper.ingest_merge_state (slow_key(entity_id))');
check_stopped('state', 'write', '500ms', 'merge state (an index with a slow expression)');
$node->safe_psql('postgres', 'DROP INDEX swisper.slow_state');

is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $empty, 'nothing of any stopped call is stored');

# 12,000 SDK entries (data a JSON string) under a 100 ms statement_timeout.
my ($err, $out, $secs) = stopped_call('sdk', timeout => '100ms');
like($err, qr/ERROR:  57014: canceling statement due to statement timeout/,
	'12,000 SDK entries (about 50 MB) under statement_timeout 100ms: the call fails with 57014');
is($node->safe_psql('postgres', 'SELECT digest FROM digest'), $empty, 'and nothing is committed');
diag(sprintf('12,000 SDK entries under statement_timeout 100ms: the error after %.2f s', $secs));

# Delivered without a timeout, the parse batch creates its traces.
is( $node->safe_psql('postgres',
		"SELECT string_agg(status || ':' || n, ',' ORDER BY status)
		   FROM (SELECT status, count(*) AS n
				   FROM swisper.ingest_batch((SELECT body FROM batches WHERE name = 'parse-timeout'))
				  GROUP BY status) s"),
	'201:3000', 'the parse batch without a timeout: 3,000 traces created');
is($node->safe_psql('postgres', "SELECT count(*) FROM traces WHERE id LIKE 'pa-t-%' AND session_id IS NOT NULL"),
	'3000', 'with their session ids');

$node->stop;
done_testing();
