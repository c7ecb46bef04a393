#!/usr/bin/env python3
"""Verifies a ClientLedger event log from its `mdb_dump -a` text, written from docs/log-format.md alone.

    mdb_dump -a salon.ledger | python3 scripts/verify-dump.py - [POSITION:HASH ...]

Checks the invariants the format states (1-9) and any anchors given (10), prints the head hash,
and exits 0 if the log holds, 2 if it does not (naming the first break), 1 for bad input.
Python 3 standard library only: an independent reader, not a port of the Swift code.
"""
import hashlib
import struct
import sys


def read_dump(lines):
    """The databases of an `mdb_dump` text: name -> list of (key bytes, value bytes)."""
    databases, name, pending, in_data = {}, None, None, False
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("VERSION="):
            name, pending, in_data = "", None, False
        elif line.startswith("database=") and not in_data:
            name = line[len("database="):]
        elif line == "HEADER=END":
            in_data = True
            databases[name] = []
        elif line == "DATA=END":
            in_data = False
        elif in_data and line.startswith(" "):
            data = bytes.fromhex(line[1:])
            if pending is None:
                pending = data
            else:
                databases[name].append((pending, data))
                pending = None
    return databases


def verify(databases, anchors):
    """Returns (head position, head hash hex, None) or (checked, None, problem)."""
    meta = dict(databases.get("meta", []))
    fmt = meta.get(b"format")
    if fmt is None or len(fmt) != 4 or struct.unpack("<I", fmt)[0] not in (1, 2):
        return 0, None, "meta/format is %r, not 1 or 2" % (fmt,)
    fmt = struct.unpack("<I", fmt)[0]
    checkpoint = struct.unpack("<Q", meta[b"headsCheckpoint"])[0] if b"headsCheckpoint" in meta else 0

    types = {}
    for key, value in databases.get("eventTypes", []):
        types[struct.unpack(">I", key)[0]] = value
    if len(set(types.values())) != len(types):
        return 0, None, "eventTypes holds a name twice"
    streams = {}
    for key, value in databases.get("streams", []):
        version, last = struct.unpack("<QQ", value[:16])
        streams[struct.unpack(">Q", key)[0]] = (version, last, value[16:])

    previous, last_type, last_stream, last_recorded = b"\0" * 32, 0, 0, -(1 << 63)
    heads, seen_v2, hashes, position = {}, False, {}, 0

    def heads_match_at_checkpoint():
        for number, (version, last, name) in streams.items():
            if heads.get(number, (0, 0)) != (version, last):
                return "streams says stream %s is at version %d as of the checkpoint %d; the records say %r" % (
                    name.decode("utf-8", "replace"), version, checkpoint, heads.get(number, (0, 0)))
        return None

    if checkpoint == 0:
        problem = heads_match_at_checkpoint()
        if problem:
            return 0, None, problem
    for key, record in databases.get("events", []):
        position += 1
        if len(key) != 8 or struct.unpack(">Q", key)[0] != position:
            return position - 1, None, "position %d is missing" % position
        if len(record) < 89:
            return position - 1, None, "position %d: record too short" % position
        version, flags, actor, reserved = record[0], record[1], record[2], record[3]
        code, number, stream_version, prev_position, recorded = struct.unpack("<IQQQq", record[4:40])
        header = 56 + 16 * (flags & 1) + 16 * (flags >> 1 & 1) + actor
        if version not in (1, 2) or (version == 2 and fmt < 2) or flags & ~3 or reserved or header + 32 >= len(record):
            return position - 1, None, "position %d: the record does not decode" % position
        if version == 1 and seen_v2:
            return position - 1, None, "position %d: a format-1 record after format-2 records" % position
        seen_v2 = seen_v2 or version == 2
        if code > last_type:
            if code != last_type + 1:
                return position - 1, None, "position %d: type code %d out of order" % (position, code)
            last_type = code
        if code not in types:
            return position - 1, None, "position %d: unknown type code %d" % (position, code)
        if number > last_stream:
            if number != last_stream + 1:
                return position - 1, None, "position %d: stream number %d out of order" % (position, number)
            last_stream = number
        if number not in streams:
            return position - 1, None, "position %d: unknown stream number %d" % (position, number)
        head_version, head_position = heads.get(number, (0, 0))
        if stream_version != head_version + 1 or prev_position != head_position:
            return position - 1, None, "position %d: not the next version of its stream" % position
        if recorded < last_recorded:
            return position - 1, None, "position %d: recorded before the record before it" % position
        last_recorded = recorded
        digest = hashlib.sha256(previous + struct.pack(">Q", position) + record[:-32])
        if version == 2:
            type_name, stream_name = types[code], streams[number][2]
            digest.update(bytes([len(type_name)]) + type_name + bytes([len(stream_name)]) + stream_name)
        if digest.digest() != record[-32:]:
            return position - 1, None, "position %d: the record does not match its hash" % position
        previous = record[-32:]
        hashes[position] = previous.hex()
        heads[number] = (stream_version, position)
        if position == checkpoint:
            problem = heads_match_at_checkpoint()
            if problem:
                return position, None, problem
    if checkpoint > position:
        return position, None, "the heads checkpoint %d is past the head %d" % (checkpoint, position)
    if set(types) != set(range(1, last_type + 1)) or set(streams) != set(range(1, last_stream + 1)):
        return position, None, "the name tables hold codes or numbers no record uses"
    index = databases.get("streamIndex", [])
    if len(index) != len(streams) or any(streams.get(struct.unpack("<Q", n)[0], (0, 0, None))[2] != name for name, n in index):
        return position, None, "streamIndex and streams disagree"
    for anchor in anchors:
        at, _, digest = anchor.partition(":")
        if hashes.get(int(at)) != digest.lower():
            return position, None, "the anchor %s is not on the chain (the log ends at %d)" % (anchor, position)
    return position, hashes.get(position), None


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 1
    source = sys.stdin if argv[1] == "-" else open(argv[1], encoding="ascii")
    return report(*verify(read_dump(source), argv[2:]))


def report(checked, head, problem, subject="log"):
    """Prints the outcome of verify() and returns the exit status: 0 holds, 2 does not."""
    if problem:
        print("the %s does not hold after %d records: %s" % (subject, checked, problem), file=sys.stderr)
        return 2
    print("verified %d events" % checked)
    print("head hash: %s" % ("%d:%s" % (checked, head) if head else "(empty log)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
