# Shared by the scripts: where PostgreSQL 15 is and how a throwaway cluster
# is started.  Sourced, not run.
PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BIN/pg_config
export PATH=$PG_BIN:$PATH

# The -o options for pg_virtualenv from test/cluster.conf.
cluster_options() {
	local line
	while IFS= read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | xargs)
		[ -n "$line" ] && printf -- '-o\n%s\n' "$line"
	done < "$(dirname "${BASH_SOURCE[0]}")/../test/cluster.conf"
}

# Run a command in a throwaway PostgreSQL 15 cluster with the library
# preloaded.  pg_virtualenv runs initdb as the postgres user, so this works
# as root; -t keeps the cluster under /tmp, so two runs never collide.
# SWISPER_DATABASE, when set, names the database the worker serves instead
# of test/cluster.conf's.
with_cluster() {
	local opts=()
	mapfile -t opts < <(cluster_options)
	if [ -n "${SWISPER_DATABASE:-}" ]; then
		opts+=(-o "swisper.database=$SWISPER_DATABASE")
	fi
	pg_virtualenv -t -v 15 "${opts[@]}" "$@"
}
