# The whole scenario at every state of the platform's schema: the 11 states
# its Alembic migrations left behind (test/fixtures/states/NN_<revision>.sql,
# state N = files 01..N) and the shape SQLModel's create_all builds
# (test/fixtures/states/create_all.sql).  At each, in one cluster with the
# worker running: install, fix_user_id(), traces.user_id as the platform
# needs it, ingestion of the example events in both formats, a heartbeat,
# the worker's status and its NOTIFY, project_status, health(), the
# tracing_enabled switch where the column exists, release_user_id() and
# DROP EXTENSION, with every row kept.  State 1 has no projects table: what
# needs it fails with 42P01 and says so.  At state 11 the schema also
# changes under the running server (DROP/ADD COLUMN tracing_enabled, RENAME
# of projects and back), which the worker and health() follow by themselves.
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

my $db       = 'observability';
my $prod     = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';    # the example events' project
my $seedproj = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';    # the seeded history's project
my $admin    = 'admin-user-uuid-0000-000000000001';       # migration 6's admin user
my $user     = '0b6f6d1e-5a3c-4c1e-9a51-2f0e8c3d7a10';    # a platform user, seeded
my $wait     = 10;    # seconds to wait for something the worker does within a tick

my $stream   = slurp_file('test/fixtures/events/swisper_stream.json');
my $langfuse = slurp_file('test/fixtures/events/langfuse_batch.json');

my @migrations = sort glob('test/fixtures/states/[0-9][0-9]_*.sql');
die 'no migration fixtures' unless @migrations == 11;

# %b: the worker's lines are told apart by its backend type.
my $node = swisper_node('states', conf => {
		'swisper.database' => "$db",
		'swisper.check_interval' => '200ms',
		'swisper.stale_after' => '30s',
		'swisper.disconnect_after' => '60s',
		'log_line_prefix' => '%m [%p] %b '
	});
$node->safe_psql('postgres', "CREATE DATABASE $db");
# The worker connects at start; restarted, it finds the database at once.
$node->restart;
ok( $node->poll_query_until(
		$db, "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'"),
	'worker runs');

# A client that LISTENs on swisper_project_status and writes what it receives
# to a file (as in 040_heartbeat_worker.pl).
my $notify_file = $PostgreSQL::Test::Utils::tmp_check . '/070_notifications.jsonl';
my $connstr = 'host=' . $node->host . ' port=' . $node->port . " dbname=$db";
my $listener;
END { $listener->kill_kill if $listener; }
$listener = IPC::Run::start([ '/usr/bin/python3', 'test/t/notify_listener.py', $connstr, $notify_file ]);
wait_for(sub { -e $notify_file && slurp_file($notify_file) =~ /^READY$/m }, 60)
  or die "listener did not start";

######################################################################
# Helpers

# Polls $cond every 50 ms for at most $timeout seconds; true if it held.
sub wait_for
{
	my ($cond, $timeout) = @_;
	my $end = time() + $timeout;
	while (1)
	{
		return 1 if $cond->();
		return 0 if time() >= $end;
		usleep(50_000);
	}
}

# Runs SQL; returns its output, or undef after an error (SwisperTest.pm).
sub query { return run_sql($node, $db, @_); }

# Runs SQL expected to fail; returns (sqlstate, message), or ().
sub sql_error { return psql_error($node, $db, @_); }

sub log_since
{
	my ($offset) = @_;
	return slurp_file($node->logfile, $offset);
}

sub count_matches
{
	my ($text, $re) = @_;
	my @m = ($text =~ /$re/g);
	return scalar(@m);
}

# The worker's ERROR lines since $offset.
sub worker_errors
{
	my ($offset) = @_;
	return join("\n", grep { /swisper heartbeat worker (ERROR|FATAL|PANIC):/ } split /\n/, log_since($offset));
}

my $publish_warning = qr/WARNING:[^\n]*cannot publish connection status/;

# Waits until the worker has finished $n more loops (health() tells when it
# last looped); without a health() that answers, for $n check intervals.
sub wait_ticks
{
	my ($n) = @_;
	my $loop = sub { query("SELECT swisper.health() -> 'worker' ->> 'last_loop'", 1) };
	my $last = $loop->();
	if (!defined $last || $last eq '')
	{
		usleep(($n + 1) * 200_000);
		return;
	}
	my $seen = 0;
	wait_for(
		sub {
			my $t = $loop->();
			if (defined $t && $t ne $last) { $seen++; $last = $t; }
			return $seen >= $n;
		},
		$wait * 2);
}

# The notifications received so far, as [received_at, payload].
sub notifications
{
	my @out;
	foreach my $line (split /\n/, slurp_file($notify_file))
	{
		next if $line eq 'READY';
		my $n = decode_json($line);
		push @out, [ $n->{received_at}, $n->{payload} ];
	}
	return @out;
}

# Waits for a notification after the first $from ones about project $p with
# status $s; returns its index, or undef.
sub wait_for_notify
{
	my ($p, $s, $from, $timeout) = @_;
	my $found;
	wait_for(
		sub {
			my @n = notifications();
			for (my $k = $from; $k < @n; $k++)
			{
				if ($n[$k][1]{project_id} eq $p && $n[$k][1]{status} eq $s)
				{
					$found = $k;
					return 1;
				}
			}
			return 0;
		},
		$timeout);
	return $found;
}

sub published_status
{
	my ($p) = @_;
	return query("SELECT status FROM swisper.project_connection WHERE project_id = '$p'", 1) // '';
}

# Waits until the worker has published status $s of the events' project
# into swisper.project_connection, and a LISTENing client has received it
# (after the first $mark notifications); one assertion each.
sub expect_published
{
	my ($s, $mark, $what) = @_;
	my $published = wait_for(sub { published_status($prod) eq $s }, $wait);
	ok($published, "$what: the worker publishes status $s into project_connection");
	ok(defined wait_for_notify($prod, $s, $mark, $published ? $wait : 0),
		"$what: a LISTENing client receives NOTIFY $s");
}

# The example events in both formats: the call that ingests them, the
# status of each event, and the trace they leave (project, user_id, number
# of observations).
my @ingestions = (
	[
		'stream',
		"SELECT string_agg(status::text, ',' ORDER BY idx) FROM swisper.ingest_batch(\$ev\$$stream\$ev\$::jsonb)",
		'200,201,201,201,200,201,200,201,200,200',
		'3f0c9b1e-8a2d-4c6b-9e7f-1a2b3c4d5e6f',
		"$prod 1aac01a8-a985-4cd1-aad6-7e12b25da1bc 4"
	],
	[
		'Langfuse batch',
		"SELECT string_agg(status::text, ',' ORDER BY idx) FROM swisper.ingest_batch(\$ev\$$langfuse\$ev\$::jsonb, '$prod')",
		'201,201,200,201,201,202',
		'c4a1e2d3-0000-4000-8000-00000000aaaa',
		"$prod user_8812 3"
	]);

sub health
{
	my ($quiet) = @_;
	my $h = query('SELECT swisper.health()', $quiet);
	return defined $h ? decode_json($h) : {};
}

sub exists_sql
{
	my ($sql) = @_;
	return (query("SELECT EXISTS ($sql)", 1) // '') eq 't';
}

sub has_table
{
	my ($t) = @_;
	return (query("SELECT to_regclass('public.$t') IS NOT NULL", 1) // '') eq 't';
}

sub has_column
{
	my ($t, $c) = @_;
	return exists_sql(
		"SELECT FROM information_schema.columns
		  WHERE table_schema = 'public' AND table_name = '$t' AND column_name = '$c'");
}

sub user_id_fk_count
{
	return query(
		"SELECT count(*) FROM pg_constraint c
		   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		  WHERE c.conrelid = 'public.traces'::regclass AND c.contype = 'f' AND a.attname = 'user_id'");
}

sub user_id_indexes
{
	return query(
		"SELECT string_agg(i.relname, ',' ORDER BY i.relname)
		   FROM pg_index x
		   JOIN pg_class i ON i.oid = x.indexrelid
		   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
		  WHERE x.indrelid = 'public.traces'::regclass AND a.attname = 'user_id'");
}

sub user_id_column
{
	return query(
		"SELECT format_type(atttypid, atttypmod) || ' ' || CASE WHEN attnotnull THEN 'not null' ELSE 'nullable' END
		   FROM pg_attribute WHERE attrelid = 'public.traces'::regclass AND attname = 'user_id'");
}

# Every trace's id and user_id as text, and the row counts.
sub traces_user_ids
{
	return query(
		"SELECT string_agg(id || '=' || coalesce(user_id::text, '<null>'), ',' ORDER BY id) FROM traces");
}

# The row counts of the tables the state has (not of one an install made).
my @count_tables;

sub row_counts
{
	return join(' ', map { "$_:" . (query("SELECT count(*) FROM $_") // '?') } @count_tables);
}

# Inserts one project with the columns the state's projects table has.
sub insert_project
{
	my ($id, $name, $has_users) = @_;
	my %values = (
		id              => "'$id'",
		name            => "'$name'",
		description     => "'seeded by 070_schema_states'",
		meta            => q('{"tier": "gold"}'),
		created_at      => "now() AT TIME ZONE 'UTC'",
		updated_at      => "now() AT TIME ZONE 'UTC'",
		swisper_url     => "'https://swisper.example/api'",
		swisper_api_key => "'sk-seed'",
		github_repo_url => "'https://github.example/org/agent'",
		owner_id        => $has_users ? "'$admin'" : 'NULL',
		github_token    => 'NULL',
		tracing_enabled => 'true');
	my @cols = grep { exists $values{$_} } split /\n/,
	  query("SELECT column_name FROM information_schema.columns
			  WHERE table_schema = 'public' AND table_name = 'projects' ORDER BY ordinal_position");
	return query(
		sprintf("INSERT INTO projects (%s) VALUES (%s)",
			join(', ', map { qq("$_") } @cols),
			join(', ', map { $values{$_} } @cols)));
}

######################################################################
# The scenario

my @states = ((map { [ $_, [ @migrations[ 0 .. $_ - 1 ] ] ] } 1 .. 11), [ 'create_all', ['test/fixtures/states/create_all.sql'] ]);

foreach my $st (@states)
{
	my ($num, $files) = @$st;
	my $S = $num eq 'create_all' ? 'state create_all' : do
	{
		my ($rev) = $files->[-1] =~ m{/\d\d_(.*)\.sql$};
		"state $num ($rev)";
	};
	my $alembic = $num ne 'create_all';
	my $t0 = time();

	# A fresh schema public, without the extension.
	$node->safe_psql($db,
		"SET client_min_messages = warning;
		 DROP EXTENSION IF EXISTS swisper_ext CASCADE;
		 DROP SCHEMA IF EXISTS swisper CASCADE;
		 DROP SCHEMA public CASCADE;
		 CREATE SCHEMA public;");
	my $log_state = -s $node->logfile;
	my $notify_mark = scalar(notifications());

	my $applied = 1;
	foreach my $f (@$files)
	{
		my ($ret, $out, $err) = $node->psql($db, slurp_file($f), on_error_stop => 1);
		if ($ret != 0)
		{
			diag($err);
			$applied = 0;
			last;
		}
	}
	ok($applied, "$S: the fixtures apply");
	next unless $applied;

	# The fixtures have the shape the migrations left.
	my $has_projects = has_table('projects');
	my $has_users    = has_table('users');
	my $has_tracing  = $has_projects && has_column('projects', 'tracing_enabled');
	my $has_fk_user  = exists_sql("SELECT FROM pg_constraint WHERE conname = 'fk_traces_user'");
	is($has_projects ? 1 : 0, ($num eq 'create_all' || $num >= 2) ? 1 : 0, "$S: projects table as the migrations left it");
	is($has_tracing ? 1 : 0, ($num eq 'create_all' || $num >= 10) ? 1 : 0, "$S: projects.tracing_enabled as the migrations left it");
	is($has_fk_user ? 1 : 0, ($alembic && ($num == 6 || $num == 7)) ? 1 : 0, "$S: fk_traces_user as the migrations left it");
	is(user_id_column(), 'character varying nullable', "$S: traces.user_id is varchar before the install");
	my $indexes_before = user_id_indexes();
	is($indexes_before,
		($alembic && $num >= 8)
		? 'idx_traces_user_id,ix_traces_user_id,ix_traces_user_timestamp'
		: 'ix_traces_user_id,ix_traces_user_timestamp',
		"$S: indexes on traces.user_id as the migrations left them");
	if ($alembic)
	{
		my ($rev) = $files->[-1] =~ m{/\d\d_(.*)\.sql$};
		is(query('SELECT version_num FROM alembic_version'), $rev, "$S: alembic_version");
	}

	# Seed: the projects, a platform user, traces with user ids (ids the
	# platform's users table does not hold where no fk_traces_user forbids
	# them), observations.
	if ($has_projects)
	{
		ok(defined insert_project($seedproj, 'Agent Staging', $has_users), "$S: seed project inserted");
		ok(defined insert_project($prod, 'Agent Production', $has_users), "$S: the events' project inserted");
	}
	if ($has_users)
	{
		ok( defined query(
				"INSERT INTO users (id, email, password_hash, name, role, is_active, created_at, updated_at)
				 VALUES ('$user', 'dev\@studio.example', 'x', 'Dev', 'developer', true, now(), now())"),
			"$S: seed user inserted");
	}
	my @seed_users = $has_fk_user
	  ? ($user, undef, $admin, $user)
	  : ($user, undef, 'ext-user-8812', '1aac01a8-a985-4cd1-aad6-7e12b25da1bc');
	my @trace_rows;
	for my $i (0 .. $#seed_users)
	{
		my $u = defined $seed_users[$i] ? "'$seed_users[$i]'" : 'NULL';
		my $ts = $i == 0 ? "now() AT TIME ZONE 'UTC'" : "'2025-11-04 09:0$i:00'";
		push @trace_rows,
		  "('seed-trace-$i', 'seeded run $i', $u, 's-$i', '$seedproj', '{\"k\": $i}', '[\"seed\"]', $ts)";
	}
	ok( defined query(
			"INSERT INTO traces (id, name, user_id, session_id, project_id, meta, tags, \"timestamp\")
			 VALUES " . join(",\n", @trace_rows)),
		"$S: seed traces inserted");
	ok( defined query(
			"INSERT INTO observations (id, trace_id, parent_observation_id, type, name, start_time, model,
									   prompt_tokens, completion_tokens, level, input, output)
			 VALUES ('seed-obs-0', 'seed-trace-0', NULL, 'AGENT', 'supervisor', '2025-11-04 09:00:00', NULL,
					 NULL, NULL, 'DEFAULT', '{\"q\": \"hi\"}', NULL),
					('seed-obs-1', 'seed-trace-0', 'seed-obs-0', 'GENERATION', 'answer', '2025-11-04 09:00:01',
					 'gpt-4o', 10, 5, 'DEFAULT', NULL, '{\"a\": \"hello\"}'),
					('seed-obs-2', 'seed-trace-2', NULL, 'EVENT', 'feedback', '2025-11-04 09:02:00', NULL,
					 NULL, NULL, 'WARNING', NULL, NULL)"),
		"$S: seed observations inserted");
	@count_tables = grep { has_table($_) } qw(projects traces observations users);
	my $counts_before = row_counts();
	my $ids_before = traces_user_ids();

	# Install.
	my $log_install = -s $node->logfile;
	my ($ret, $out, $err) = $node->psql($db, 'CREATE EXTENSION swisper_ext', on_error_stop => 1);
	is($ret, 0, "$S: CREATE EXTENSION swisper_ext succeeds") or diag($err);
	next unless $ret == 0;
	if (!$has_projects)
	{
		ok(!has_table('projects'), "$S: the install leaves the schema without projects (the platform's next migration creates it)");
	}
	is(query('SELECT count(*) FROM swisper.fix_user_id()'), '0', "$S: fix_user_id() after the install has nothing to do");
	is(user_id_column(), 'swisper.external_id nullable', "$S: traces.user_id is swisper.external_id, nullable");
	is(user_id_fk_count(), '0', "$S: no foreign key on traces.user_id");
	ok(!exists_sql("SELECT FROM pg_constraint WHERE conname = 'fk_traces_user' AND contype = 'f'"), "$S: fk_traces_user is gone");
	is(exists_sql("SELECT FROM pg_constraint WHERE conname = 'fk_traces_user' AND contype = 'c'") ? 1 : 0, $has_fk_user ? 1 : 0,
		"$S: a placeholder CHECK keeps the name fk_traces_user where the install dropped it");
	is(user_id_indexes(), $indexes_before, "$S: traces.user_id keeps its indexes");
	is(row_counts(), $counts_before, "$S: the install loses no row");
	is(traces_user_ids(), $ids_before, "$S: the install keeps every user_id value");

	my $heartbeat_sql = "SELECT swisper.heartbeat('$prod', 'production', '2.4.1', '0.5.0') ->> 'status'";

	if (!$has_projects)
	{
		# State 1: what needs projects says that it is missing.
		my ($code, $msg) = sql_error($heartbeat_sql);
		is($code, '42P01', "$S: heartbeat() raises 42P01 without projects");
		like($msg // '', qr/projects/, "$S: heartbeat()'s error names projects");
		foreach my $in (@ingestions)
		{
			($code, $msg) = sql_error($in->[1]);
			is($code, '42P01', "$S: ingest_batch() ($in->[0]) raises 42P01 without projects");
			like($msg // '', qr/projects/, "$S: ingest_batch() ($in->[0])'s error names projects");
		}
		($code, $msg) = sql_error('SELECT * FROM swisper.project_status');
		is($code, '42P01', "$S: project_status raises 42P01 without projects");
		like($msg // '', qr/projects/, "$S: project_status's error names projects");
		my $h = health();
		is($h->{status}, 'degraded', "$S: health() is degraded without projects");
		is($h->{schema_problem}{sqlstate}, '42P01', "$S: health() schema_problem.sqlstate is 42P01");
		like($h->{schema_problem}{message} // '', qr/projects/, "$S: health() schema_problem.message names projects");
		ok($h->{hint}, "$S: health() gives a hint");
		# The worker says so once, not at every tick.
		wait_for(sub { log_since($log_install) =~ $publish_warning }, $wait);
		wait_ticks(4);
		is(count_matches(log_since($log_install), $publish_warning), 1,
			"$S: the worker logs 'cannot publish connection status' once over several ticks");
		is(row_counts(), $counts_before, "$S: no row lost");
	}
	else
	{
		# Ingestion of the example events, both formats.
		foreach my $in (@ingestions)
		{
			my ($format, $sql, $statuses, $trace, $stored) = @$in;
			is(query($sql), $statuses, "$S: $format ingested (status per event)");
			is( query(
					"SELECT project_id || ' ' || user_id::text || ' ' ||
							(SELECT count(*) FROM observations o WHERE o.trace_id = t.id)
					   FROM traces t WHERE id = '$trace'"),
				$stored, "$S: $format: the trace and its observations are stored");
		}
		is(query("SELECT count(*) FROM traces WHERE id LIKE 'seed-trace-%'"), scalar(@seed_users), "$S: the seeded traces are still there");

		# Heartbeat, the worker's status and its NOTIFY, the view, health().
		is(query($heartbeat_sql), 'ok', "$S: heartbeat() answers ok");
		expect_published('connected', $notify_mark, $S);
		is( query(
				"SELECT string_agg(project_id || ' ' || status, ',' ORDER BY project_id) FROM swisper.project_status"),
			"$seedproj never_seen,$prod connected",
			"$S: project_status shows the projects");
		my $h = health();
		is($h->{status}, 'ok', "$S: health() status ok");
		ok(!exists $h->{schema_problem}, "$S: health() reports no schema problem");

		if ($has_tracing)
		{
			query('UPDATE projects SET tracing_enabled = false');
			expect_published('disabled', $notify_mark, "$S: tracing_enabled = false");
			is(query("SELECT status FROM swisper.project_status WHERE project_id = '$prod'"),
				'disabled', "$S: project_status shows disabled");
		}
		else
		{
			is(query("SELECT status FROM swisper.project_status WHERE project_id = '$prod'"),
				'connected', "$S: without tracing_enabled, tracing counts as enabled");
		}

		if ($alembic && $num == 11)
		{
			# The schema changes under the running server.
			my $log_live = -s $node->logfile;
			my $mark = scalar(notifications());
			query('ALTER TABLE projects DROP COLUMN tracing_enabled');
			query("SELECT swisper.heartbeat('$prod')");
			expect_published('connected', $mark, "$S: after DROP COLUMN tracing_enabled");
			wait_ticks(3);
			is(worker_errors($log_live), '', "$S: after DROP COLUMN tracing_enabled the worker logs no error");
			is(count_matches(log_since($log_live), $publish_warning), 0,
				"$S: after DROP COLUMN tracing_enabled no 'cannot publish' warning");
			is(health()->{status}, 'ok', "$S: after DROP COLUMN tracing_enabled health() ok");

			$mark = scalar(notifications());
			query('ALTER TABLE projects ADD COLUMN tracing_enabled boolean NOT NULL DEFAULT true');
			query('UPDATE projects SET tracing_enabled = false');
			expect_published('disabled', $mark, "$S: after ADD COLUMN tracing_enabled and false");

			$log_live = -s $node->logfile;
			query('ALTER TABLE projects RENAME TO projects_old');
			my $degraded = wait_for(sub { (health(1)->{status} // '') eq 'degraded' }, $wait);
			ok($degraded, "$S: projects renamed: health() degraded");
			$h = health();
			is($h->{schema_problem}{sqlstate}, '42P01', "$S: projects renamed: health() schema_problem.sqlstate 42P01");
			like($h->{schema_problem}{message} // '', qr/projects/, "$S: projects renamed: schema_problem.message names projects");
			ok($h->{hint}, "$S: projects renamed: health() gives a hint");
			wait_for(sub { log_since($log_live) =~ $publish_warning }, $wait);
			wait_ticks(4);
			is(count_matches(log_since($log_live), $publish_warning), 1,
				"$S: projects renamed: the worker logs 'cannot publish connection status' once");

			$log_live = -s $node->logfile;
			query('ALTER TABLE projects_old RENAME TO projects');
			ok(wait_for(sub { log_since($log_live) =~ /LOG:[^\n]*serves connection status again/ }, $wait),
				"$S: projects renamed back: the worker logs that it serves connection status again");
			ok(wait_for(sub { (health(1)->{status} // '') eq 'ok' }, $wait), "$S: projects renamed back: health() ok");
			$mark = scalar(notifications());
			query('UPDATE projects SET tracing_enabled = true');
			query("SELECT swisper.heartbeat('$prod')");
			expect_published('connected', $mark, "$S: projects renamed back");
		}
	}

	# Release and remove: every value and every row stays.
	my $counts = row_counts();
	my $ids = traces_user_ids();
	ok(defined query('SELECT * FROM swisper.release_user_id()'), "$S: release_user_id() succeeds");
	is(user_id_column(), 'text nullable', "$S: release_user_id() turns user_id into text");
	is(traces_user_ids(), $ids, "$S: release_user_id() keeps every user_id value");
	($ret, $out, $err) = $node->psql($db, 'DROP EXTENSION swisper_ext', on_error_stop => 1);
	is($ret, 0, "$S: DROP EXTENSION swisper_ext succeeds without CASCADE") or diag($err);
	is(row_counts(), $counts, "$S: every row is still there after DROP EXTENSION");
	is(traces_user_ids(), $ids, "$S: every user_id is still there after DROP EXTENSION");
	is(worker_errors($log_state), '', "$S: the worker logged no error");
	diag(sprintf('%s: %.1f s', $S, time() - $t0));
}

$listener->kill_kill;
$node->stop;
done_testing();
