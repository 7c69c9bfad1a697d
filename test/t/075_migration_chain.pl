# The platform's migration chain runs on after the install, from every
# state, with no manual step; then one swisper.fix_user_id() leaves
# traces.user_id fixed.  And the way back down.
#
# For each install state k in 0 (an empty database, as a container's init
# script finds it) .. 11: build state k (test/fixtures/states/01..k), seed
# traces, CREATE EXTENSION, apply the fixtures k+1..11 (the platform's
# migrations as Alembic runs them), seeding traces after each one, then
# fix_user_id().  Each migration must succeed.  The same steps without the
# install give the reference: every row the chain leaves there is left with
# the extension, with the same user_id, except that UUIDs in another
# spelling are canonical.  At states 6 and 7 the install drops
# fk_traces_user and leaves a placeholder of that name, which migration 8's
# DROP CONSTRAINT drops; at states 1-5 migration 6 adds fk_traces_user over
# the converted column (which needs swisper.external_id to convert
# implicitly to text) and migration 8 drops it.
#
# The way back: the downgrades of migrations 7 and 6 after an install at
# state 7 (the downgrade of 6 drops fk_traces_user by name: the
# placeholder); and from state 11, release_user_id() first, then the
# platform's downgrades to state 5 (the downgrade of 8 re-adds
# fk_traces_user to a text column), then the chain up again and the fix.
#
# No worker is needed: it serves database postgres, not this test's.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;

my $db    = 'chain';
my $admin = 'admin-user-uuid-0000-000000000001';    # migration 6's admin user

my @migrations = sort glob('test/fixtures/states/[0-9][0-9]_*.sql');
die 'no migration fixtures' unless @migrations == 11;
my @revisions = map { m{/\d\d_(.*)\.sql$} ? $1 : die "bad fixture name $_" } @migrations;

# The platform's downgrades (backend/alembic/versions/*.py, downgrade()) as
# Alembic runs them on PostgreSQL, each in its own transaction: the
# downgrade of migration N leaves state N - 1.
my %downgrade = (
	11 => q{ALTER TABLE model_pricing DROP COLUMN description;
			ALTER TABLE model_pricing DROP COLUMN type;},
	10 => q{DROP INDEX ix_projects_tracing_enabled;
			ALTER TABLE projects DROP COLUMN tracing_enabled;},
	9 => q{DELETE FROM model_pricing WHERE hosting_provider = 'kvant';},
	8 => q{DROP INDEX idx_traces_user_id;
			ALTER TABLE traces ALTER COLUMN user_id SET NOT NULL;
			ALTER TABLE traces ADD CONSTRAINT fk_traces_user FOREIGN KEY(user_id) REFERENCES users (id);},
	7 => q{ALTER TABLE projects DROP COLUMN github_token;},
	6 => q{ALTER TABLE traces DROP CONSTRAINT fk_traces_user;
			ALTER TABLE projects DROP CONSTRAINT fk_projects_owner;
			ALTER TABLE projects DROP COLUMN owner_id;
			ALTER TABLE projects DROP COLUMN github_repo_url;
			DROP INDEX ix_users_is_active;
			DROP INDEX ix_users_role;
			DROP INDEX ix_users_created_at;
			DROP INDEX ix_users_email;
			DROP TABLE users;});

my $node = swisper_node('chain');
$node->safe_psql('postgres', "CREATE DATABASE $db");

######################################################################
# Helpers

# Runs SQL; returns its output, or undef after an error (SwisperTest.pm).
sub query { return run_sql($node, $db, @_); }

# Runs SQL expected to fail; returns its SQLSTATE, or '' when it did not
# fail.
sub sqlstate_of
{
	my @e = psql_error($node, $db, @_);
	return @e ? $e[0] : '';
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

# The foreign keys on traces whose columns include user_id.
sub user_id_fks
{
	return query(
		"SELECT coalesce(string_agg(c.conname, ',' ORDER BY c.conname), '')
		   FROM pg_constraint c
		   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
		  WHERE c.conrelid = 'public.traces'::regclass AND c.contype = 'f' AND a.attname = 'user_id'");
}

# What a constraint named fk_traces_user on traces is: f, c, or '' (none).
sub fk_traces_user_kind
{
	return query(
		"SELECT coalesce((SELECT contype::text FROM pg_constraint
						   WHERE conrelid = 'public.traces'::regclass AND conname = 'fk_traces_user'), '')");
}

sub user_id_column
{
	return query(
		"SELECT format_type(atttypid, atttypmod) || ' ' || CASE WHEN attnotnull THEN 'not null' ELSE 'nullable' END
		   FROM pg_attribute WHERE attrelid = 'public.traces'::regclass AND attname = 'user_id'");
}

sub user_id_indexes
{
	return query(
		"SELECT string_agg(i.relname, ',' ORDER BY i.relname)
		   FROM pg_index x
		   JOIN pg_class i ON i.oid = x.indexrelid
		   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
		  WHERE x.indrelid = 'public.traces'::regclass AND a.attname = 'user_id'");
}

# Every trace as id=user_id (as text), in id order.
sub traces_user_ids
{
	return query(
		"SELECT coalesce(string_agg(id || '=' || coalesce(user_id::text, '<null>'), ',' ORDER BY id), '') FROM traces");
}

# The spelling swisper.external_id stores: UUIDs lower-case.
sub canonical
{
	my ($list) = @_;
	return join(',',
		map { s/=([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$/'=' . lc($1)/er }
		  split /,/, $list);
}

sub fresh_schema
{
	$node->safe_psql($db,
		"SET client_min_messages = warning;
		 DROP EXTENSION IF EXISTS swisper_ext CASCADE;
		 DROP SCHEMA IF EXISTS swisper CASCADE;
		 DROP SCHEMA public CASCADE;
		 CREATE SCHEMA public;");
}

# Applies fixture file $i (1..11); true on success.
sub migrate
{
	my ($i) = @_;
	my ($ret, $out, $err) = $node->psql($db, slurp_file($migrations[ $i - 1 ]), on_error_stop => 1);
	diag($err) if $ret != 0;
	return $ret == 0;
}

# Runs the downgrade of migration $i in a transaction, as Alembic does;
# returns '' on success, else the SQLSTATE.
sub downgrade
{
	my ($i) = @_;
	my $to = $i >= 2 ? $revisions[ $i - 2 ] : die;
	return sqlstate_of("BEGIN;\n$downgrade{$i}\n"
		  . "UPDATE alembic_version SET version_num = '$to' WHERE alembic_version.version_num = '$revisions[$i - 1]';\nCOMMIT;");
}

# The project every seeded trace belongs to, made as soon as the state has
# a projects table (migration 3's foreign key needs it), with the columns
# that table has.
sub ensure_project
{
	return unless has_table('projects');
	return if exists_sql("SELECT FROM projects WHERE id = 'p-seed'");
	my %values = (
		id              => "'p-seed'",
		name            => "'Agent Staging'",
		swisper_url     => "'https://swisper.example/api'",
		swisper_api_key => "'sk-seed'",
		created_at      => "now() AT TIME ZONE 'UTC'",
		updated_at      => "now() AT TIME ZONE 'UTC'");
	my @cols = grep { exists $values{$_} } split /\n/,
	  query("SELECT column_name FROM information_schema.columns
			  WHERE table_schema = 'public' AND table_name = 'projects' ORDER BY ordinal_position");
	query(sprintf("INSERT INTO projects (%s) VALUES (%s)",
			join(', ', @cols), join(', ', map { $values{$_} } @cols)));
}

# Seeds traces "$tag-N" with the user ids that the platform's schema at
# state $state allows: external ids (a UUID, the same in upper case, an
# Auth0 id, an integer, an opaque id) except at states 6 and 7, where
# fk_traces_user forbids them; the admin user where the users table exists;
# and NULL.  The same writes whether or not the extension is installed.
# Returns the number of rows inserted, or undef after an error.
sub seed
{
	my ($tag, $state) = @_;
	return 0 unless has_table('traces');
	ensure_project();
	my @ids;
	push @ids, ('1aac01a8-a985-4cd1-aad6-7e12b25da1bc', 'C0FFEE00-1234-4ABC-8DEF-0123456789AB',
		'auth0|5f7c8ec7c33c6c004bbafe82', '12345', 'ext-user-8812')
	  unless $state == 6 || $state == 7;
	push @ids, $admin if has_table('users');
	push @ids, undef;
	my @rows;
	for my $i (0 .. $#ids)
	{
		my $u = defined $ids[$i] ? "'$ids[$i]'" : 'NULL';
		push @rows, "('$tag-$i', 'seeded $tag', $u, 'p-seed', '2025-11-05 07:13:17')";
	}
	return defined query(
		'INSERT INTO traces (id, name, user_id, project_id, "timestamp") VALUES ' . join(', ', @rows))
	  ? scalar(@rows) : undef;
}

# Builds state $k, seeds it, installs when $install, applies the rest of the
# chain, seeding after each migration.  Returns the failed migrations and
# the number of seeded rows; $on_step, when given, is called after the
# install and after each migration with the migration's number (0 for the
# install).
sub run_chain
{
	my ($k, $install, $on_step) = @_;
	fresh_schema();
	for my $i (1 .. $k)
	{
		migrate($i) or die "fixture $i does not apply";
	}
	my $seeded = seed("s$k", $k) // die 'seeding failed';
	my @failed;
	if ($install)
	{
		my ($ret, $out, $err) = $node->psql($db, 'CREATE EXTENSION swisper_ext', on_error_stop => 1);
		push @failed, 'install' if $ret != 0;
		diag($err) if $ret != 0;
		$on_step->(0) if $on_step;
	}
	for my $i ($k + 1 .. 11)
	{
		if (!migrate($i))
		{
			push @failed, $i;
			last;
		}
		$on_step->($i) if $on_step;
		$seeded += seed("m$i", $i) // die 'seeding failed';
	}
	return (\@failed, $seeded);
}

######################################################################
# The chain after an install at every state

for my $k (0 .. 11)
{
	my $S = $k == 0 ? 'installed in an empty database' : "installed at state $k ($revisions[$k - 1])";

	# The reference: the same chain and the same writes without the install.
	my ($ref_failed, $ref_seeded) = run_chain($k, 0);
	die "the chain fails without the extension: @$ref_failed" if @$ref_failed;
	my $reference = traces_user_ids();

	my %after;    # what the steps saw, by step
	my ($failed, $seeded) = run_chain(
		$k, 1,
		sub {
			my ($step) = @_;
			return unless has_table('traces');
			$after{$step} = {
				column => user_id_column(),
				kind   => fk_traces_user_kind(),
				fks    => user_id_fks(),
				comment => query("SELECT coalesce(obj_description(oid, 'pg_constraint'), '') FROM pg_constraint
								   WHERE conrelid = 'public.traces'::regclass AND conname = 'fk_traces_user'") // '',
			};
		});
	is(join(',', @$failed), '', "$S: the install and every later migration succeed");
	is($seeded, $ref_seeded, "$S: the chain takes the same writes as without the install");
	next if @$failed;
	is(query('SELECT version_num FROM alembic_version'), $revisions[-1], "$S: alembic_version is the last revision");

	if ($k == 6 || $k == 7)
	{
		is($after{0}{kind}, 'c', "$S: the install leaves a CHECK constraint named fk_traces_user");
		like($after{0}{comment}, qr/^Placeholder left by swisper\.fix_user_id\(\) .*REFERENCES public\.users\(id\) ON DELETE SET NULL/,
			"$S: its comment says what it is and which foreign key it replaces");
		is($after{0}{fks}, '', "$S: no foreign key on user_id after the install");
		is($after{8}{kind}, '', "$S: migration 8 drops the placeholder");
	}
	if ($k >= 1 && $k <= 5)
	{
		is($after{0}{column}, 'swisper.external_id nullable', "$S: the install converts user_id");
		is($after{6}{fks}, 'fk_traces_user', "$S: migration 6 adds fk_traces_user over swisper.external_id");
		is($after{8}{kind}, '', "$S: migration 8 drops it");
	}
	if ($k == 0)
	{
		ok(!defined $after{0}, "$S: the install creates no traces table");
	}

	# Once after the migrations.
	my $fix = query('SELECT string_agg(action, \',\' ORDER BY action) FROM swisper.fix_user_id()');
	ok(defined $fix, "$S: fix_user_id() after the chain succeeds");
	is($fix, $k == 0 ? 'column changed,values canonicalized' : '',
		"$S: fix_user_id() after the chain "
		  . ($k == 0 ? 'converts user_id and respells the upper-case UUID' : 'has nothing left to do'));
	is(user_id_column(), 'swisper.external_id nullable', "$S: user_id is swisper.external_id, nullable");
	is(user_id_fks(), '', "$S: no foreign key on user_id");
	is(fk_traces_user_kind(), '', "$S: no constraint named fk_traces_user is left");
	is(user_id_indexes(), 'idx_traces_user_id,ix_traces_user_id,ix_traces_user_timestamp',
		"$S: user_id keeps its indexes, and no new one");
	is(traces_user_ids(), canonical($reference),
		"$S: every row is there with the user_id the chain gives it without the install (UUIDs canonical)");
	is(query('SELECT count(*) FROM swisper.fix_user_id()'), '0', "$S: a second fix_user_id() finds nothing to do");

	# Inserts the platform makes after the chain: external ids.
	ok( defined query(
			"INSERT INTO traces (id, user_id, project_id, \"timestamp\")
			 VALUES ('after-0', 'auth0|64b7', 'p-seed', '2025-11-06'), ('after-1', '0b6f6d1e-5a3c-4c1e-9a51-2f0e8c3d7a10', 'p-seed', '2025-11-06')"),
		"$S: external user ids are stored after the chain");
}

######################################################################
# The way back

# Installed at state 7: the downgrades of 7 and 6 run; that of 6 drops
# fk_traces_user by name, which is the placeholder.
fresh_schema();
migrate($_) for 1 .. 7;
seed('w7', 7);
query('CREATE EXTENSION swisper_ext');
is(fk_traces_user_kind(), 'c', 'way back from state 7: the placeholder stands in for fk_traces_user');
is(downgrade(7), '', 'way back from state 7: the downgrade of 5be6d2b38e49 succeeds');
is(downgrade(6), '', 'way back from state 7: the downgrade of 1b23175c5a26 succeeds (it drops the placeholder)');
is(query('SELECT version_num FROM alembic_version'), $revisions[4], 'way back from state 7: at state 5');
ok(!has_table('users'), 'way back from state 7: the users table is gone, as the downgrade wants');
is(user_id_column(), 'swisper.external_id nullable', 'way back from state 7: user_id stays swisper.external_id');

# From state 11 with the extension: release_user_id() first, then the
# platform's downgrades.  The downgrade of 8 makes user_id NOT NULL and adds
# a foreign key to users (the platform warns that it fails where traces hold
# ids that are not users'), so these traces hold only the admin user.
fresh_schema();
migrate($_) for 1 .. 6;
ensure_project();
query("INSERT INTO traces (id, name, user_id, project_id, \"timestamp\")
	   SELECT 'w11-' || g, 'run ' || g, '$admin', 'p-seed', '2025-11-05' FROM generate_series(1, 20) g");
migrate($_) for 7 .. 11;
query('CREATE EXTENSION swisper_ext');
query('SELECT * FROM swisper.fix_user_id()');
my $ids = traces_user_ids();
is(user_id_column(), 'swisper.external_id nullable', 'way back from state 11: user_id is swisper.external_id');

# Without release_user_id(), the downgrade of 8 meets the type: it fails
# with 42804 where swisper.external_id does not convert implicitly to text,
# and otherwise adds fk_traces_user over swisper.external_id (the outage's
# constraint, by the downgrade's own choice).  Either way it is not the way
# back; it runs here in a transaction that is rolled back.
my $implicit = exists_sql(
	"SELECT FROM pg_cast WHERE castsource = 'swisper.external_id'::regtype AND casttarget = 'text'::regtype
	   AND castcontext = 'i'");
is(sqlstate_of("BEGIN; $downgrade{8}; SELECT 1/0; ROLLBACK;"), $implicit ? '22012' : '42804',
	'way back from state 11: the downgrade of c85a4ae4ef21 without release_user_id() '
	  . ($implicit ? 'adds the foreign key over swisper.external_id' : 'fails on the type (42804)'));

ok(defined query('SELECT * FROM swisper.release_user_id()'), 'way back from state 11: release_user_id() succeeds');
is(user_id_column(), 'text nullable', 'way back from state 11: user_id is text');
for my $i (reverse 6 .. 11)
{
	is(downgrade($i), '', "way back from state 11: the downgrade of $revisions[$i - 1] succeeds");
}
is(query('SELECT version_num FROM alembic_version'), $revisions[4], 'way back from state 11: at state 5');
is(traces_user_ids(), $ids, 'way back from state 11: every row and user_id kept');
ok(defined query('DROP EXTENSION swisper_ext'), 'way back from state 11: DROP EXTENSION needs no CASCADE');

# And up again: the chain, then the fix.
my @up_failed = grep { !migrate($_) } 6 .. 11;
is("@up_failed", '', 'up again from state 5: migrations 6 to 11 succeed');
query('CREATE EXTENSION swisper_ext');
is(query('SELECT string_agg(action, \',\' ORDER BY action) FROM swisper.fix_user_id()'), '',
	'up again: the install fixed user_id; fix_user_id() finds nothing left');
is(user_id_column(), 'swisper.external_id nullable', 'up again: user_id is swisper.external_id, nullable');
is(user_id_fks(), '', 'up again: no foreign key on user_id');
is(traces_user_ids(), $ids, 'up again: every row and user_id kept');

$node->stop;
done_testing();
