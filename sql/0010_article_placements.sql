-- 0010: placements and the clusterer's queue move out of the articles table.
--
-- Why: placing an article rewrote its whole row (text, HTML, the tsvector)
-- with a new entry in every index of articles, the full-text GIN index
-- included: story_id, cluster_pending and visible_seq are indexed, so no
-- update was HOT. On bench/poll's cold 10,000-feed pass, writing decisions
-- took longer than fetching, parsing and storing the articles. A placement is
-- now a narrow row of its own and the queue a narrow table, so clustering
-- never writes an article row; the public views keep every column by joining
-- them.
--
-- Note: the views are replaced in place (CREATE OR REPLACE), so their
-- comments and the reader role's grants stay.

-- How the clusterer placed an article: one row per placed article.
CREATE TABLE article_placements (
    article_id    bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    -- The article's source (an article never changes source): a story's
    -- source count reads it here, not from the article row.
    source_id     bigint NOT NULL,
    story_id      bigint REFERENCES stories (id) ON DELETE SET NULL,
    -- The earliest copy of the same text.
    duplicate_of  bigint REFERENCES articles (id) ON DELETE SET NULL,
    -- 'seed' founded the story, 'exact'/'near' duplicate, 'story' joined by similarity.
    dedup_level   text CHECK (dedup_level IN ('seed', 'exact', 'near', 'story')),
    cluster_score real,
    matched_terms text[],
    clustered_at  timestamptz,
    -- The change cursor of the placement's last visible change, from the same
    -- sequence as articles.visible_seq: an article's cursor (the views'
    -- change_seq) is the greater of the two.
    visible_seq   bigint NOT NULL,
    CHECK (duplicate_of IS NULL OR duplicate_of <> article_id)
);
-- "A story's coverage", and "has the story an article of this source".
CREATE INDEX article_placements_story_idx ON article_placements (story_id, source_id) WHERE story_id IS NOT NULL;
CREATE UNIQUE INDEX article_placements_visible_seq_idx ON article_placements (visible_seq);
-- Lets deleting an article find its copies (ON DELETE SET NULL) without a scan.
CREATE INDEX article_placements_duplicate_of_idx ON article_placements (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- The clusterer's queue: articles whose current text (change_seq) it has not
-- placed or set aside yet, in change order.
CREATE TABLE cluster_queue (
    article_id bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    change_seq bigint NOT NULL
);
CREATE INDEX cluster_queue_change_seq_idx ON cluster_queue (change_seq);

INSERT INTO article_placements (article_id, source_id, story_id, duplicate_of, dedup_level, cluster_score,
                                matched_terms, clustered_at, visible_seq)
SELECT id, source_id, story_id, duplicate_of, dedup_level, cluster_score, matched_terms, clustered_at, visible_seq
FROM articles
WHERE story_id IS NOT NULL OR clustered_at IS NOT NULL;
INSERT INTO cluster_queue (article_id, change_seq)
SELECT id, change_seq FROM articles WHERE cluster_pending;

-- ---- Views (every column keeps its name, type and order) --------------------

CREATE OR REPLACE VIEW article_search AS
SELECT a.id AS article_id, a.source_id, s.title AS source_title, a.guid, a.url, a.canonical_url,
       a.title, a.summary, a.author, a.published_at, a.first_seen_at, a.updated_at, a.sort_at,
       a.language, p.story_id, p.duplicate_of, a.search,
       a.content, a.content_html, a.enclosures, a.image, greatest(a.visible_seq, p.visible_seq) AS change_seq
FROM articles a
JOIN sources s ON s.id = a.source_id
LEFT JOIN article_placements p ON p.article_id = a.id;

-- An article appears once, in the branch of the table holding its larger
-- cursor value: "what changed since" stays a range scan of the cursor indexes.
CREATE OR REPLACE VIEW article_changes AS
SELECT a.visible_seq AS change_seq, a.id AS article_id, false AS deleted, a.source_id, p.story_id,
       a.updated_at AS changed_at, NULL::text AS cause
FROM articles a
LEFT JOIN article_placements p ON p.article_id = a.id
WHERE coalesce(p.visible_seq, 0) <= a.visible_seq
UNION ALL
SELECT p.visible_seq, a.id, false, a.source_id, p.story_id, a.updated_at, NULL::text
FROM article_placements p
JOIN articles a ON a.id = p.article_id
WHERE p.visible_seq > a.visible_seq
UNION ALL
SELECT t.visible_seq, t.article_id, true, t.source_id, t.story_id, t.deleted_at, t.cause
FROM article_tombstones t;

CREATE OR REPLACE VIEW story_coverage AS
SELECT c.story_id, c.article_id, c.source_id, c.source_title, c.source_url, c.title, c.url,
       c.published_at, c.first_seen_at, c.sort_at, c.duplicate_of, c.dedup_level, c.cluster_score,
       c.matched_terms, c.author, c.language, c.image, c.origin_at,
       c.article_id = first_value(c.article_id) OVER story AS is_original,
       first_value(c.article_id) OVER copies AS original_article_id
FROM (SELECT p.story_id, a.id AS article_id, a.source_id, s.title AS source_title, s.url AS source_url,
             a.title, a.url, a.published_at, a.first_seen_at, a.sort_at, p.duplicate_of,
             p.dedup_level, p.cluster_score, p.matched_terms, a.author, a.language, a.image,
             fcd_origin_at(a.published_at, a.sort_at, a.first_seen_at) AS origin_at,
             coalesce(p.duplicate_of, a.id) AS copy_group
      FROM article_placements p
      JOIN articles a ON a.id = p.article_id
      JOIN sources s ON s.id = a.source_id
      WHERE p.story_id IS NOT NULL) c
WINDOW story AS (PARTITION BY c.story_id ORDER BY c.origin_at, c.first_seen_at, c.article_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
       copies AS (PARTITION BY c.story_id, c.copy_group ORDER BY c.origin_at, c.first_seen_at, c.article_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);

CREATE OR REPLACE VIEW unplaced_articles AS
SELECT a.id AS article_id, a.source_id, a.title, a.first_seen_at, a.sort_at, p.story_id,
       'waiting'::text AS state, NULL::text AS stage, NULL::text AS reason, NULL::timestamptz AS set_aside_at
FROM cluster_queue q
JOIN articles a ON a.id = q.article_id
LEFT JOIN article_placements p ON p.article_id = a.id
UNION ALL
SELECT a.id, a.source_id, a.title, a.first_seen_at, a.sort_at, p.story_id,
       'set aside', x.stage, x.reason, x.set_aside_at
FROM cluster_set_aside x
JOIN articles a ON a.id = x.article_id
LEFT JOIN article_placements p ON p.article_id = a.id
WHERE NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = x.article_id);

-- Their indexes (articles_story_idx, articles_cluster_pending_idx,
-- articles_duplicate_of_idx) go with them.
ALTER TABLE articles
    DROP COLUMN story_id,
    DROP COLUMN duplicate_of,
    DROP COLUMN dedup_level,
    DROP COLUMN cluster_score,
    DROP COLUMN matched_terms,
    DROP COLUMN clustered_at,
    DROP COLUMN cluster_pending;
