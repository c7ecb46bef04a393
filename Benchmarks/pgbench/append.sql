-- One write of Postgres.Append.HundredLedgers, as the library sends it (Sources/PostgresLog:
-- PostgresReplica.swift, `prepare` and `accept`): a random ledger of 100, 10 records of 180 bytes
-- (a record of the benchmark's 100-byte payload), then the wake-up after the commit.
\set l random(0, 99)
BEGIN;
SELECT head, head_hash FROM clientledger_ledger WHERE ledger = 'salon-' || :l FOR UPDATE \gset
SELECT record FROM clientledger_record WHERE ledger = 'salon-' || :l AND position = :head;
SELECT position, record FROM clientledger_record WHERE ledger = 'salon-' || :l AND position > :head AND position <= :head + 8192
    AND position <= (SELECT head FROM clientledger_ledger WHERE ledger = 'salon-' || :l) ORDER BY position;
WITH added AS (INSERT INTO clientledger_record (ledger, position, record)
               SELECT 'salon-' || :l, :head + n, record
               FROM unnest(array_fill(decode(repeat('61', 180), 'hex'), ARRAY[10])) WITH ORDINALITY AS t(record, n))
UPDATE clientledger_ledger SET head = :head + 10, head_hash = decode(repeat('ab', 32), 'hex') WHERE ledger = 'salon-' || :l;
COMMIT;
SELECT pg_notify('clientledger', (:head + 10) || ' salon-' || :l);
