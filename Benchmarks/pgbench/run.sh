#!/usr/bin/env bash
# PostgreSQL alone, doing what `Postgres.Append.HundredLedgers` asks of it: pgbench sends the
# statements of one replica's write (append.sql) to 100 ledgers from CLIENTS connections for
# SECONDS, on a server of its own in a temporary directory with its default durability (fsync on),
# over a Unix socket — the benchmark's own setup. Events per second = 10 x the tps it prints. Run it
# in the same hour as the benchmark: it is the ceiling the benchmark's figure is to be read against.
#
#     Benchmarks/pgbench/run.sh [CLIENTS (default 100)] [SECONDS (default 30)]
#
# Needs Debian's `postgresql` (server programs in /usr/lib/postgresql/*/bin). As root, the server
# runs as the `postgres` user, which refuses to run as root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
clients=${1:-100}
seconds=${2:-30}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/pg_ctl" ] || { echo "no PostgreSQL server programs in /usr/lib/postgresql/*/bin" >&2; exit 1; }
work=$(mktemp -d)
as=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as=(runuser -u postgres --); fi
stop() { "${as[@]}" "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap stop EXIT
"${as[@]}" "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w \
    -o "-k $work -c listen_addresses='' -c max_connections=$((clients + 20))" start >/dev/null
# The two tables a write touches, as Sources/PostgresLog/PostgresSchema.swift defines them.
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -U postgres -d postgres <<'SQL'
CREATE TABLE clientledger_ledger (ledger text PRIMARY KEY, head bigint NOT NULL CHECK (head >= 0),
                                  head_hash bytea CHECK (octet_length(head_hash) = 32));
CREATE TABLE clientledger_record (ledger text NOT NULL, position bigint NOT NULL CHECK (position >= 1),
                                  record bytea NOT NULL, PRIMARY KEY (ledger, position));
INSERT INTO clientledger_ledger (ledger, head) SELECT 'salon-' || i, 0 FROM generate_series(0, 99) AS i;
SQL
"$bin/pgbench" -h "$work" -U postgres -n -M prepared -c "$clients" -j 2 -T "$seconds" -P 10 -f "$here/append.sql" postgres
