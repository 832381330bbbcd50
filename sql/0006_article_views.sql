-- 0006: the views carry what a news site shows, say what changed since a
-- cursor, name the original by publication, and search stems by language.
--
-- Why: an app building story and article pages had no article text, HTML,
-- enclosures, image, author or language in the views; "articles changed since
-- X" was a sequential scan over an internal column; deleted articles vanished
-- without a trace; the original of a story was the first one we happened to
-- fetch, not the first one published; and search only matched exact word forms
-- ("bananas" did not find "banana").
--
-- Note: replacing the generated search column rewrites the articles table once
-- (minutes per million articles), and article_search is dropped and created
-- again: privileges granted on it must be granted again.

-- What the feed gave beside the text: [{"url", "type", "length"}] and the
-- item's image (media:thumbnail).
ALTER TABLE articles
    ADD COLUMN enclosures jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN image      text;

-- ---- The article change cursor ----------------------------------------------
-- visible_seq is bumped on insert and on every change the views show (the
-- feed's fields, the story and duplicate placement); the views expose it as
-- change_seq. Assigned under the change-feed lock held to commit (see 0005),
-- so it grows in commit order like story_events.id.
CREATE SEQUENCE article_visible_seq;
ALTER TABLE articles ADD COLUMN visible_seq bigint;
UPDATE articles SET visible_seq = nextval('article_visible_seq');
ALTER TABLE articles
    ALTER COLUMN visible_seq SET DEFAULT nextval('article_visible_seq'),
    ALTER COLUMN visible_seq SET NOT NULL;
ALTER SEQUENCE article_visible_seq OWNED BY articles.visible_seq;
CREATE UNIQUE INDEX articles_visible_seq_idx ON articles (visible_seq);

-- A deleted article leaves its id here, with a cursor value of the same
-- sequence, so an app syncing by cursor learns of the deletion.
CREATE TABLE article_tombstones (
    article_id  bigint PRIMARY KEY,
    visible_seq bigint NOT NULL DEFAULT nextval('article_visible_seq'),
    source_id   bigint NOT NULL,
    story_id    bigint,
    deleted_at  timestamptz NOT NULL,
    cause       text NOT NULL CHECK (cause IN ('source_removed', 'retention'))
);
CREATE UNIQUE INDEX article_tombstones_visible_seq_idx ON article_tombstones (visible_seq);

-- ---- Publication times -------------------------------------------------------
-- The time that decides which article came first: published_at when the feed
-- gave one we trust (not beyond the future tolerance, which sort_at already
-- encodes, and not more than 7 days before we first saw it: a default date
-- such as 1970 is no claim), else first_seen_at.
CREATE FUNCTION fcd_origin_at(published_at timestamptz, sort_at timestamptz, first_seen_at timestamptz)
    RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN published_at = sort_at AND published_at >= first_seen_at - interval '7 days'
                THEN published_at ELSE first_seen_at END;

-- A story's published span: the earliest and latest publication time among
-- its articles, counting only trusted ones (not in the future: sort_at took
-- them). Maintained with the counts.
ALTER TABLE stories
    ADD COLUMN published_first timestamptz,
    ADD COLUMN published_last  timestamptz;
UPDATE stories s SET published_first = p.first, published_last = p.last
FROM (SELECT story_id, min(published_at) AS first, max(published_at) AS last
      FROM articles WHERE story_id IS NOT NULL AND published_at = sort_at GROUP BY story_id) p
WHERE p.story_id = s.id;

-- ---- Search by language -----------------------------------------------------
-- The text search configuration of an article's language: the languages the
-- text pipeline stems (daemon/text/language.cpp) that PostgreSQL also stems;
-- 'simple' for the others (Japanese, Chinese) and for none.
CREATE FUNCTION fcd_ts_config(language text)
    RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE lower(split_part(split_part(coalesce(language, ''), '-', 1), '_', 1))
        WHEN 'en' THEN 'english'::regconfig
        WHEN 'de' THEN 'german'::regconfig
        WHEN 'fr' THEN 'french'::regconfig
        WHEN 'es' THEN 'spanish'::regconfig
        WHEN 'it' THEN 'italian'::regconfig
        WHEN 'pt' THEN 'portuguese'::regconfig
        WHEN 'nl' THEN 'dutch'::regconfig
        WHEN 'ru' THEN 'russian'::regconfig
        ELSE 'simple'::regconfig END;

-- What apps match search with: the words stemmed in every language above and
-- as written ('simple'), so "bananas" finds an English "banana" and a word of
-- an article in no known language still matches itself. With a language
-- ('en', 'de-AT'), only that language's stems and the words as written.
CREATE FUNCTION feedclusterd_search_query(query text, language text DEFAULT NULL)
    RETURNS tsquery LANGUAGE sql STABLE PARALLEL SAFE
    RETURN CASE WHEN language IS NULL THEN
        websearch_to_tsquery('english', query) || websearch_to_tsquery('german', query)
        || websearch_to_tsquery('french', query) || websearch_to_tsquery('spanish', query)
        || websearch_to_tsquery('italian', query) || websearch_to_tsquery('portuguese', query)
        || websearch_to_tsquery('dutch', query) || websearch_to_tsquery('russian', query)
        || websearch_to_tsquery('simple', query)
    ELSE websearch_to_tsquery(fcd_ts_config(language), query) || websearch_to_tsquery('simple', query) END;

DROP VIEW article_search;
ALTER TABLE articles DROP COLUMN search;
ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector(fcd_ts_config(language), title), 'A') ||
    setweight(to_tsvector(fcd_ts_config(language), summary || ' ' || content), 'B')) STORED;
CREATE INDEX articles_search_idx ON articles USING gin (search);

-- ---- Views (existing columns keep their names and order) --------------------

CREATE VIEW article_search AS
SELECT a.id AS article_id, a.source_id, s.title AS source_title, a.guid, a.url, a.canonical_url,
       a.title, a.summary, a.author, a.published_at, a.first_seen_at, a.updated_at, a.sort_at,
       a.language, a.story_id, a.duplicate_of, a.search,
       a.content, a.content_html, a.enclosures, a.image, a.visible_seq AS change_seq
FROM articles a
JOIN sources s ON s.id = a.source_id;

-- Every live article and every deleted one, by change cursor: "what changed
-- since" is a range scan of the two cursor indexes.
CREATE VIEW article_changes AS
SELECT a.visible_seq AS change_seq, a.id AS article_id, false AS deleted, a.source_id, a.story_id,
       a.updated_at AS changed_at, NULL::text AS cause
FROM articles a
UNION ALL
SELECT t.visible_seq, t.article_id, true, t.source_id, t.story_id, t.deleted_at, t.cause
FROM article_tombstones t;

-- The original of a story is its article with the earliest origin_at (first
-- seen, then id, break ties); the original of a copy is the earliest of its
-- group (the article the clusterer named in duplicate_of and its copies).
CREATE OR REPLACE VIEW story_coverage AS
SELECT c.story_id, c.article_id, c.source_id, c.source_title, c.source_url, c.title, c.url,
       c.published_at, c.first_seen_at, c.sort_at, c.duplicate_of, c.dedup_level, c.cluster_score,
       c.matched_terms, c.author, c.language, c.image, c.origin_at,
       c.article_id = first_value(c.article_id) OVER story AS is_original,
       first_value(c.article_id) OVER copies AS original_article_id
FROM (SELECT a.story_id, a.id AS article_id, a.source_id, s.title AS source_title, s.url AS source_url,
             a.title, a.url, a.published_at, a.first_seen_at, a.sort_at, a.duplicate_of,
             a.dedup_level, a.cluster_score, a.matched_terms, a.author, a.language, a.image,
             fcd_origin_at(a.published_at, a.sort_at, a.first_seen_at) AS origin_at,
             coalesce(a.duplicate_of, a.id) AS copy_group
      FROM articles a
      JOIN sources s ON s.id = a.source_id
      WHERE a.story_id IS NOT NULL) c
WINDOW story AS (PARTITION BY c.story_id ORDER BY c.origin_at, c.first_seen_at, c.article_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
       copies AS (PARTITION BY c.story_id, c.copy_group ORDER BY c.origin_at, c.first_seen_at, c.article_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);

CREATE OR REPLACE VIEW latest_stories AS
SELECT id AS story_id, headline, first_seen, last_updated, article_count, source_count, top_terms,
       published_first, published_last
FROM stories
WHERE merged_into IS NULL AND article_count > 0;
