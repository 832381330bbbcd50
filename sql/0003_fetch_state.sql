-- 0003: what the poller must remember between polls beyond the HTTP validators.
--
-- Why: many servers send no ETag/Last-Modified (or change them on every
-- request), so an unchanged body is recognised by its hash and not parsed or
-- stored again. A permanent redirect only moves a source after it has held
-- for a grace period (so a misconfigured server cannot steal it): the target
-- and when it was first seen must survive restarts. A source the server
-- declared 410 Gone is disabled by the daemon itself, which must be told apart
-- from a user's or the config sync's disabling.

-- XXH3-64 of the last successfully parsed body (the bits of the unsigned hash
-- as a signed bigint); NULL until then.
ALTER TABLE sources
    ADD COLUMN body_hash              bigint,
    -- A 301/308 target seen but not adopted yet, and since when it holds.
    ADD COLUMN pending_redirect_url   text CHECK (pending_redirect_url <> ''),
    ADD COLUMN pending_redirect_since timestamptz,
    ADD CHECK ((pending_redirect_url IS NULL) = (pending_redirect_since IS NULL));

-- 'gone': the daemon disabled it after the server answered 410 Gone; only
-- `sources enable` undoes it (a config sync does not).
ALTER TABLE sources DROP CONSTRAINT sources_disabled_by_check;
ALTER TABLE sources ADD CONSTRAINT sources_disabled_by_check CHECK (disabled_by IN ('sync', 'user', 'gone'));

-- The public view gains the pending move (appended: existing columns keep
-- their names and order).
CREATE OR REPLACE VIEW source_health AS
SELECT id AS source_id, url, title, origin, tags, enabled, disabled_by, poll_interval_s,
       last_polled_at, last_success_at, last_status, last_error, error_count, next_poll_at,
       lease_owner, lease_expires_at, drift_count, pending_redirect_url, pending_redirect_since
FROM sources;
