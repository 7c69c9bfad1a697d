#!/usr/bin/env bash
# `make fuzz`: the libFuzzer targets in fuzz/ over the parsers that need no
# server (src/*_core.c).  Not part of `make test`.
#
# For each target fuzz/fuzz_<name>.c (linked with src/<name>_core.c):
#  1. build it with clang-14, outside PGXS, with -fsanitize=fuzzer,address,undefined
#     (every sanitizer report aborts);
#  2. run it for FUZZ_SECONDS on the committed corpus fuzz/corpus/<name>/, the
#     pinned inputs (fuzz/pinned/<name>/: bugs found before and boundary cases,
#     kept as they are, never minimised away),
#     the seed inputs fuzz/seeds.py takes from the tests, and fuzz/<name>.dict;
#  3. minimise corpus + seeds + new inputs with -merge=1 back into
#     fuzz/corpus/<name>/ (commit what changed there).
# An input that makes a target fail (a sanitizer report or a failed property
# check) is written to fuzz/artifacts/<name>/ (git-ignored); the corpus of
# that target is then left alone and the script exits non-zero.
#
#   make fuzz                                  60 s per target
#   FUZZ_SECONDS=300 make fuzz                 5 minutes per target
#   FUZZ_TARGETS=external_id make fuzz         one target
#   bash scripts/fuzz.sh --replay              run the corpus and pinned inputs once, no fuzzing
#   fuzz/build/<name> fuzz/artifacts/<name>/crash-...    replay one failing input
#
# As root it installs clang-14 and libclang-rt-14-dev when missing; as anyone
# else it prints the apt-get line to run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TARGETS=${FUZZ_TARGETS:-"external_id ingest_timestamp"}
REPLAY=0
[ "${1:-}" = "--replay" ] && REPLAY=1

PACKAGES=(clang-14 libclang-rt-14-dev python3)
ensure_packages "${PACKAGES[@]}" || exit 1

BUILD=fuzz/build
CFLAGS_FUZZ=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
	-fno-sanitize-recover=all -Wall -Wextra -Werror -Isrc)
failed=()
summary=()

# stat NAME LOG: one of libFuzzer's -print_final_stats figures.
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -1
}

# corpus_size DIR: "<files> files, <bytes> bytes".
corpus_size() {
	local n bytes
	n=$(find "$1" -type f | wc -l)
	bytes=$(find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
	echo "$n files, $bytes bytes"
}

for t in $FUZZ_TARGETS; do
	bin=$BUILD/$t
	corpus=fuzz/corpus/$t
	pinned=fuzz/pinned/$t
	case $t in
		external_id) maxlen=1024 ;;	# three values of up to 255 bytes, and too-long ones
		*) maxlen=128 ;;
	esac
	mkdir -p "$BUILD" "$corpus" "$pinned" "fuzz/artifacts/$t"

	echo "== $t: building $bin (clang-14, fuzzer+address+undefined)"
	clang-14 "${CFLAGS_FUZZ[@]}" -o "$bin" "fuzz/fuzz_$t.c" "src/${t}_core.c"

	if [ $REPLAY -eq 1 ]; then
		if "$bin" -runs=0 "$corpus" "$pinned" >"$BUILD/$t.log" 2>&1; then
			summary+=("$t: replayed corpus ($(corpus_size "$corpus")) and pinned inputs ($(corpus_size "$pinned")): ok")
		else
			tail -30 "$BUILD/$t.log"
			failed+=("$t")
			summary+=("$t: replay FAILED (log: $BUILD/$t.log)")
		fi
		continue
	fi

	rm -rf "$BUILD/seeds/$t" "$BUILD/new/$t" "$BUILD/merged/$t"
	mkdir -p "$BUILD/new/$t" "$BUILD/merged/$t"
	python3 fuzz/seeds.py "$t" "$BUILD/seeds/$t"
	before=$(corpus_size "$corpus")

	echo "== $t: fuzzing for $FUZZ_SECONDS s (log: $BUILD/$t.log)"
	if "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
		-dict="fuzz/$t.dict" -artifact_prefix="fuzz/artifacts/$t/" -print_final_stats=1 \
		"$BUILD/new/$t" "$corpus" "$pinned" "$BUILD/seeds/$t" >"$BUILD/$t.log" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	execs=$(stat number_of_executed_units "$BUILD/$t.log")
	speed=$(stat average_exec_per_sec "$BUILD/$t.log")
	if [ $rc -ne 0 ]; then
		grep -E 'property failed|ERROR: |SUMMARY|Test unit written|^parser ' "$BUILD/$t.log" | head -20 || true
		failed+=("$t")
		summary+=("$t: FAILED (exit $rc) after ${execs:-?} executions; input in fuzz/artifacts/$t/, log $BUILD/$t.log")
		continue
	fi

	echo "== $t: merging corpus, seeds and new inputs into $corpus (-merge=1)"
	if ! "$bin" -merge=1 -max_len=$maxlen "$BUILD/merged/$t" "$corpus" "$BUILD/seeds/$t" \
		"$BUILD/new/$t" >"$BUILD/$t.merge.log" 2>&1; then
		tail -20 "$BUILD/$t.merge.log"
		failed+=("$t")
		summary+=("$t: merge FAILED (log: $BUILD/$t.merge.log)")
		continue
	fi
	rm -rf "$corpus"
	mv "$BUILD/merged/$t" "$corpus"
	summary+=("$t: ${execs} executions in ${FUZZ_SECONDS} s (${speed} exec/s), no failure; corpus $before -> $(corpus_size "$corpus")")
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
	exit 1
fi
