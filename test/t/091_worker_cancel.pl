# pg_cancel_backend() on the heartbeat worker abandons a tick, not the
# process: cancels between ticks and a cancel of a tick blocked on a lock
# leave the same worker running (same pid, no exit in the server log), the
# cancelled tick is logged as such, and the worker goes on publishing.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use Time::HiRes qw(usleep);

my $proj = 'p-cancel';

my $node = swisper_node('cancel', conf => {
		'swisper.check_interval' => '200ms',
		'swisper.stale_after' => '1h',
		'swisper.disconnect_after' => '2h'
	}, platform => 1);

$node->safe_psql('postgres',
	"INSERT INTO projects (id, name, created_at, updated_at) VALUES ('$proj', 'cancel', now(), now())");

my $worker_query = "SELECT pid FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'";
ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ($worker_query) w"), 'worker runs');
my $pid = $node->safe_psql('postgres', $worker_query);

# Sends a heartbeat and waits until the worker has persisted it: last_seen
# moves past the value it had before.  This is what "goes on publishing"
# means.
sub publishes
{
	my ($what) = @_;
	my $before = $node->safe_psql('postgres',
		"SELECT coalesce(max(last_seen), '-infinity') FROM swisper.project_connection WHERE project_id = '$proj'");
	$node->safe_psql('postgres', "SELECT swisper.heartbeat('$proj')");
	ok( $node->poll_query_until(
			'postgres',
			"SELECT status = 'connected' AND last_seen > '$before' FROM swisper.project_connection WHERE project_id = '$proj'"),
		"$what: the worker publishes the next heartbeat");
}

# Waits until the worker has finished a loop that started after now.
sub ticked
{
	my $mark = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
	return $node->poll_query_until('postgres',
		"SELECT (swisper.health()->'worker'->>'last_loop')::timestamptz > '$mark'");
}

publishes('before any cancel');

# 1. Cancels at random points of the loop (mostly between ticks, which are
# short; some during one).
my $log_offset = -s $node->logfile;
for my $i (1 .. 5)
{
	is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', "cancel $i delivered");
	usleep(130_000);
}
ok(ticked(), 'the worker loops after the cancels');
is($node->safe_psql('postgres', $worker_query), $pid, 'five cancels: the same worker runs');
publishes('after five cancels');

# 2. A tick waiting for a lock on the status table, cancelled twice: each
# time the tick is abandoned (and logged), then the next one waits again.
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN');
$locker->query_safe('LOCK TABLE swisper.project_connection IN ACCESS EXCLUSIVE MODE');
for my $i (1 .. 2)
{
	ok( $node->poll_query_until(
			'postgres', "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $pid"),
		"tick $i waits for the lock");
	my $offset = -s $node->logfile;
	is($node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)"), 't', "cancel of blocked tick $i delivered");
	ok( defined eval {
			$node->wait_for_log(
				qr/swisper heartbeat worker tick cancelled: canceling statement due to user request/, $offset);
		},
		"blocked tick $i: the log says the tick was cancelled");
}
$locker->query_safe('COMMIT');
$locker->quit;
ok(ticked(), 'the worker loops after the lock is released');
is($node->safe_psql('postgres', $worker_query), $pid, 'cancelled blocked ticks: the same worker runs');
publishes('after the cancelled ticks');

my $log = slurp_file($node->logfile, $log_offset);
unlike($log, qr/"swisper heartbeat worker" \(PID \d+\) exited/, 'the worker never exited');
unlike($log, qr/FATAL:\s+canceling statement/, 'no cancel became FATAL');

$node->stop;
done_testing();
