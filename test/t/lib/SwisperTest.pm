# SwisperTest: the set-up every TAP test of swisper_ext shares.
#
#   use FindBin;
#   use lib "$FindBin::RealBin/lib";
#   use SwisperTest;
#   my $node = swisper_node('name', conf => { 'swisper.check_interval' => '200ms' }, platform => 1);
#
# swisper_node() starts a node with the library preloaded and the worker
# pointed at database "postgres" (both overridable through conf; every value
# is written quoted, which postgresql.conf accepts for any setting); init
# passes options to PostgreSQL::Test::Cluster::init (allows_streaming, ...);
# platform loads the platform's schema (test/fixtures/observability_schema.sql)
# and creates the extension in "postgres".  run_sql() and psql_error() run
# SQL that may fail.
package SwisperTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(swisper_node run_sql psql_error);


sub swisper_node
{
	my ($name, %opt) = @_;
	my %conf = (
		'shared_preload_libraries' => 'swisper_ext',
		'swisper.database' => 'postgres',
		%{ $opt{conf} // {} });
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init(%{ $opt{init} // {} });
	$node->append_conf('postgresql.conf', join('', map { "$_ = '$conf{$_}'\n" } sort keys %conf));
	$node->start;
	if ($opt{platform})
	{
		$node->safe_psql('postgres', slurp_file('test/fixtures/observability_schema.sql'));
		$node->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION swisper_ext');
	}
	return $node;
}

# Runs SQL in database $db; returns its output, or undef after an error
# (shown with diag unless $quiet).
sub run_sql
{
	my ($node, $db, $sql, $quiet) = @_;
	my ($ret, $out, $err) = $node->psql($db, $sql, on_error_stop => 1);
	return $out if $ret == 0;
	my ($first) = $err =~ /(ERROR:[^\n]*)/;
	Test::More::diag("failed: " . substr($sql =~ s/\s+/ /gr, 0, 120) . "\n  " . ($first // $err))
	  unless $quiet;
	return undef;
}

# Runs SQL expected to fail; returns (sqlstate, message), or () when it did
# not fail.
sub psql_error
{
	my ($node, $db, $sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql", on_error_stop => 1);
	return () if $ret == 0;
	return ($1, $2) if $err =~ /ERROR:\s+([0-9A-Z]{5}):\s+([^\n]*)/;
	return ('?????', $err);
}

1;
