#!/usr/bin/env bash
# `make test`: the set-up of `make demo`, then every suite.  The last line is
# "N passed, N failed" over all suites; the exit code is 0 only when nothing
# failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
. scripts/lib.sh

work=$(mktemp -d /tmp/swisper-test.XXXXXX)
chmod 755 "$work"
counts=$work/counts
: > "$counts"

# META.json against the PGXN Meta Spec and this tree (no server needed).
echo "== META.json (PGXN Meta Spec 1.0.0)"
prove -e /usr/bin/python3 test/meta_json_check.py 2>&1 | tee "$work/meta.log"
bash scripts/prove_counts.sh meta "$work/meta.log" >> "$counts"

echo "== pg_regress, pgTAP and client tests in a throwaway cluster"
with_cluster bash scripts/run_suites.sh "$counts" || echo "cluster 0 1" >> "$counts"

# TAP tests start their own clusters with initdb, which refuses root: run
# them as postgres on a postgres-owned copy of the tree.
if compgen -G 'test/t/*.pl' > /dev/null; then
	echo "== TAP tests (PostgreSQL::Test::Cluster) as the postgres user"
	tree=$work/tree
	mkdir -p "$tree"
	tar --exclude=./.git -cf - . | tar -C "$tree" -xf -
	# The update test (test/t/110_upgrade_0_1_0.pl) builds 0.1.0 from its
	# tag; the copy has no .git, so it gets the sources as an archive.
	old_source=$work/swisper_ext-0.1.0.tar
	if git archive -o "$old_source" v0.1.0 2>/dev/null ||
		git archive -o "$old_source" 4632ac3b72c8e6a0eafb8f6fe746fc1fa0a845fc 2>/dev/null; then
		export SWISPER_OLD_SOURCE=$old_source
	else
		echo "cannot find swisper_ext 0.1.0 for the update test: no tag v0.1.0 and no commit 4632ac3b72c8 in this repository (git fetch --tags); test/t/110_upgrade_0_1_0.pl will fail" >&2
	fi
	chown -R postgres: "$work"
	runuser -u postgres -- env ${SWISPER_OLD_SOURCE:+SWISPER_OLD_SOURCE=$SWISPER_OLD_SOURCE} make -s -C "$tree" PG_CONFIG=$PG_CONFIG installcheck \
		REGRESS= ISOLATION= TAP_TESTS=1 PROVE_TESTS='test/t/*.pl' PROVE_FLAGS='--timer' 2>&1 | tee "$work/tap.log"
	bash scripts/prove_counts.sh tap "$work/tap.log" >> "$counts"
fi

# The Citus suite (a coordinator and two worker nodes), when Citus is
# installed; scripts/test_citus.sh ends with "N passed, N failed".
if [ -f "$($PG_CONFIG --pkglibdir)/citus.so" ]; then
	echo "== Citus: TAP tests on a coordinator and two worker nodes"
	PG_CONFIG=$PG_CONFIG bash scripts/test_citus.sh 2>&1 | tee "$work/citus.log"
	read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/citus.log" | tail -1)
	echo "citus ${p:-0} ${f:-1}" >> "$counts"
else
	echo "citus suite skipped: Citus is not installed"
fi

# Results of suites run before this script (.ci/run's package test).
if [ -n "${SWISPER_EXTRA_COUNTS:-}" ] && [ -f "$SWISPER_EXTRA_COUNTS" ]; then
	cat "$SWISPER_EXTRA_COUNTS" >> "$counts"
fi

echo "== summary"
column -t "$counts" 2>/dev/null || cat "$counts"
passed=$(awk '{s+=$2} END {print s+0}' "$counts")
failed=$(awk '{s+=$3} END {print s+0}' "$counts")
rm -rf "$work"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
