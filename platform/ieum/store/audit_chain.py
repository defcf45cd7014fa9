"""``ieum_audit_append(...)``: a whole audit append in one statement (PostgreSQL, migration
``0014_wfcore``).

``ieum.access.audit`` appends an event after it has serialised the chain's writers with a
transaction-level advisory lock and read the chain's last hash and how many events follow the
newest checkpoint. As separate statements that cost three round trips (lock, read, INSERT).
One plain SELECT cannot both lock and read: its snapshot is taken when it starts, before the
lock is granted, so it could miss the event of a writer it waited for. A VOLATILE PL/pgSQL
function takes a fresh snapshot for each query it runs: it locks, then reads what every earlier
writer committed, hashes the event and inserts it.
"""

from __future__ import annotations

APPEND_FUNCTION = "ieum_audit_append"

#: Lock the chain, read its end, hash the event and insert it: one round trip for a whole
#: append. The event's canonical JSON comes from Python in two parts, before and after the
#: previous hash (``ieum.access.audit.event_hash`` hashes exactly that text), so the hash is
#: the one Python computes; the caller checks it.
CREATE_APPEND_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {APPEND_FUNCTION}(lock_key bigint, genesis varchar,
    p_occurred_at timestamptz, p_user_id integer, p_login varchar, p_facility_id integer,
    p_action varchar, p_target_type varchar, p_target_id varchar, p_subject_id integer,
    p_ip varchar, p_detail jsonb, p_before text, p_after text,
    OUT out_id integer, OUT out_prev varchar, OUT out_hash varchar, OUT out_since bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    SELECT e.hash INTO out_prev FROM audit_event e ORDER BY e.id DESC LIMIT 1;
    out_prev := coalesce(out_prev, genesis);
    SELECT count(*) INTO out_since FROM audit_event e
     WHERE e.id > coalesce((SELECT c.last_event_id FROM audit_checkpoint c
                             ORDER BY c.id DESC LIMIT 1), 0);
    out_hash := encode(sha256(convert_to(p_before || out_prev || p_after, 'UTF8')), 'hex');
    INSERT INTO audit_event (occurred_at, user_id, login, facility_id, action, target_type,
                             target_id, subject_id, ip, detail, prev_hash, hash)
    VALUES (p_occurred_at, p_user_id, p_login, p_facility_id, p_action, p_target_type,
            p_target_id, p_subject_id, p_ip, p_detail, out_prev, out_hash)
    RETURNING id INTO out_id;
END
$$
"""

DROP_APPEND_FUNCTION = (
    f"DROP FUNCTION IF EXISTS {APPEND_FUNCTION}(bigint, varchar, timestamptz, integer, "
    "varchar, integer, varchar, varchar, varchar, integer, varchar, jsonb, text, text)")
