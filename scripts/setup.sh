#!/usr/bin/env bash
# Set-up shared by `make demo` and `make test`: the Debian packages, the build
# and the install.  As root it installs what is missing; as anyone else it
# prints the one apt-get line to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

# build-essential: gcc and make; postgresql-15: the server, and pg_virtualenv
# (postgresql-common); postgresql-server-dev-15: headers, PGXS and
# PostgreSQL::Test::Cluster; postgresql-15-pgtap and
# libtap-parser-sourcehandler-pgtap-perl: pgTAP and pg_prove; libipc-run-perl:
# TAP tests; postgresql-15-partman: pg_partman, which the partitioning tests
# manage traces and observations with; python3-asyncpg and python3-psycopg:
# the client tests and the benchmarks; redis-server and python3-redis:
# contrib/redis_consumer, its client test and its benchmark; util-linux:
# runuser.
PACKAGES=(build-essential postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl libipc-run-perl postgresql-15-partman python3
	python3-asyncpg python3-psycopg redis-server python3-redis util-linux)

ensure_packages "${PACKAGES[@]}" || exit 1

echo "== building and installing swisper_ext"
make -s PG_CONFIG=$PG_CONFIG >/dev/null
if [ "$(id -u)" -eq 0 ]; then
	make -s PG_CONFIG=$PG_CONFIG install >/dev/null
else
	sudo make -s PG_CONFIG=$PG_CONFIG install >/dev/null
fi
