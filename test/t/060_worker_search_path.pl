# The heartbeat worker runs its statements as a superuser.  A search_path
# set for its database (ALTER DATABASE ... SET search_path, which the
# database's owner may do) that puts a schema before pg_catalog must not make
# the worker call that schema's operators (a hostile object
# earlier on the search_path does not change what the extension does).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use FindBin;
use lib "$FindBin::RealBin/lib";
use SwisperTest;
use Test::More;

my $prod = '7f3e2c1a-9b8d-4e6f-a5c4-3b2a1f0e9d8c';

my $node = swisper_node('search_path', conf => {
		'swisper.check_interval' => '200ms'
	}, platform => 1);

# An "=" on text that logs every call (and answers rightly, so that only
# the log tells), in a schema the database's search_path puts first.
$node->safe_psql(
	'postgres', q{
CREATE SCHEMA evil;
CREATE TABLE evil.calls (fn text, by_role text, backend_type text);
CREATE FUNCTION evil.eq_text(text, text) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO evil.calls SELECT '= text', current_user, a.backend_type FROM pg_catalog.pg_stat_activity a WHERE a.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid(); RETURN pg_catalog.texteq($1, $2); END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq_text);
CREATE FUNCTION evil.eq_varchar(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS
$$ BEGIN INSERT INTO evil.calls SELECT '= varchar', current_user, a.backend_type FROM pg_catalog.pg_stat_activity a WHERE a.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid(); RETURN pg_catalog.texteq($1, $2); END $$;
CREATE OPERATOR evil.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = evil.eq_varchar);
ALTER DATABASE postgres SET search_path = evil, pg_catalog, public;
});

# The operator is live for a new session of this database ...
is($node->safe_psql('postgres', q{SELECT 'a'::text = 'a'::text; SELECT count(*) FROM evil.calls}),
	"t\n1", 'a new session of the database calls evil.= (the trap works)');
$node->safe_psql('postgres', 'TRUNCATE evil.calls');

# ... and the worker, restarted so that it reads the database's settings,
# publishes statuses without calling it.
my $old_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker'");
$node->safe_psql('postgres', "SELECT pg_terminate_backend($old_pid)");
ok( $node->poll_query_until(
		'postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'swisper heartbeat worker' AND pid <> $old_pid"),
	'the worker is back with the database\'s search_path');
$node->safe_psql('postgres', "SELECT swisper.heartbeat('$prod')");
ok( $node->poll_query_until(
		'postgres',
		"SELECT status = 'connected' FROM swisper.project_connection WHERE project_id = '$prod'"),
	'the worker published the status of the project');
# (this test's own queries meet evil.= too: count the worker's calls only)
is($node->safe_psql('postgres',
		"SELECT count(*) FROM evil.calls WHERE backend_type OPERATOR(pg_catalog.=) 'swisper heartbeat worker'"),
	'0', 'the worker called no operator of schema evil');

note($node->safe_psql('postgres', 'SELECT fn, by_role, backend_type, count(*) FROM evil.calls GROUP BY 1, 2, 3'));
$node->stop;
done_testing();
