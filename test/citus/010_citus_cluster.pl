# The extension on a Citus cluster: a coordinator and two worker nodes, each
# its own PostgreSQL with shared_preload_libraries = 'citus,swisper_ext',
# talking over TCP on localhost.
#
# - The fixture schema is loaded on the coordinator and distributed
#   (test/citus/layout.sql); CREATE EXTENSION there creates the extension on
#   every node and no table on the worker nodes; fix_user_id() converts
#   traces.user_id in every shard and keeps its indexes.
# - The fixture streams (SDK entries, Langfuse envelopes, HTTP bodies),
#   shuffled, partly delivered twice, in several batches, with the refused
#   events delivered again, give through the coordinator the rows that one
#   server (database "single" on the coordinator's server, without Citus)
#   gives for the same events in order.
# - A batch of 100 traces and observations, and updates of many and of few
#   (the two ways the ingestion writes a distributed table's rows).
# - An observation update that names no trace, whose trace nobody knows yet,
#   is refused (409) and stored once delivered again after its trace; the
#   worker nodes refuse ingestion (55000); the heartbeat worker publishes
#   on the coordinator and stays idle on the worker nodes, with one LOG line.
# - Four sessions ingest concurrently through the coordinator.
# - A worker node restarted while batches run: the batches it fails fail
#   whole (no row, no merge state), and all succeed when delivered again.
# - ingest_prune() deletes the merge state of deleted traces and
#   observations and keeps the others'; a worker node refuses it (55000).
# - release_user_id() and DROP EXTENSION; and an install into a database
#   whose tables are distributed after CREATE EXTENSION.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use JSON::PP;
use List::Util qw(shuffle);
use Time::HiRes qw(usleep time);

my $seedproj = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';    # the batches' default project
my $prod     = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';    # the HTTP calls' project
my $upd_id   = 'fc1efce5-0b7e-4a43-9d1b-6f7f2a0e9c55';    # the HTTP update's observation
my $db       = 'postgres';
my $schema_sql = slurp_file('test/fixtures/observability_schema.sql');
my $layout_sql = slurp_file('test/citus/layout.sql');

srand(1818);

######################################################################
# The cluster

sub new_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# Citus connects to the nodes by host name and port: TCP on localhost,
	# trusted, besides the test's own Unix socket.
	$node->append_conf(
		'postgresql.conf', qq{
listen_addresses = 'localhost'
shared_preload_libraries = 'citus,swisper_ext'
swisper.database = '$db'
swisper.check_interval = '200ms'
max_prepared_transactions = 20
citus.recover_2pc_interval = '1s'
log_line_prefix = '%m [%p] %b '
});
	$node->append_conf('pg_hba.conf', "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n");
	$node->start;
	return $node;
}

my $coord = new_node('coordinator');
my @workers = (new_node('worker1'), new_node('worker2'));

# Citus in a database of every node, the coordinator knowing the workers.
sub citus_database
{
	my ($dbname) = @_;
	for my $n ($coord, @workers)
	{
		$n->safe_psql('postgres', "CREATE DATABASE $dbname") if $dbname ne 'postgres';
		$n->safe_psql($dbname, 'CREATE EXTENSION citus');
	}
	$coord->safe_psql($dbname, "SELECT citus_set_coordinator_host('localhost', " . $coord->port . ')');
	$coord->safe_psql($dbname, "SELECT citus_add_node('localhost', " . $_->port . ')') for @workers;
}
citus_database($db);
is($coord->safe_psql($db, 'SELECT count(*) FROM pg_dist_node WHERE isactive'), '3', 'a coordinator and two worker nodes');

######################################################################
# Helpers

# The relations of schema public on a node, as a comma-separated list.
sub public_relations
{
	my ($node, $dbname) = @_;
	return $node->safe_psql($dbname // $db,
		"SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relnamespace = 'public'::regnamespace");
}

# A value of every shard of a table: run_command_on_shards with %s for the shard.
sub on_shards
{
	my ($table, $query) = @_;
	return $coord->safe_psql($db,
		"SELECT string_agg(DISTINCT result, ',') FROM run_command_on_shards('$table', \$q\$$query\$q\$) WHERE success");
}

sub dq { my ($s) = @_; return "\$J\$$s\$J\$"; }

# The SQL of one delivered item: [kind, json] with kind e (a batch element), t, o, u.
sub single_call
{
	my ($it) = @_;
	my ($kind, $json) = @$it;
	return 'swisper.create_trace(' . dq($json) . '::jsonb)' if $kind eq 't';
	return 'swisper.create_observation(' . dq($json) . "::jsonb, '$prod')" if $kind eq 'o';
	return "swisper.update_observation('$upd_id', " . dq($json) . "::jsonb, '$prod')";
}

sub batch_call
{
	my (@elems) = @_;
	return 'swisper.ingest_batch(' . dq('[' . join(',', map { $_->[1] } @elems) . ']') . "::jsonb, '$seedproj')";
}

# Deliver items (single calls, then one batch of the elements); returns the
# items refused (a status other than 200, 201, 202), to deliver again.
sub deliver
{
	my ($node, $dbname, @items) = @_;
	my @refused;
	for my $it (grep { $_->[0] ne 'e' } @items)
	{
		my $st = $node->safe_psql($dbname, 'SELECT status || \'|\' || message FROM ' . single_call($it));
		next if $st =~ /^20[012]\|/;
		note("refused: $st");
		push @refused, $it;
	}
	my @elems = grep { $_->[0] eq 'e' } @items;
	return @refused unless @elems;
	my $out = $node->safe_psql($dbname, 'SELECT idx, status, message FROM ' . batch_call(@elems) . ' ORDER BY idx');
	for my $line (split /\n/, $out)
	{
		my ($idx, $st, $msg) = split /\|/, $line, 3;
		next if $st =~ /^20[012]$/;
		note("refused: $st $msg");
		push @refused, $elems[$idx];
	}
	return @refused;
}

# Delivered again until nothing is refused (at most 5 rounds); true if so.
sub deliver_until_stored
{
	my ($node, $dbname, @items) = @_;
	for my $round (1 .. 5)
	{
		@items = deliver($node, $dbname, @items);
		return 1 unless @items;
	}
	diag('still refused: ' . join(' ', map { $_->[1] } @items));
	return 0;
}

# Every row of traces and observations (but the synthetic ones), as a digest.
sub digest
{
	my ($node, $dbname) = @_;
	my $d = '';
	for my $t ('traces', 'observations')
	{
		$d .= $node->safe_psql($dbname // $db,
			"SELECT md5(coalesce(string_agg(x, '|' ORDER BY id), '')) FROM (SELECT r.id, r::text AS x FROM $t r WHERE r.id NOT LIKE 'syn-%') s")
		  . '/';
	}
	return $d;
}

# The fixture's events, as delivered items.
my $json = JSON::PP->new->canonical;
my @items;
push @items, [ 'e', $json->encode($_) ] for @{ decode_json(slurp_file('test/fixtures/events/swisper_stream.json')) };
push @items, [ 'e', $json->encode($_) ]
  for @{ decode_json(slurp_file('test/fixtures/events/langfuse_batch.json'))->{batch} };
my $http = decode_json(slurp_file('test/fixtures/events/swisper_http.json'));
push @items, [ 't', $json->encode($http->{'POST /api/v1/traces'}) ];
push @items, [ 'o', $json->encode($http->{'POST /api/v1/observations'}) ];
push @items, [ 'u', $json->encode($http->{"PATCH /api/v1/observations/$upd_id"}) ];

######################################################################
# The schema, distributed; the install

$coord->safe_psql($db, $schema_sql);
$coord->safe_psql($db, $layout_sql);
is( $coord->safe_psql($db,
		"SELECT string_agg(logicalrelid::text || ':' || partmethod::text || ':' || coalesce(column_to_column_name(logicalrelid, partkey), ''), ' ' ORDER BY logicalrelid::text) FROM pg_dist_partition"
	),
	'observations:h:trace_id projects:n: traces:h:id users:n:',
	'the schema is distributed: reference projects and users, traces by id, observations by trace_id');
my @before = map { public_relations($_) } @workers;

my ($ret, $out, $err) = $coord->psql($db, 'CREATE EXTENSION swisper_ext');
is($ret, 0, 'CREATE EXTENSION on the coordinator');
like($err, qr/public\.traces is a Citus table; its user_id was not changed/, 'the install says that fix_user_id() converts a Citus traces');
for my $i (0, 1)
{
	is($workers[$i]->safe_psql($db, "SELECT extversion IS NOT NULL FROM pg_extension WHERE extname = 'swisper_ext'"),
		't', "worker node $i has the extension");
	is(public_relations($workers[$i]), $before[$i], "worker node $i: the install created no table");
}

my $user_type = q{SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'user_id'};
my $indexes = q{SELECT count(*) FROM pg_index WHERE indrelid = '%s'::regclass};
my $nindexes = on_shards('traces', $indexes);
$out = $coord->safe_psql($db, 'SELECT action FROM swisper.fix_user_id() ORDER BY 1');
is($out, "column changed\nconstraint dropped", 'fix_user_id() on a distributed traces');
is(on_shards('traces', $user_type), 'swisper.external_id', 'every shard of traces has user_id swisper.external_id');
is(on_shards('traces', $indexes), $nindexes, 'every shard kept its indexes');
is($coord->safe_psql($db, 'SELECT count(*) FROM swisper.fix_user_id()'), '0', 'fix_user_id() again changes nothing');

######################################################################
# The fixture streams: one server in order, the cluster shuffled and duplicated

$coord->safe_psql('postgres', 'CREATE DATABASE single');
$coord->safe_psql('single', $schema_sql);
$coord->safe_psql('single', 'SET client_min_messages = warning; CREATE EXTENSION swisper_ext');
ok(deliver_until_stored($coord, 'single', @items), 'one server: the fixture events in order are stored');
my $reference = digest($coord, 'single');

my @shuffled = shuffle(@items, grep { rand() < 0.5 } @items);
my $third = int(@shuffled / 3);
my @refused;
push @refused, deliver($coord, $db, @shuffled[ 0 .. $third - 1 ]);
push @refused, deliver($coord, $db, @shuffled[ $third .. 2 * $third - 1 ]);
push @refused, deliver($coord, $db, @shuffled[ 2 * $third .. $#shuffled ]);
note(scalar(@refused) . ' of ' . scalar(@shuffled) . ' deliveries refused at first');
ok(deliver_until_stored($coord, $db, @refused), 'the cluster: the refused events are stored when delivered again');
is(digest($coord), $reference, 'the rows read through the coordinator equal the single server\'s');
ok(deliver_until_stored($coord, $db, shuffle(@items)), 'delivered once more: every event is a duplicate or stored');
is(digest($coord), $reference, '... and nothing changes');
is($coord->safe_psql($db, q{SELECT pg_relation_size('traces') + pg_relation_size('observations')}),
	'0', 'the coordinator\'s shell tables hold nothing');

# An update of an observation nobody knows names no trace: it cannot be
# placed in a table distributed by trace_id.
my $orphan = '{"id":"syn-orph-u","timestamp":"2025-11-07T07:30:15.123Z","type":"observation-update","body":{"id":"syn-orph-o","name":"late"}}';
$out = $coord->safe_psql($db, 'SELECT status || \' \' || message FROM swisper.ingest_batch(' . dq("[$orphan]") . "::jsonb, '$seedproj')");
like($out, qr/^409 trace_id: not known yet, and observations is distributed by it/, 'an update that names no unknown trace: 409');
$out = $coord->safe_psql($db, 'SELECT string_agg(status::text, \',\' ORDER BY idx) FROM swisper.ingest_batch(' . dq(
		'[{"id":"syn-orph-c","timestamp":"2025-11-07T07:30:15.000Z","type":"span-create","body":{"id":"syn-orph-o","traceId":"syn-orph-t","startTime":"2025-11-07T07:30:15.000Z"}},'
		  . $orphan . ']') . "::jsonb, '$seedproj')");
is($out, '201,200', 'delivered again after its create: stored');
is($coord->safe_psql($db, q{SELECT trace_id || ' ' || name FROM observations WHERE id = 'syn-orph-o'}),
	'syn-orph-t late', 'the observation has its trace and the update');

# Many rows in one batch (more than the VALUES upsert of a few rows takes:
# the array-based upsert writes them), then an update of each, then of a few.
sub big_batch
{
	my ($from, $to, $update) = @_;
	my @e;
	for my $i ($from .. $to)
	{
		my ($t, $o, $ts) = ("syn-big-t$i", "syn-big-o$i", sprintf('2025-11-07T09:00:%02d.000Z', $i % 60));
		if ($update)
		{
			my $uts = sprintf('2025-11-07T10:00:%02d.000Z', $update);
			push @e, { id => "$o-u$update", timestamp => $uts, type => 'span-update',
				body => { id => $o, traceId => $t, name => "upd$update", endTime => $uts } };
			next;
		}
		push @e, { id => "$t-e", timestamp => $ts, type => 'trace-create', body => { id => $t, name => 'big', timestamp => $ts } };
		push @e, { id => "$o-e", timestamp => $ts, type => 'span-create', body => { id => $o, traceId => $t, name => 'first', startTime => $ts } };
	}
	return $coord->safe_psql($db, 'SELECT string_agg(DISTINCT status::text, \',\') FROM ' . batch_call(map { [ 'e', $json->encode($_) ] } @e));
}
is(big_batch(1, 100), '201', 'a batch of 100 traces and 100 observations: created');
is(big_batch(1, 100, 1), '200', 'an update of each of the 100 observations in one batch');
is(big_batch(1, 5, 2), '200', 'an update of 5 of them');
is( $coord->safe_psql($db,
		q{SELECT count(*) || ' ' || count(*) FILTER (WHERE o.name = CASE WHEN o.id IN ('syn-big-o1', 'syn-big-o2', 'syn-big-o3', 'syn-big-o4', 'syn-big-o5') THEN 'upd2' ELSE 'upd1' END AND o.trace_id = replace(o.id, '-o', '-t') AND o.start_time IS NOT NULL AND o.end_time IS NOT NULL) FROM observations o WHERE o.id LIKE 'syn-big-o%'}
	),
	'100 100', 'each observation has its trace, its start time and its last name');
is($coord->safe_psql($db, q{SELECT count(*) FROM traces WHERE id LIKE 'syn-big-t%' AND name = 'big'}), '100', 'each trace once');

($ret, $out, $err) = $workers[0]->psql($db, 'SELECT * FROM swisper.ingest_batch(' . dq("[$orphan]") . "::jsonb, '$seedproj')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/55000: swisper ingestion runs on the Citus coordinator/, 'a worker node refuses ingestion (55000)');

######################################################################
# Heartbeat worker: serves the coordinator, idle on the worker nodes

ok($coord->poll_query_until($db, "SELECT count(*) > 0 FROM swisper.project_connection"),
	'the coordinator\'s worker publishes the status of the projects that ingested');
for my $i (0, 1)
{
	my $log = slurp_file($workers[$i]->logfile);
	my $idle = () = $log =~ /swisper heartbeat worker stays idle: this node is a Citus worker node/g;
	is($idle, 1, "worker node $i: the heartbeat worker says once that it stays idle");
}

######################################################################
# Four concurrent sessions through the coordinator

# Synthetic batches: session k's own traces syn-k-b (two observations
# each), and a trace that others add observations to (syn-shared-0 .. 4,
# or $shared).
sub synthetic_items
{
	my ($k, $b, $shared) = @_;
	my ($t, $s) = ("syn-$k-$b", $shared // 'syn-shared-' . ($b % 5));
	my $ts = sprintf('2025-11-07T08:%02d:%02d.000Z', $k, $b % 60);
	my @e = (
		{ id => "$t-e", timestamp => $ts, type => 'trace-create', body => { id => $t, name => "s$k", timestamp => $ts } },
		{ id => "$s-e$k", timestamp => $ts, type => 'trace-create', body => { id => $s, name => "shared by $k", timestamp => $ts } },
		{ id => "$s-o$k-e", timestamp => $ts, type => 'span-create', body => { id => "$s-o$k", traceId => $s, startTime => $ts } });
	push @e, { id => "$t-o$_-e", timestamp => $ts, type => 'generation-create',
		body => { id => "$t-o$_", traceId => $t, startTime => $ts, model => 'gpt-4o',
			usage => { promptTokens => 10 * $_, completionTokens => 2 } } } for 1, 2;
	return map { [ 'e', $json->encode($_) ] } @e;
}

sub synthetic_batch { return 'SELECT count(*) FROM ' . batch_call(synthetic_items(@_)) . ";\n"; }

my $tmp = $PostgreSQL::Test::Utils::tmp_check;
my @sessions;
for my $k (1 .. 4)
{
	my @mine = shuffle(@items);
	my $sql = '';
	my $b = 0;
	while (@mine)
	{
		my @chunk = splice(@mine, 0, 4);
		$sql .= 'SELECT count(*) FROM ' . single_call($_) . ";\n" for grep { $_->[0] ne 'e' } @chunk;
		my @elems = grep { $_->[0] eq 'e' } @chunk;
		$sql .= 'SELECT count(*) FROM ' . batch_call(@elems) . ";\n" if @elems;
		$sql .= synthetic_batch($k, ++$b) for 1 .. 8;
	}
	$sql .= synthetic_batch($k, ++$b) while $b < 50;
	my $file = "$tmp/citus_session_$k.sql";
	open(my $fh, '>', $file) or die $!;
	print $fh $sql;
	close $fh;
	my ($o, $e) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', $coord->host, '-p', $coord->port, '-d', $db, '-f', $file ],
		'>', \$o, '2>', \$e);
	push @sessions, [ $h, \$e ];
}
for my $k (1 .. 4)
{
	my ($h, $e) = @{ $sessions[ $k - 1 ] };
	$h->finish;
	is($h->result(0), 0, "concurrent session $k completed") or diag($$e);
}
my $nsyn = $coord->safe_psql($db,
	q{SELECT (SELECT count(*) FROM traces WHERE id LIKE 'syn-_-%') || ' ' || (SELECT count(*) FROM traces WHERE id LIKE 'syn-shared-%') || ' ' || (SELECT count(*) FROM observations WHERE id LIKE 'syn-_-%' OR id LIKE 'syn-shared-%')});
is($nsyn, '200 5 420', 'the concurrent sessions\' 50 batches each: their traces and observations, each once');
ok(deliver_until_stored($coord, $db, @items), 'the fixture events once more, in order');
is(digest($coord), $reference, 'after the concurrent sessions: the single server\'s rows');
is( $coord->safe_psql($db,
		q{SELECT count(*) FROM observations WHERE id LIKE 'syn-_-%' AND (total_tokens IS DISTINCT FROM prompt_tokens + completion_tokens OR calculated_total_cost IS NOT NULL AND calculated_total_cost < 0)}),
	'0', 'derived fields of the concurrent sessions\' observations');

######################################################################
# A worker node restarted while batches run

my $nrestart = 60;
my $script = "$tmp/citus_restart.sh";
{
	open(my $fh, '>', $script) or die $!;
	print $fh "#!/bin/bash\n";
	for my $b (1 .. $nrestart)
	{
		my $f = "$tmp/citus_restart_$b.sql";
		open(my $s, '>', $f) or die $!;
		print $s synthetic_batch(9, 100 + $b, "syn-r-shared-$b");
		close $s;
		print $fh "if psql -X -q -v ON_ERROR_STOP=1 -h '"
		  . $coord->host . "' -p " . $coord->port
		  . " -d $db -f '$f' >/dev/null 2>&1; then echo '$b ok'; else echo '$b err'; fi\nsleep 0.05\n";
	}
	close $fh;
}
my ($rout, $rerr) = ('', '');
my $runner = IPC::Run::start([ 'bash', $script ], '>', \$rout, '2>', \$rerr);
my $start = time();
$runner->pump while $rout !~ /^10 /m && time() - $start < 60;
$workers[0]->stop('immediate');
usleep(1_500_000);
$workers[0]->start;
$runner->finish;
my @failed = map { /^(\d+) err$/ ? $1 : () } split /\n/, $rout;
my @done = map { /^(\d+) ok$/ ? $1 : () } split /\n/, $rout;
is(@failed + @done, $nrestart, 'every batch ran while the worker node restarted');
ok(@failed > 0, scalar(@failed) . ' batches failed while the worker node was down');
my $ids = join(',', map { my $n = 100 + $_; ("'syn-9-$n'", "'syn-9-$n-o1'", "'syn-9-$n-o2'", "'syn-r-shared-$_'", "'syn-r-shared-$_-o9'") } @failed);
$ids = "ARRAY['none'" . ($ids ? ",$ids" : '') . ']';
is( $coord->safe_psql($db,
		"SELECT (SELECT count(*) FROM traces WHERE id = ANY ($ids)) + (SELECT count(*) FROM observations WHERE id = ANY ($ids)) + (SELECT count(*) FROM swisper.ingest_merge_state WHERE entity_id = ANY ($ids))"
	),
	'0', 'a failed batch left no row and no merge state');
my $again = '';
for my $b (1 .. $nrestart)
{
	$again .= $coord->safe_psql($db,
		'SELECT string_agg(DISTINCT status::text, \',\') FROM ' . batch_call(synthetic_items(9, 100 + $b, "syn-r-shared-$b"))) . ' ';
}
my %failed = map { $_ => 1 } @failed;
my $expected = join(' ', map { $failed{$_} ? '201' : '200' } 1 .. $nrestart) . ' ';
is($again, $expected, 'delivered again: the failed batches are stored, the others are duplicates');
is( $coord->safe_psql($db,
		q{SELECT (SELECT count(*) FROM traces WHERE id LIKE 'syn-9-%') || ' ' || (SELECT count(*) FROM observations WHERE trace_id LIKE 'syn-9-%')}),
	"$nrestart " . (2 * $nrestart), 'every batch\'s rows, once');

######################################################################
# ingest_prune(): the state of deleted rows goes, the others' stays

# The application deletes the traces of the restart's batches (their
# observations go by cascade, from every shard) and one observation of
# another trace; the merge state of those entities is left behind.
my $state_counts = q{SELECT (SELECT count(*) FROM swisper.ingest_merge_state WHERE entity_kind = 't') || ' ' || (SELECT count(*) FROM traces) || ' ' || (SELECT count(*) FROM swisper.ingest_merge_state WHERE entity_kind = 'o') || ' ' || (SELECT count(*) FROM observations)};
my ($st, $nt, $so, $no) = split / /, $coord->safe_psql($db, $state_counts);
my $doomed = q{entity_id LIKE 'syn-9-%' OR entity_id LIKE 'syn-r-shared-%' OR entity_id = 'syn-1-1-o1'};
my $ndoomed = $coord->safe_psql($db, "SELECT count(*) FROM swisper.ingest_merge_state WHERE $doomed");
is($ndoomed, 5 * $nrestart + 1, 'the state rows of the entities to delete');
$coord->safe_psql($db, q{DELETE FROM traces WHERE id LIKE 'syn-9-%' OR id LIKE 'syn-r-shared-%'});
$coord->safe_psql($db, q{DELETE FROM observations WHERE id = 'syn-1-1-o1'});
is($coord->safe_psql($db, 'SELECT swisper.ingest_prune()'), $ndoomed,
	'ingest_prune() deletes the state of the deleted traces and observations');
is($coord->safe_psql($db, "SELECT count(*) FROM swisper.ingest_merge_state WHERE $doomed"), '0', '... all of it');
is( $coord->safe_psql($db, $state_counts),
	join(' ', $st - 2 * $nrestart, $nt - 2 * $nrestart, $so - 3 * $nrestart - 1, $no - 3 * $nrestart - 1),
	'... and keeps the state of every row that is still there');
is($coord->safe_psql($db, 'SELECT swisper.ingest_prune()'), '0', 'ingest_prune() again deletes nothing');
is( $coord->safe_psql($db,
		'SELECT string_agg(DISTINCT status::text, \',\') FROM ' . batch_call(synthetic_items(2, 1))),
	'200', 'a kept entity\'s events delivered again are duplicates');
is( $coord->safe_psql($db,
		'SELECT string_agg(DISTINCT status::text, \',\') FROM ' . batch_call(synthetic_items(9, 101, 'syn-r-shared-1'))),
	'201', 'a pruned entity\'s events delivered again create it anew');
($ret, $out, $err) = $workers[0]->psql($db, 'SELECT swisper.ingest_prune()', extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/55000: swisper\.ingest_prune\(\) runs on the Citus coordinator/, 'a worker node refuses ingest_prune() (55000)');

######################################################################
# release_user_id(), DROP EXTENSION

my $ntraces = $coord->safe_psql($db, 'SELECT count(*) FROM traces');
is($coord->safe_psql($db, 'SELECT action FROM swisper.release_user_id()'), 'column changed', 'release_user_id()');
is(on_shards('traces', $user_type), 'text', 'every shard of traces has user_id text');
is(on_shards('traces', $indexes), $nindexes, 'every shard kept its indexes');
($ret, $out, $err) = $coord->psql($db, 'DROP EXTENSION swisper_ext');
is($ret, 0, 'DROP EXTENSION') or diag($err);
for my $n ($coord, @workers)
{
	is($n->safe_psql($db, "SELECT count(*) FROM pg_extension WHERE extname = 'swisper_ext'"), '0',
		$n->name . ': the extension is gone');
}
is($coord->safe_psql($db, 'SELECT count(*) FROM traces'), $ntraces, 'every trace kept');

######################################################################
# Installed first, distributed after

citus_database('late');
$coord->safe_psql('late', $schema_sql);
($ret, $out, $err) = $coord->psql('late', 'CREATE EXTENSION swisper_ext');
like($err, qr/changed from character varying to swisper\.external_id/, 'install before distribution: user_id converted');
$coord->safe_psql('late', $layout_sql);
is( $coord->safe_psql('late',
		q{SELECT string_agg(DISTINCT result, ',') FROM run_command_on_shards('traces', $q$SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'user_id'$q$)}),
	'swisper.external_id', 'the shards have user_id swisper.external_id');
ok(deliver_until_stored($coord, 'late', @items), 'the fixture events are stored');
is(digest($coord, 'late'), $reference, 'the single server\'s rows');

######################################################################
# The logs: nothing of swisper went wrong on any node

for my $n ($coord, @workers)
{
	my @bad = grep { /swisper/i && /\b(ERROR|FATAL|PANIC):|exited with exit code/ } split /\n/, slurp_file($n->logfile);
	# what the tests above provoked on purpose
	@bad = grep { !/swisper(?: ingestion|\.ingest_prune\(\)) runs on the Citus coordinator|syn-orph/ } @bad;
	is(scalar(@bad), 0, $n->name . ': no error of swisper in the log') or diag(join("\n", @bad[ 0 .. 4 ]));
}

$_->stop for $coord, @workers;
done_testing();
