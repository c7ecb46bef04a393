#!/usr/bin/env python3
"""Verifies a ClientLedger ledger held in PostgreSQL, written from docs/postgres.md and
docs/log-format.md alone.

    python3 scripts/verify-postgres.py CONNINFO LEDGER [POSITION:HASH ...]

Reads the ledger's tables with `psql` (PostgreSQL's client), checks its records exactly as
scripts/verify-dump.py checks an LMDB log (the records are the same bytes), checks the ledger's
row (its head and head hash must be the last record's) and any anchors, prints the head hash,
and exits 0 if the ledger holds, 2 if it does not (naming the first break), 1 for bad input.
Python 3 standard library and psql only.
"""
import importlib.util
import os
import struct
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("verify_dump", os.path.join(here, "verify-dump.py"))
verify_dump = importlib.util.module_from_spec(spec)
spec.loader.exec_module(verify_dump)


def query(conninfo, ledger, sql):
    """Rows of `sql` (COPY … TO STDOUT, tab-separated), with :'ledger' bound to the ledger's id."""
    result = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "ledger=" + ledger, "-d", conninfo],
                            input=sql, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 1
    conninfo, ledger, anchors = argv[1], argv[2], argv[3:]
    try:
        row = query(conninfo, ledger, "COPY (SELECT head, encode(head_hash, 'hex') FROM clientledger_ledger WHERE ledger = :'ledger') TO STDOUT;")
        types = query(conninfo, ledger, "COPY (SELECT code, encode(name, 'hex') FROM clientledger_event_type WHERE ledger = :'ledger') TO STDOUT;")
        streams = query(conninfo, ledger, "COPY (SELECT number, encode(name, 'hex') FROM clientledger_stream WHERE ledger = :'ledger') TO STDOUT;")
        records = query(conninfo, ledger, "COPY (SELECT position, encode(record, 'hex') FROM clientledger_record WHERE ledger = :'ledger' ORDER BY position) TO STDOUT;")
    except (OSError, RuntimeError) as error:
        print("cannot read the ledger: %s" % error, file=sys.stderr)
        return 1
    if not row:
        print("the database holds no ledger %s" % ledger, file=sys.stderr)
        return 1
    # The same tables an LMDB log has (docs/log-format.md), as verify-dump.py reads them: records
    # of format 2 in a log of format 2, no stream heads kept (checkpoint 0).
    databases = {
        "meta": [(b"format", struct.pack("<I", 2))],
        "eventTypes": [(struct.pack(">I", int(code)), bytes.fromhex(name)) for code, name in types],
        "streams": [(struct.pack(">Q", int(number)), struct.pack("<QQ", 0, 0) + bytes.fromhex(name)) for number, name in streams],
        "streamIndex": [(bytes.fromhex(name), struct.pack("<Q", int(number))) for number, name in streams],
        "events": [(struct.pack(">Q", int(position)), bytes.fromhex(record)) for position, record in records],
    }
    checked, head, problem = verify_dump.verify(databases, anchors)
    if problem is None:
        stated_head, stated_hash = int(row[0][0]), row[0][1]
        if stated_head != checked or (checked > 0 and stated_hash != head):
            problem = "the ledger's row states head %d:%s, but its records end at %d:%s" % (stated_head, stated_hash, checked, head)
    return verify_dump.report(checked, head, problem, "ledger")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
