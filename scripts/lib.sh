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

# Install the Debian packages named that are missing: as root with apt-get;
# as anyone else, print the one apt-get line to run and fail.
ensure_packages() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -eq 0 ]; then
		echo "== installing Debian packages: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "Missing Debian packages. Run, as root:"
		echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
		return 1
	fi
}
