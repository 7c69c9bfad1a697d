# swisper.database naming a database that does not exist: the worker cannot
# connect and exits at every restart.  health(), asked in a database where
# the extension is, names that cause instead of promising that the worker
# restarts by itself.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use JSON::PP;

my $node = swisper_node('nosuchdb', conf => {
		'swisper.database' => 'nosuchdb'
	}, platform => 1);

# The worker has tried (and failed) to connect.
ok(defined eval { $node->wait_for_log(qr/FATAL:\s+database "nosuchdb" does not exist/) },
	'the worker cannot connect to nosuchdb');

my $health = decode_json($node->safe_psql('postgres', 'SELECT swisper.health()'));
note('health(): ' . encode_json($health));
is($health->{status}, 'degraded', 'health() status is degraded');
ok(!$health->{worker}{running}, 'health() says the worker is not running');
is($health->{worker}{database}, 'nosuchdb', 'health() names the configured database');
like($health->{hint}, qr/swisper\.database names database "nosuchdb", which does not exist/,
	'the hint names the missing database as the cause');
unlike($health->{hint}, qr/restarts by itself/, 'the hint does not promise a restart');

$node->stop;
done_testing();
