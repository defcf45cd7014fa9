"""``ieum_audit_chain_end(lock)``: the audit chain's lock and end in one statement (PostgreSQL,
migration ``0014_wfcore``).

``ieum.access.audit`` appends an event after it has serialised the chain's writers with a
transaction-level advisory lock and read the chain's last hash and how many events follow the
newest checkpoint. As two statements that costs two round trips before the event's INSERT. One
plain SELECT cannot both lock and read: its snapshot is taken when it starts, before the lock is
granted, so it could miss the event of a writer it waited for. A VOLATILE PL/pgSQL function
takes a fresh snapshot for each query it runs: it locks, then reads what every earlier writer
committed.
"""

from __future__ import annotations

CHAIN_END_FUNCTION = "ieum_audit_chain_end"

CREATE_CHAIN_END_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {CHAIN_END_FUNCTION}(lock_key bigint,
    OUT last_hash varchar, OUT since bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.hash INTO last_hash FROM audit_event e ORDER BY e.id DESC LIMIT 1;
    SELECT count(*) INTO since FROM audit_event e
     WHERE e.id > coalesce((SELECT c.last_event_id FROM audit_checkpoint c
                             ORDER BY c.id DESC LIMIT 1), 0);
END
$$
"""

DROP_CHAIN_END_FUNCTION = f"DROP FUNCTION IF EXISTS {CHAIN_END_FUNCTION}(bigint)"
