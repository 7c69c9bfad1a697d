# A streaming hot standby records no liveness, and says so.
#
# On the standby: swisper.heartbeat() and swisper.ingest_batch() fail with
# read_only_sql_transaction (25006); no heartbeat worker runs; health() says
# the server is a standby, that heartbeats go to the primary and that the
# worker starts at promotion (not that it "restarts by itself").  After the
# primary stops and the standby is promoted: the worker starts, the first
# tick publishes no sighting from before the promotion (the refused
# heartbeats left nothing in the standby's registry), heartbeat() works and
# the project becomes connected.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use JSON::PP;

my $proj = 'p-standby';

my $primary = swisper_node('primary', init => { allows_streaming => 1 }, conf => {
		'swisper.check_interval' => '200ms',
		'swisper.stale_after' => '5s',
		'swisper.disconnect_after' => '1h'
	}, platform => 1);

$primary->safe_psql('postgres',
	"INSERT INTO projects (id, name, created_at, updated_at) VALUES ('$proj', 'standby', now(), now())");

# The primary's worker publishes the project, never seen: the standby gets
# that row, with no last_seen.
ok( $primary->poll_query_until(
		'postgres',
		"SELECT status = 'never_seen' AND last_seen IS NULL FROM swisper.project_connection WHERE project_id = '$proj'"),
	'primary: the project is published as never_seen');
my $health = decode_json($primary->safe_psql('postgres', 'SELECT swisper.health()'));
is($health->{role},   'primary', 'primary: health() role is primary');
is($health->{status}, 'ok',      'primary: health() status is ok');
ok(!exists $health->{hint}, 'primary: health() gives no hint');

$primary->backup('bk');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bk', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'standby is in recovery');

# Runs $sql on the standby with verbose errors; returns [exit code, stderr].
sub on_standby
{
	my ($sql) = @_;
	my ($ret, $stdout, $stderr) = $standby->psql('postgres', "\\set VERBOSITY verbose\n$sql");
	return [ $ret, $stderr ];
}

# heartbeat() is refused, twice (the second is not let through by anything
# the first left behind).
for my $try (1 .. 2)
{
	my $r = on_standby("SELECT swisper.heartbeat('$proj', 'production', '1.0.0', '0.9.0')");
	isnt($r->[0], 0, "standby: heartbeat() fails ($try)");
	like($r->[1], qr/ERROR:\s+25006: cannot execute swisper\.heartbeat\(\) during recovery/,
		"standby: heartbeat() raises 25006 ($try)");
}
like(on_standby("SELECT swisper.heartbeat('$proj')")->[1], qr/HINT:\s+Send heartbeats to the primary server\./,
	'standby: the error says where heartbeats go');

# Ingestion (which records liveness too) is refused with the same SQLSTATE.
my $batch = encode_json(
	[
		{
			event_type => 'heartbeat',
			project_id => $proj,
			timestamp  => '1762500610.001000',
			data       => { project_id => $proj, sdk_version => '0.9.0' }
		},
		{
			event_type => 'trace_start',
			trace_id   => '3f0c9b1e-8a2d-4c6b-9e7f-000000000090',
			project_id => $proj,
			timestamp  => '1762500615.123456',
			data       => { name => 'on a standby' }
		}
	]);
my $r = on_standby("SELECT * FROM swisper.ingest_batch('$batch'::jsonb)");
isnt($r->[0], 0, 'standby: ingest_batch() fails');
like($r->[1], qr/ERROR:\s+25006:/, 'standby: ingest_batch() raises 25006');

# No worker runs during recovery.
is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'0', 'standby: no heartbeat worker');

# health() tells the truth.
$health = decode_json($standby->safe_psql('postgres', 'SELECT swisper.health()'));
is($health->{role},            'standby',  'standby: health() role is standby');
is($health->{status},          'degraded', 'standby: health() status is degraded');
is($health->{heartbeat_store}, 'none',     'standby: health() says no store takes heartbeats');
ok(!$health->{worker}{running}, 'standby: health() says the worker is not running');
like($health->{hint}, qr/hot standby/,                       'standby: the hint says this is a standby');
like($health->{hint}, qr/send them to the primary server/,   'standby: the hint sends heartbeats to the primary');
like($health->{hint}, qr/starts when this server is promoted/, 'standby: the hint says the worker starts at promotion');
unlike($health->{hint}, qr/restarts by itself/, 'standby: the hint does not promise a restart');
note('standby health(): ' . encode_json($health));

# Promotion.
$primary->stop;
$standby->promote;
ok($standby->poll_query_until('postgres', 'SELECT NOT pg_is_in_recovery()'), 'standby promoted');
ok( $standby->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'promoted: the worker starts');

# After the worker's first tick (health() shows last_loop from then on) the
# project has still no sighting: nothing of the refused heartbeats was kept.
ok( $standby->poll_query_until(
		'postgres', "SELECT swisper.health()->'worker'->>'last_loop' IS NOT NULL"),
	'promoted: the worker has ticked');
is( $standby->safe_psql('postgres',
		"SELECT status || ' ' || coalesce(last_seen::text, 'no last_seen') FROM swisper.project_connection WHERE project_id = '$proj'"),
	'never_seen no last_seen',
	'promoted: no sighting from before the promotion is published');

my $promoted_at = $standby->safe_psql('postgres', 'SELECT clock_timestamp()');
is($standby->safe_psql('postgres', "SELECT swisper.heartbeat('$proj')->>'status'"),
	'ok', 'promoted: heartbeat() works');
ok( $standby->poll_query_until(
		'postgres',
		"SELECT status = 'connected' FROM swisper.project_connection WHERE project_id = '$proj'"),
	'promoted: the project becomes connected');
is( $standby->safe_psql('postgres',
		"SELECT last_seen >= '$promoted_at' FROM swisper.project_connection WHERE project_id = '$proj'"),
	't', 'promoted: last_seen is from after the promotion');

$health = decode_json($standby->safe_psql('postgres', 'SELECT swisper.health()'));
is($health->{role},   'primary', 'promoted: health() role is primary');
is($health->{status}, 'ok',      'promoted: health() status is ok');
ok(!exists $health->{hint}, 'promoted: health() gives no hint');

$standby->stop;
done_testing();
