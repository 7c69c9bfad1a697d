#!/usr/bin/env bash
# Set-up shared by `make demo` and `make test`: the Debian packages, the build
# and the install.  As root it installs what is missing; as anyone else it
# prints the one apt-get line to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

# build-essential: gcc and make; postgresql-15: the server, and pg_virtualenv
# (postgresql-common); postgresql-server-dev-15: headers, PGXS and
# PostgreSQL::Test::Cluster; postgresql-15-pgtap and
# libtap-parser-sourcehandler-pgtap-perl: pgTAP and pg_prove; libipc-run-perl:
# TAP tests; python3-asyncpg and python3-psycopg: the client tests and the
# benchmarks; util-linux: runuser.
PACKAGES=(build-essential postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl libipc-run-perl python3 python3-asyncpg
	python3-psycopg util-linux)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "== installing Debian packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "Missing Debian packages. Run, as root:"
		echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
		exit 1
	fi
fi

PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
echo "== building and installing swisper_ext"
make -s PG_CONFIG=$PG_CONFIG >/dev/null
if [ "$(id -u)" -eq 0 ]; then
	make -s PG_CONFIG=$PG_CONFIG install >/dev/null
else
	sudo make -s PG_CONFIG=$PG_CONFIG install >/dev/null
fi
