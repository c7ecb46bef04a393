#!/usr/bin/env bash
# Runs the C reference programs (raw LMDB, SQLite; ../../shared/reference) and our benchmarks in the
# same session. The benchmarks include the same programs' batched append ported call for call, run in
# turns with ours (Compare.Batched1000.Durable): read the ratios there; the C programs' own figures
# check the ports. Needs liblmdb-dev and libsqlite3-dev.
#
#     ./run-with-references.sh [extra arguments for `swift package benchmark`]
set -euo pipefail
cd "$(dirname "$0")"
reference=${REFERENCE_DIR:-../../shared/reference}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -f "$reference/lmdb_limit.c" ]; then
    cc -O2 -o "$work/lmdb_limit" "$reference/lmdb_limit.c" -llmdb
    cc -O2 -o "$work/sqlite_peer" "$reference/sqlite_peer.c" -lsqlite3
    echo "== raw LMDB (1,000,000 x 120 bytes)"; "$work/lmdb_limit" 1000000 120 "$work/lmdb"
    echo "== SQLite WAL (1,000,000 x 120 bytes)"; "$work/sqlite_peer" 1000000 120 "$work/sqlite.db"
else
    echo "(no reference programs at $reference; set REFERENCE_DIR)"
fi
echo "== ClientLedger benchmarks"
# SwiftPM keeps its build plan for a package depended on by path, and does not notice new source files
# in it; dropping the plan makes it look again (cheap: nothing is recompiled that did not change).
rm -f .build/release.yaml .build/debug.yaml
# The benchmark plugin can crash once on its first run; run it again if so.
swift package benchmark "$@" || swift package benchmark "$@"
# The disk's sync speed drifts from minute to minute on a shared machine: the raw LMDB figure again,
# after the benchmarks, brackets them (compare with both).
if [ -x "$work/lmdb_limit" ]; then
    echo "== raw LMDB again, after the benchmarks"; "$work/lmdb_limit" 1000000 120 "$work/lmdb"
fi
