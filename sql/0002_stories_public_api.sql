-- 0002: story lifecycle, clustering handoff and the public read API (views).
--
-- Why: downstream apps must not depend on our tables' shape, so they read the
-- views below, which we keep stable. Stories get a history (story_events) and
-- each article keeps how it joined its story, so apps can show the original
-- source and a story's timeline. The clusterer reads pending articles through
-- an index instead of scanning.

-- How an article joined its story: 'exact' and 'near' are duplicates (see
-- duplicate_of), 'story' joined by similarity, 'seed' founded the story.
ALTER TABLE articles
    ADD COLUMN dedup_level   text CHECK (dedup_level IN ('seed', 'exact', 'near', 'story')),
    ADD COLUMN cluster_score real,
    ADD COLUMN matched_terms text[],
    ADD COLUMN clustered_at  timestamptz;

-- The clusterer's queue: pending articles in change order.
CREATE INDEX articles_cluster_pending_idx ON articles (change_seq) WHERE cluster_pending;
-- "A story's coverage".
CREATE INDEX articles_story_idx ON articles (story_id, sort_at) WHERE story_id IS NOT NULL;

-- "Latest stories".
CREATE INDEX stories_latest_idx ON stories (last_updated DESC) WHERE merged_into IS NULL;
CREATE INDEX stories_merged_into_idx ON stories (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE story_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    story_id      bigint NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    event         text NOT NULL CHECK (event IN ('created', 'grew', 'merged', 'quiet')),
    at            timestamptz NOT NULL,
    article_count integer NOT NULL,
    merged_into   bigint REFERENCES stories (id) ON DELETE SET NULL,
    -- merged_into may become NULL when the target is deleted later.
    CHECK (event = 'merged' OR merged_into IS NULL)
);
CREATE INDEX story_events_story_idx ON story_events (story_id, at);

-- Live stories (not merged away, not emptied); order by last_updated DESC for
-- the newest activity first.
CREATE VIEW latest_stories AS
SELECT id AS story_id, headline, first_seen, last_updated, article_count, source_count, top_terms
FROM stories
WHERE merged_into IS NULL AND article_count > 0;

-- A story's articles with their source and how they joined.
CREATE VIEW story_coverage AS
SELECT a.story_id, a.id AS article_id, a.source_id, s.title AS source_title, s.url AS source_url,
       a.title, a.url, a.published_at, a.first_seen_at, a.sort_at, a.duplicate_of,
       a.dedup_level, a.cluster_score, a.matched_terms
FROM articles a
JOIN sources s ON s.id = a.source_id
WHERE a.story_id IS NOT NULL;

-- Articles for listing and full-text search (match search with
-- websearch_to_tsquery('simple', ...)).
CREATE VIEW article_search AS
SELECT a.id AS article_id, a.source_id, s.title AS source_title, a.guid, a.url, a.canonical_url,
       a.title, a.summary, a.author, a.published_at, a.first_seen_at, a.updated_at, a.sort_at,
       a.language, a.story_id, a.duplicate_of, a.search
FROM articles a
JOIN sources s ON s.id = a.source_id;

-- Every source with its fetch health.
CREATE VIEW source_health AS
SELECT id AS source_id, url, title, origin, tags, enabled, disabled_by, poll_interval_s,
       last_polled_at, last_success_at, last_status, last_error, error_count, next_poll_at,
       lease_owner, lease_expires_at, drift_count
FROM sources;
