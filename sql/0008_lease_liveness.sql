-- 0008: a dead instance's leases are free at once, not when they expire.
--
-- Why: after a crash (SIGKILL, OOM kill, lost host) the dead instance's
-- leases kept its sources from every other claimer until lease_expires_at, so
-- a restarted daemon polled a handful of sources and waited out
-- polling.lease_duration (5 minutes by default) for the rest. An instance now
-- proves it is alive through its database sessions: every connection of one
-- process and instance id holds the same session-level advisory lock (shared
-- mode), whose 64-bit key is random per process and instance id, and each
-- lease records that key. The server drops the lock when the process's last
-- session ends, so the lease of a dead instance is free at once (also when
-- the restarted instance has the same instance id).

ALTER TABLE sources ADD COLUMN lease_session bigint;

-- True while some session holds the advisory lock `session` (the key a claim
-- recorded in sources.lease_session). pg_locks shows every session's
-- advisory locks to every role. NULL (a lease taken before this migration)
-- counts as alive: such a lease ends when it expires, as before.
CREATE FUNCTION lease_session_alive(session bigint) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT session IS NULL OR EXISTS (
        SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND objsubid = 1
          AND classid = ((session >> 32) & 4294967295)::oid
          AND objid = (session & 4294967295)::oid)
$$;

-- A released lease (lease_owner set to NULL by a commit, a deferral or a
-- shutdown) forgets its session too, whichever statement released it.
CREATE FUNCTION sources_forget_lease_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.lease_session := NULL;
    RETURN NEW;
END
$$;

CREATE TRIGGER sources_lease_released
    BEFORE UPDATE ON sources
    FOR EACH ROW WHEN (NEW.lease_owner IS NULL AND NEW.lease_session IS NOT NULL)
    EXECUTE FUNCTION sources_forget_lease_session();
