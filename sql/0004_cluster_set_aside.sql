-- 0004: articles the clusterer could not place are set aside with their
-- reason, and every unplaced article is visible.
--
-- Why: one article the engine or the write cannot handle (a score out of
-- range, a bug met by odd text) used to fail its whole batch, and every retry
-- failed the same way: the clusterer stalled silently with hundreds of
-- articles waiting. Now such an article is set aside (recorded here, no longer
-- pending) and the others go on. It is offered to the clusterer again when its
-- text changes, when `feedclusterd recluster` covers it, or when a binary of
-- another version takes the clusterer lock (a fix may have shipped); never in a
-- loop.

CREATE TABLE cluster_set_aside (
    article_id     bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    -- The version of the article's text that failed (articles.change_seq).
    change_seq     bigint NOT NULL,
    -- 'engine': placing it failed; 'write': storing its placement failed.
    stage          text NOT NULL CHECK (stage IN ('engine', 'write')),
    reason         text NOT NULL CHECK (reason <> ''),
    -- The feedclusterd version that set it aside.
    binary_version text NOT NULL,
    set_aside_at   timestamptz NOT NULL
);

-- Articles not placed in a story: 'waiting' for the clusterer (new, or their
-- text changed: story_id then still holds the previous placement), or 'set
-- aside' with the reason.
CREATE VIEW unplaced_articles AS
SELECT a.id AS article_id, a.source_id, a.title, a.first_seen_at, a.sort_at, a.story_id,
       'waiting'::text AS state, NULL::text AS stage, NULL::text AS reason, NULL::timestamptz AS set_aside_at
FROM articles a
WHERE a.cluster_pending
UNION ALL
SELECT a.id, a.source_id, a.title, a.first_seen_at, a.sort_at, a.story_id,
       'set aside', x.stage, x.reason, x.set_aside_at
FROM cluster_set_aside x
JOIN articles a ON a.id = x.article_id
WHERE NOT a.cluster_pending;

-- The public view gains each source's unplaced articles (appended: existing
-- columns keep their names and order).
CREATE OR REPLACE VIEW source_health AS
SELECT s.id AS source_id, s.url, s.title, s.origin, s.tags, s.enabled, s.disabled_by, s.poll_interval_s,
       s.last_polled_at, s.last_success_at, s.last_status, s.last_error, s.error_count, s.next_poll_at,
       s.lease_owner, s.lease_expires_at, s.drift_count, s.pending_redirect_url, s.pending_redirect_since,
       coalesce(u.waiting, 0) AS articles_waiting, coalesce(u.set_aside, 0) AS articles_set_aside
FROM sources s
LEFT JOIN (SELECT source_id, count(*) FILTER (WHERE state = 'waiting') AS waiting,
                  count(*) FILTER (WHERE state = 'set aside') AS set_aside
           FROM unplaced_articles GROUP BY source_id) u ON u.source_id = s.id;
