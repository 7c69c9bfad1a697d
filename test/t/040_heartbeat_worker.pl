# The heartbeat worker does its job: transitions with short thresholds, the
# NOTIFY payloads as a LISTENing client receives them, back to connected,
# SIGHUP-changed thresholds, DROP/CREATE EXTENSION under the worker, the
# state after a crash, a SIGKILLed worker coming back, 8 clients x 1,000
# projects losing nothing (also with a registry too small for them), and the
# extension without shared_preload_libraries.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use IPC::Run;
use JSON::PP;
use Time::HiRes qw(usleep time);

my $prod    = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';
my $staging = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';

my $node = swisper_node('heartbeat', conf => {
		'swisper.check_interval' => '1s',
		'swisper.stale_after' => '2s',
		'swisper.disconnect_after' => '4s',
		'restart_after_crash' => 'on'
	}, platform => 1);

# The worker is named in pg_stat_activity.
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'worker runs, named in pg_stat_activity');

# A client that LISTENs and writes what it receives to a file.
my $notify_file = $PostgreSQL::Test::Utils::tmp_check . '/notifications.jsonl';
my $connstr = 'host=' . $node->host . ' port=' . $node->port . ' dbname=postgres';
my $listener;
END { $listener->kill_kill if $listener; }
$listener = IPC::Run::start([ '/usr/bin/python3', 'test/t/notify_listener.py', $connstr, $notify_file ]);
wait_for_file_line(qr/^READY$/, 0);

# The notifications received so far, as [received_at, payload].
sub notifications
{
	my @out;
	return @out unless -e $notify_file;
	foreach my $line (split /\n/, slurp_file($notify_file))
	{
		next if $line eq 'READY';
		my $n = decode_json($line);
		push @out, [ $n->{received_at}, $n->{payload} ];
	}
	return @out;
}

sub wait_for_file_line
{
	my ($re, $skip) = @_;
	for (my $i = 0; $i < 600; $i++)
	{
		if (-e $notify_file)
		{
			my @lines = grep { $_ =~ $re } split /\n/, slurp_file($notify_file);
			return 1 if @lines > $skip;
		}
		usleep(100_000);
	}
	die "timed out waiting for $re in $notify_file";
}

# Waits for the first notification, after the first $from ones, about
# project $p with status $s; returns [received_at, payload, index].
sub wait_for_notify
{
	my ($p, $s, $from) = @_;
	for (my $i = 0; $i < 600; $i++)
	{
		my @n = notifications();
		for (my $k = $from; $k < @n; $k++)
		{
			return [ @{ $n[$k] }, $k ]
			  if $n[$k][1]{project_id} eq $p && $n[$k][1]{status} eq $s;
		}
		usleep(100_000);
	}
	return [ undef, { project_id => $p, status => 'timed out' }, $from ];
}

sub epoch_of
{
	my ($ts) = @_;
	return $node->safe_psql('postgres', "SELECT extract(epoch FROM '$ts'::timestamptz)");
}

sub status_of
{
	my ($p) = @_;
	return $node->safe_psql('postgres',
		"SELECT status FROM swisper.project_connection WHERE project_id = '$p'");
}

# 1. connected -> stale -> disconnected, each announced.
my $t0 = time();
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod', 'production', '2.4.1', '0.9.0')");
my $n = wait_for_notify($prod, 'connected', 0);
is($n->[1]{status}, 'connected', 'NOTIFY connected after the first heartbeat');
is($n->[1]{environment} . ' ' . $n->[1]{app_version} . ' ' . $n->[1]{sdk_version},
	'production 2.4.1 0.9.0', 'payload carries environment and versions');
ok(defined $n->[1]{last_seen} && exists $n->[1]{previous_status}, 'payload carries last_seen and previous_status');
ok($n->[0] - $t0 < 2.5, 'connected announced within a tick and a half');

my $stale = wait_for_notify($prod, 'stale', $n->[2]);
is($stale->[1]{status}, 'stale', 'NOTIFY stale after stale_after');
my $seen = epoch_of($stale->[1]{last_seen});
my $delay = $stale->[0] - ($seen + 2);
diag(sprintf('threshold crossing to NOTIFY (stale): %.3f s', $delay));
ok($delay >= 0 && $delay < 2.0, 'stale announced within one tick of the threshold');
is($stale->[1]{previous_status}, 'connected', 'previous_status is connected');

my $disc = wait_for_notify($prod, 'disconnected', $stale->[2]);
is($disc->[1]{status}, 'disconnected', 'NOTIFY disconnected after disconnect_after');
$delay = $disc->[0] - ($seen + 4);
diag(sprintf('threshold crossing to NOTIFY (disconnected): %.3f s', $delay));
ok($delay >= 0 && $delay < 2.0, 'disconnected announced within one tick of the threshold');
is(status_of($prod), 'disconnected', 'status table says disconnected');

# 2. Back to connected on the next heartbeat.
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod')");
my $back = wait_for_notify($prod, 'connected', $disc->[2]);
is($back->[1]{status},          'connected',    'back to connected on the next heartbeat');
is($back->[1]{previous_status}, 'disconnected', 'coming from disconnected');
is($back->[1]{environment},     'production',   'environment kept when the heartbeat has none');

# 3. SIGHUP changes the thresholds: with 1h nothing goes stale, back to the
# file's 2s/4s the project is disconnected.
$node->safe_psql('postgres', "ALTER SYSTEM SET swisper.stale_after = '1h'");
$node->safe_psql('postgres', "ALTER SYSTEM SET swisper.disconnect_after = '2h'");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
my $count_before = scalar(notifications());
sleep(6);
my @after = grep { $_->[1]{project_id} eq $prod } (notifications())[ $count_before .. scalar(notifications()) - 1 ];
is(scalar(@after), 0, 'after SIGHUP with stale_after = 1h the project stays connected');
is(status_of($prod), 'connected', 'status table still connected');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET swisper.stale_after');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET swisper.disconnect_after');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
$disc = wait_for_notify($prod, 'disconnected', $back->[2]);
is($disc->[1]{status}, 'disconnected', 'after SIGHUP back to 2s/4s the project is disconnected');

# 4. DROP EXTENSION / CREATE EXTENSION under the running worker.
$node->safe_psql('postgres', 'SELECT swisper.release_user_id(); DROP EXTENSION swisper_ext');
sleep(2);
$node->safe_psql('postgres', 'CREATE EXTENSION swisper_ext');
my $mark = scalar(notifications());
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod')");
$n = wait_for_notify($prod, 'connected', $mark);
is($n->[1]{status}, 'connected', 'worker serves a re-created extension');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'1', 'the same worker kept running');

# 5. State right after a crash: last_seen is persisted every tick, also when
# the status does not change.
$node->safe_psql('postgres', "ALTER SYSTEM SET swisper.stale_after = '30s'");
$node->safe_psql('postgres', "ALTER SYSTEM SET swisper.disconnect_after = '60s'");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$staging', 'staging')");
wait_for_notify($staging, 'connected', $mark);
my $first_seen = $node->safe_psql('postgres',
	"SELECT last_seen FROM swisper.project_connection WHERE project_id = '$staging'");
usleep(1_200_000);
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$staging')");
ok( $node->poll_query_until(
		'postgres',
		"SELECT last_seen > '$first_seen' FROM swisper.project_connection WHERE project_id = '$staging'"),
	'last_seen persisted without a status change');
usleep(1_500_000);
my $before = $node->safe_psql('postgres',
	'SELECT project_id, status, last_seen FROM swisper.project_connection ORDER BY 1');
$node->stop('immediate');
$node->start;
my $view_after = $node->safe_psql('postgres',
	'SELECT project_id, status, last_seen FROM swisper.project_status ORDER BY 1');
is($view_after, $before, 'right after a crash the view has the statuses and last_seen of before');
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'worker back after the crash');
sleep(2);
is($node->safe_psql('postgres',
		'SELECT project_id, status, last_seen FROM swisper.project_connection ORDER BY 1'),
	$before, 'after its first ticks the worker publishes the same statuses');

# 6. A SIGKILLed worker comes back.
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'");
kill 'KILL', $pid;
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker' AND pid <> $pid"),
	'SIGKILLed worker comes back');
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod')");
ok( $node->poll_query_until(
		'postgres',
		"SELECT status = 'connected' FROM swisper.project_connection WHERE project_id = '$prod'"),
	'and publishes again');
is($node->safe_psql('postgres', "SELECT swisper.health() -> 'worker' ->> 'running'"),
	'true', 'health() sees the worker');

# 7. 8 clients sending heartbeats for 1,000 projects at once lose none.
# $per_call: one heartbeat per transaction (as the SDK sends them), each
# project three times in all; otherwise each transaction sends all 1,000 in
# random order.
sub load_projects
{
	my ($prefix, $per_call) = @_;
	$node->safe_psql('postgres',
		"INSERT INTO projects (id, name, created_at, updated_at)
		 SELECT '$prefix-' || lpad(g::text, 4, '0'), 'load ' || g, now(), now()
		   FROM generate_series(1, 1000) g;
		 CREATE SEQUENCE seq_$prefix");
	my $script = $per_call
	  ? "SELECT swisper.heartbeat('$prefix-' || lpad(((nextval('seq_$prefix') - 1) % 1000 + 1)::text, 4, '0'),
			'env-' || :client_id);"
	  : "SELECT count(swisper.heartbeat(id, 'env-' || :client_id))
			FROM (SELECT '$prefix-' || lpad(g::text, 4, '0') AS id
					FROM generate_series(1, 1000) g ORDER BY random()) s;";
	my $tx = $per_call ? 375 : 3;
	my $total = 8 * $tx;
	$node->pgbench(
		"-n -c 8 -j 8 -t $tx",
		0, [qr{processed: $total/$total}], [$per_call ? qr/^(WARNING|DETAIL|HINT|$)/ : qr/^$/],
		"8 clients x 1,000 projects x 3 heartbeats ($prefix)",
		{ "040_$prefix" => $script });
	ok( $node->poll_query_until(
			'postgres',
			"SELECT count(*) = 1000 FROM swisper.project_connection
			  WHERE project_id LIKE '$prefix-%' AND status = 'connected'
				AND last_heartbeat > now() - interval '1 minute' AND environment LIKE 'env-%'"),
		"all 1,000 projects ($prefix) recorded and published");
}
load_projects('load', 0);
cmp_ok($node->safe_psql('postgres', "SELECT (swisper.health() -> 'registry' ->> 'entries')::int"),
	'>=', 1000, 'the registry holds them');
is($node->safe_psql('postgres', "SELECT swisper.health() -> 'registry' ->> 'evictions'"),
	'0', 'no eviction below swisper.max_projects');

# 8. A registry too small: persisted entries are evicted, sightings that
# find no room go to the table, one WARNING, and still nothing is lost.
$node->append_conf('postgresql.conf', 'swisper.max_projects = 16');
$node->restart;
my $log_offset = -s $node->logfile;
load_projects('full', 1);
my $h = decode_json($node->safe_psql('postgres', "SELECT swisper.health() -> 'registry'"));
cmp_ok($h->{entries}, '<=', 16, 'registry holds at most swisper.max_projects');
cmp_ok($h->{evictions} + $h->{fallback_writes}, '>', 0, 'entries were evicted or written to the table');
diag("registry with 16 slots: $h->{evictions} evictions, $h->{fallback_writes} table writes");
# Once the worker has persisted the registry's entries, a new project
# evicts one instead of going to the table.
my $before_evictions = $h->{evictions};
sleep(3);
# (The registry holds the projects that came first; these came last.)
$node->safe_psql('postgres', "SELECT swisper.heartbeat('full-1000')");
$node->safe_psql('postgres', "SELECT swisper.heartbeat('full-0999')");
$h = decode_json($node->safe_psql('postgres', "SELECT swisper.health() -> 'registry'"));
cmp_ok($h->{evictions}, '>', $before_evictions, 'persisted entries are evicted to make room');
my $log = slurp_file($node->logfile, $log_offset);
my @warnings = ($log =~ /WARNING:  heartbeat registry is full/g);
is(scalar(@warnings), 1, 'one WARNING when the registry fills');

# 9. Without shared_preload_libraries: heartbeats go to the table, health()
# says how to turn the worker on, and the extension can be re-created.
$node->append_conf('postgresql.conf', "shared_preload_libraries = ''");
$node->restart;
$node->safe_psql('postgres', 'SELECT swisper.release_user_id(); DROP EXTENSION swisper_ext');
$node->safe_psql('postgres', 'CREATE EXTENSION swisper_ext');
is($node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod', 'nopreload') ->> 'status'"),
	'ok', 'heartbeat() answers without preloading');
is($node->safe_psql('postgres',
		"SELECT environment || ' ' || (last_heartbeat > now() - interval '1 minute')
		   FROM swisper.project_connection WHERE project_id = '$prod'"),
	'nopreload true', 'and records into swisper.project_connection at once');
is($node->safe_psql('postgres', "SELECT status FROM swisper.project_status WHERE project_id = '$prod'"),
	'connected', 'the view classifies it');
$h = decode_json($node->safe_psql('postgres', 'SELECT swisper.health()'));
is($h->{library_preloaded} ? 1 : 0, 0, 'health(): library not preloaded');
is($h->{worker}{running} ? 1 : 0, 0, 'health(): worker not running');
is($h->{heartbeat_store}, 'table', 'health(): heartbeats go to the table');
like($h->{hint}, qr/shared_preload_libraries/, 'health(): says how to turn the worker on');
is($h->{projects}{connected}, 1, 'health(): counts the connected project');

$listener->kill_kill;
$node->stop;
done_testing();
