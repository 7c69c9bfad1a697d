# The owner of the observability tables must not borrow a superuser's
# rights through the columns it controls.  Superuser code (the worker,
# SECURITY DEFINER functions, a superuser reading the status view) reads
# projects and traces; the owner can give a column a type of its own with a
# conversion of its own (an enum with an implicit cast to boolean or text)
# that runs whenever the extension's SQL converts the column.  Each path
# below meets such a column; the owner's conversion logs who it runs as and
# makes its owner a superuser whenever it finds itself running as one.
# Every path must leave the owner without superuser, and the owner's code
# may run only as the owner inside a security-restricted operation (or not
# at all); where the shape allows, the path still does its job.
#
# The worker's subtests run in database postgres (the one the worker
# serves); every other path runs in database victim, which the worker does
# not serve, so that a tick cannot be mistaken for the path under test.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;
use JSON::PP;

my $prod    = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';
my $staging = '4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f';

my $node = swisper_node('owner_escalation', conf => {
		'swisper.check_interval' => '200ms',
		'swisper.stale_after' => '1h',
		'swisper.disconnect_after' => '2h'
	});

# app owns the platform's tables and is no superuser; ingester is an API
# role granted ingest_batch() only.
$node->safe_psql('postgres', 'CREATE ROLE app LOGIN; CREATE ROLE ingester LOGIN; CREATE DATABASE victim');

sub as_app
{
	my ($db, $sql) = @_;
	return $node->safe_psql($db, $sql, extra_params => [ '-U', 'app' ]);
}

# The owner's probe: logs where it runs and as whom, and whether it runs in
# a security-restricted operation (which refuses UNLISTEN); when it runs as
# a superuser, it makes app one.  Everything it names is schema-qualified:
# the superuser code calls it with search_path = pg_catalog, pg_temp.
my $probe_sql = q{
CREATE FUNCTION public.owner_probe(ctx text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	su boolean;
	restricted boolean;
BEGIN
	SELECT r.rolsuper INTO su FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user;
	BEGIN
		EXECUTE 'UNLISTEN owner_probe';
		RAISE EXCEPTION 'not restricted';
	EXCEPTION WHEN OTHERS THEN
		restricted := SQLERRM OPERATOR(pg_catalog.~~) '%security-restricted operation%';
	END;
	RAISE WARNING 'owner-probe ctx=% db=% session=% user=% super=% restricted=%',
		ctx, pg_catalog.current_database(), session_user, current_user, su, restricted;
	IF su THEN
		EXECUTE 'ALTER ROLE app SUPERUSER';
	END IF;
END
$$;
};

# The observability tables as the platform made them, owned by app, with
# the extension installed (or, on a reset, traces.user_id fixed again).
sub setup_db
{
	my ($db, $first) = @_;
	$node->safe_psql($db, slurp_file('test/fixtures/observability_schema.sql'));
	$node->safe_psql(
		$db, q{
GRANT CREATE ON SCHEMA public TO app;
ALTER TABLE public.users OWNER TO app;
ALTER TABLE public.projects OWNER TO app;
ALTER TABLE public.traces OWNER TO app;
ALTER TABLE public.observations OWNER TO app;
ALTER TYPE public.observationtype OWNER TO app;
});
	$node->safe_psql($db, $first ? 'CREATE EXTENSION swisper_ext' : 'SELECT swisper.fix_user_id()');
	# what the README grants the API role (60_privileges.sql does the same)
	$node->safe_psql(
		$db, q{
SELECT swisper.ingest_prune();
GRANT USAGE ON SCHEMA swisper TO app, ingester;
GRANT EXECUTE ON FUNCTION swisper.ingest_batch(jsonb, text), swisper.heartbeat(text, text, text, text),
	swisper.health() TO app;
GRANT EXECUTE ON FUNCTION swisper.ingest_batch(jsonb, text) TO ingester;
});
	as_app($db, $probe_sql);
}

# Back to the plain shape: the owner's objects go first (a worker tick would
# otherwise run the owner's conversion again), then its superuser.
sub reset_db
{
	my ($db) = @_;
	$node->safe_psql($db, 'DROP OWNED BY app CASCADE; DELETE FROM swisper.project_connection');
	$node->safe_psql('postgres', 'ALTER ROLE app NOSUPERUSER');
	setup_db($db, 0);
}

setup_db('postgres', 1);
setup_db('victim',   1);

# The owner's shapes.  tracing_enabled of an enum with an implicit cast to
# boolean:
sub tri_tracing
{
	my ($db) = @_;
	as_app(
		$db, q{
CREATE TYPE public.tri AS ENUM ('yes', 'no');
CREATE FUNCTION public.tri_bool(t public.tri) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.owner_probe('tri_bool');
	RETURN pg_catalog.enum_eq(t, 'yes'::public.tri);
END
$$;
CREATE CAST (public.tri AS boolean) WITH FUNCTION public.tri_bool(public.tri) AS IMPLICIT;
ALTER TABLE public.projects
	ALTER COLUMN tracing_enabled DROP DEFAULT,
	ALTER COLUMN tracing_enabled TYPE public.tri
		USING CASE WHEN tracing_enabled THEN 'yes'::public.tri ELSE 'no'::public.tri END,
	ALTER COLUMN tracing_enabled SET DEFAULT 'yes';
});
}

# A column ($table.$column) of an enum $type whose labels are its present
# values, with an implicit cast to text; the foreign key $fk on $fktable
# (the one that involves the column, if any) goes first.
sub enum_column
{
	my ($db, $table, $column, $type, $fktable, $fk) = @_;
	my $drop_fk = $fk ? "ALTER TABLE public.$fktable DROP CONSTRAINT $fk;" : '';
	as_app(
		$db, qq{
$drop_fk
DO \$do\$
BEGIN
	EXECUTE pg_catalog.format('CREATE TYPE public.$type AS ENUM (%s)',
		(SELECT pg_catalog.string_agg(pg_catalog.quote_literal(x), ', ' ORDER BY x)
		   FROM (SELECT DISTINCT ${column}::text AS x FROM public.$table) s
		  WHERE x IS NOT NULL));
END
\$do\$;
CREATE FUNCTION public.${type}_text(v public.$type) RETURNS text LANGUAGE plpgsql AS \$f\$
BEGIN
	PERFORM public.owner_probe('${type}_text');
	RETURN pg_catalog.textin(pg_catalog.enum_out(v));
END
\$f\$;
CREATE CAST (public.$type AS text) WITH FUNCTION public.${type}_text(public.$type) AS IMPLICIT;
ALTER TABLE public.$table ALTER COLUMN $column TYPE public.$type USING ${column}::text::public.$type;
});
}

sub pid_projects
{
	my ($db) = @_;
	enum_column($db, 'projects', 'id', 'pid', 'traces', 'traces_project_id_fkey');
}

sub rolsuper
{
	return $node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'");
}

# The probes logged since $offset in database $db, by sessions other than
# app's own (which change the shapes).
sub probes_since
{
	my ($offset, $db) = @_;
	my @out;
	foreach my $line (split /\n/, slurp_file($node->logfile, $offset))
	{
		next
		  unless $line =~
		  /owner-probe ctx=(\S+) db=(\S+) session=(\S+) user=(\S+) super=(\S+) restricted=(\S+)/;
		push @out, { ctx => $1, db => $2, session => $3, user => $4, super => $5, restricted => $6 }
		  if $2 eq $db && $3 ne 'app';
	}
	return @out;
}

# The assertions of every path: app is no superuser, and the owner's code
# ran only as app in a security-restricted operation, or not at all.
sub check_no_escalation
{
	my ($what, $offset, $db) = @_;
	my @p = probes_since($offset, $db);
	my %seen;
	$seen{"$_->{ctx} as $_->{user} (superuser: $_->{super}, restricted: $_->{restricted})"}++ foreach @p;
	diag("$what: the owner's code ran "
		  . (@p ? join('; ', map { "$seen{$_} x $_" } sort keys %seen) : 'not at all'));
	is(rolsuper(), 'f', "$what: app is still not a superuser");
	is(scalar(grep { $_->{super} ne 'f' } @p), 0, "$what: the owner's code never ran as a superuser");
	is(scalar(grep { $_->{user} ne 'app' || $_->{restricted} ne 't' } @p),
		0, "$what: the owner's code ran only as app in a security-restricted operation, or not at all");
}

sub log_offset
{
	return -s $node->logfile;
}

# Both projects connected, as the worker publishes them.
sub worker_baseline
{
	$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod'), swisper.heartbeat('$staging')");
	ok( $node->poll_query_until(
			'postgres',
			"SELECT count(*) = 2 FROM swisper.project_connection WHERE status = 'connected'"),
		'worker: both projects connected before the owner changes the shape');
}

sub sleep_ticks
{
	# five ticks of 200 ms
	select(undef, undef, undef, 1.0);
}

########################################################################
# 1. The worker's tick: p.tracing_enabled IS NOT FALSE, p.id::text.
########################################################################
subtest 'worker tick, projects.tracing_enabled of the owner\'s type' => sub {
	worker_baseline();
	my $offset = log_offset();
	tri_tracing('postgres');
	as_app('postgres', "UPDATE public.projects SET tracing_enabled = 'no' WHERE id = '$staging'");
	ok( $node->poll_query_until(
			'postgres',
			"SELECT status = 'disabled' FROM swisper.project_connection WHERE project_id = '$staging'"),
		'worker: publishes the project whose tracing the owner turned off as disabled');
	sleep_ticks();
	check_no_escalation('worker (tracing_enabled)', $offset, 'postgres');
	reset_db('postgres');
};

subtest 'worker tick, projects.id of the owner\'s type' => sub {
	worker_baseline();
	my $offset = log_offset();
	pid_projects('postgres');
	as_app('postgres', "UPDATE public.projects SET deleted_at = now() WHERE pg_catalog.enum_eq(id, '$staging'::public.pid)");
	ok( $node->poll_query_until(
			'postgres',
			"SELECT count(*) = 0 FROM swisper.project_connection WHERE project_id = '$staging'"),
		'worker: drops the row of the project the owner soft-deleted');
	sleep_ticks();
	check_no_escalation('worker (projects.id)', $offset, 'postgres');
	reset_db('postgres');
};

########################################################################
# 2. health(), SECURITY DEFINER, called by a superuser.
########################################################################
subtest 'health() by a superuser, projects.tracing_enabled of the owner\'s type' => sub {
	tri_tracing('victim');
	as_app('victim', "UPDATE public.projects SET tracing_enabled = 'no' WHERE id = '$staging'");
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim', "SELECT swisper.health() -> 'projects'");
	check_no_escalation('health() (tracing_enabled)', $offset, 'victim');
	is($ret, 0, 'health(): answers') or diag($err);
	my $p = $ret == 0 ? decode_json($out) : {};
	is(($p->{disabled} // '') . ' ' . ($p->{never_seen} // ''), '1 1', 'health(): counts the disabled project');
	reset_db('victim');
};

subtest 'health() by a superuser, projects.id of the owner\'s type' => sub {
	# a connection row to join with (with none, the join need not convert p.id)
	$node->safe_psql('victim', "SELECT swisper.heartbeat('$prod')");
	pid_projects('victim');
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim',
		"SELECT (swisper.health() -> 'projects' ->> 'connected') || ' ' || (swisper.health() -> 'projects' ->> 'never_seen')");
	check_no_escalation('health() (projects.id)', $offset, 'victim');
	is($ret, 0, 'health(): answers') or diag($err);
	is($out, '1 1', 'health(): counts the connected and the never seen project');
	reset_db('victim');
};

########################################################################
# 3. ingest_batch(), SECURITY DEFINER: the project check.
########################################################################
sub ingest_one
{
	my ($trace, @psql_opts) = @_;
	return $node->psql('victim',
		qq{SELECT status || ' ' || message FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "$trace", "project_id": "$prod", "timestamp": "1"}]')},
		@psql_opts);
}

subtest 'ingest_batch() by a superuser, projects.id of the owner\'s type' => sub {
	pid_projects('victim');
	my $offset = log_offset();
	my ($ret, $out, $err) = ingest_one('esc-t1');
	check_no_escalation('ingest_batch() by a superuser (projects.id)', $offset, 'victim');
	is($ret, 0, 'ingest_batch(): answers') or diag($err);
	like($out, qr/^201 /, 'ingest_batch(): creates the trace');
	reset_db('victim');
};

subtest 'ingest_batch() by a granted role, projects.id of the owner\'s type' => sub {
	pid_projects('victim');
	my $offset = log_offset();
	my ($ret, $out, $err) = ingest_one('esc-t2', extra_params => [ '-U', 'ingester' ]);
	check_no_escalation('ingest_batch() by a granted role (projects.id)', $offset, 'victim');
	is($ret, 0, 'ingest_batch(): answers') or diag($err);
	like($out, qr/^201 /, 'ingest_batch(): creates the trace');
	reset_db('victim');
};

# The control: the write path has run the owner's code as the owner in a
# security-restricted operation all along (a domain whose CHECK is the
# owner's, converted by the ingestion), and the probe sees it so.
subtest 'ingest_batch() by a superuser, traces.session_id of the owner\'s domain (control)' => sub {
	as_app(
		'victim', q{
CREATE FUNCTION public.session_ok(s text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.owner_probe('session_ok');
	RETURN true;
END
$$;
CREATE DOMAIN public.session_text AS varchar CHECK (public.session_ok(VALUE::text));
ALTER TABLE public.traces ALTER COLUMN session_id TYPE public.session_text;
});
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim',
		qq{SELECT status || ' ' || message FROM swisper.ingest_batch('[{"event_type": "trace_start", "trace_id": "esc-c1", "project_id": "$prod", "timestamp": "1", "data": {"session_id": "s-9"}}]')});
	check_no_escalation('ingest_batch() (traces.session_id, control)', $offset, 'victim');
	cmp_ok(scalar(probes_since($offset, 'victim')), '>', 0, 'the owner\'s CHECK ran (and the probe saw where)');
	is($ret, 0, 'ingest_batch(): answers') or diag($err);
	like($out, qr/^201 /, 'ingest_batch(): creates the trace');
	reset_db('victim');
};

########################################################################
# 4. SELECT * FROM swisper.project_status by a superuser.
########################################################################
sub project_status
{
	my ($cols) = @_;
	return $node->psql('victim', "SELECT $cols FROM swisper.project_status ORDER BY project_id");
}

subtest 'project_status by a superuser, projects.tracing_enabled of the owner\'s type' => sub {
	tri_tracing('victim');
	as_app('victim', "UPDATE public.projects SET tracing_enabled = 'no' WHERE id = '$staging'");
	my $offset = log_offset();
	my ($ret, $out, $err) = project_status('project_id, status');
	check_no_escalation('project_status (tracing_enabled)', $offset, 'victim');
	is($ret, 0, 'project_status: answers') or diag($err);
	is($out, "$staging|disabled\n$prod|never_seen", 'project_status: the disabled project is disabled');
	reset_db('victim');
};

subtest 'project_status by a superuser, projects.id of the owner\'s type' => sub {
	pid_projects('victim');
	my $offset = log_offset();
	my ($ret, $out, $err) = project_status('project_id, status');
	check_no_escalation('project_status (projects.id)', $offset, 'victim');
	is($ret, 0, 'project_status: answers') or diag($err);
	is($out, "$staging|never_seen\n$prod|never_seen", 'project_status: both projects');
	reset_db('victim');
};

subtest 'project_status by a superuser, projects.name of the owner\'s type' => sub {
	enum_column('victim', 'projects', 'name', 'pname');
	my $offset = log_offset();
	my ($ret, $out, $err) = project_status('project_name');
	check_no_escalation('project_status (projects.name)', $offset, 'victim');
	is($ret, 0, 'project_status: answers') or diag($err);
	is($out, "Agent Staging\nAgent Production", 'project_status: the names');
	reset_db('victim');
};

subtest 'project_status by a superuser, traces.project_id of the owner\'s type' => sub {
	# a trace of today, so that the count of today's traces meets the column
	$node->safe_psql('victim',
		"INSERT INTO public.traces (id, project_id, \"timestamp\") VALUES ('esc-today', '$prod', now() AT TIME ZONE 'UTC')");
	enum_column('victim', 'traces', 'project_id', 'tpid', 'traces', 'traces_project_id_fkey');
	my $offset = log_offset();
	my ($ret, $out, $err) = project_status('project_id, traces_today');
	check_no_escalation('project_status (traces.project_id)', $offset, 'victim');
	is($ret, 0, 'project_status: answers') or diag($err);
	is($out, "$staging|0\n$prod|1", 'project_status: counts today\'s trace');
	reset_db('victim');
};

########################################################################
# 5. heartbeat() by a superuser: its project check.
########################################################################
subtest 'heartbeat() by a superuser, projects.tracing_enabled of the owner\'s type' => sub {
	tri_tracing('victim');
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim', "SELECT swisper.heartbeat('$prod') ->> 'status'");
	check_no_escalation('heartbeat() (tracing_enabled)', $offset, 'victim');
	is($ret, 0, 'heartbeat(): answers') or diag($err);
	is($out, 'ok', 'heartbeat(): records the heartbeat');
	reset_db('victim');
};

subtest 'heartbeat() by a superuser, projects.id of the owner\'s type' => sub {
	pid_projects('victim');
	my $offset = log_offset();
	# (with no text primary key on projects.id it may refuse: only the
	# escalation is asserted)
	my ($ret, $out, $err) = $node->psql('victim', "SELECT swisper.heartbeat('$prod') ->> 'status'");
	note("heartbeat() on projects.id of an enum: " . ($ret == 0 ? $out : $err));
	check_no_escalation('heartbeat() (projects.id)', $offset, 'victim');
	reset_db('victim');
};

########################################################################
# 6. ingest_prune(), SECURITY DEFINER: t.id::text.
########################################################################
subtest 'ingest_prune() by a superuser, traces.id of the owner\'s type' => sub {
	# two ingested traces (merge state for both), one of them deleted later
	my ($ret, $out, $err) = ingest_one('esc-p1');
	($ret, $out, $err) = ingest_one('esc-p2');
	enum_column('victim', 'traces', 'id', 'tid', 'observations', 'observations_trace_id_fkey');
	as_app('victim', "DELETE FROM public.traces WHERE pg_catalog.enum_eq(id, 'esc-p2'::public.tid)");
	my $offset = log_offset();
	($ret, $out, $err) = $node->psql('victim', 'SELECT swisper.ingest_prune()');
	check_no_escalation('ingest_prune() (traces.id)', $offset, 'victim');
	is($ret, 0, 'ingest_prune(): answers') or diag($err);
	is($out, '1', 'ingest_prune(): removes the state of the deleted trace');
	reset_db('victim');
};

########################################################################
# 7. fix_user_id() and release_user_id() (CREATE EXTENSION runs the
#    former): they change the type of traces.user_id, and PostgreSQL checks
#    the table's CHECK constraints, the owner's expressions, as the user
#    who runs ALTER TABLE.  (The CHECK takes anyelement: it is re-parsed for
#    the column's new type.)
########################################################################
sub owner_check_on_user_id
{
	as_app(
		'victim', q{
CREATE FUNCTION public.user_id_ok(u anyelement) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM public.owner_probe('user_id_ok');
	RETURN true;
END
$$;
ALTER TABLE public.traces ADD CONSTRAINT traces_user_id_ok CHECK (public.user_id_ok(user_id));
});
}

subtest 'fix_user_id() by a superuser, a CHECK of the owner\'s on traces' => sub {
	$node->safe_psql('victim', 'SELECT swisper.release_user_id()');
	owner_check_on_user_id();
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim', 'SELECT action FROM swisper.fix_user_id()',
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	check_no_escalation('fix_user_id() (CHECK on traces)', $offset, 'victim');
	isnt($ret, 0, 'fix_user_id(): refuses');
	like($err, qr/42501.*cannot convert user_id to swisper\.external_id: CHECK constraint traces_user_id_ok/s,
		'fix_user_id(): insufficient_privilege naming the constraint');
	# the way through: drop it, convert, create it again as the owner
	as_app('victim', 'ALTER TABLE public.traces DROP CONSTRAINT traces_user_id_ok');
	is($node->safe_psql('victim', 'SELECT action FROM swisper.fix_user_id()'), 'column changed',
		'fix_user_id(): converts traces.user_id once the constraint is gone');
	reset_db('victim');
};

subtest 'release_user_id() by a superuser, a CHECK of the owner\'s on traces' => sub {
	owner_check_on_user_id();
	my $offset = log_offset();
	my ($ret, $out, $err) = $node->psql('victim', 'SELECT action FROM swisper.release_user_id()',
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	check_no_escalation('release_user_id() (CHECK on traces)', $offset, 'victim');
	isnt($ret, 0, 'release_user_id(): refuses');
	like($err, qr/42501.*cannot convert user_id back to text: CHECK constraint traces_user_id_ok/s,
		'release_user_id(): insufficient_privilege naming the constraint');
	as_app('victim', 'ALTER TABLE public.traces DROP CONSTRAINT traces_user_id_ok');
	is($node->safe_psql('victim', 'SELECT action FROM swisper.release_user_id()'), 'column changed',
		'release_user_id(): converts traces.user_id back to text once the constraint is gone');
	reset_db('victim');
};

$node->stop;
done_testing();
