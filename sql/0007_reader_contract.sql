-- 0007: the downstream contract in the database itself: a reader role, the
-- contract version, and a comment on every public view and column.
--
-- Why: the read-only role was a recipe in docs/security.md that each operator
-- had to repeat after every migration that added a view; an app could not ask
-- which contract a database speaks; and the views explained nothing to someone
-- browsing them with \d+.
--
-- Needs: CREATEROLE when feedclusterd_reader does not exist yet (no superuser:
-- an administrator may also create it beforehand with
-- CREATE ROLE feedclusterd_reader NOLOGIN, then migrating needs nothing more);
-- the migrating role owns the views, which is what lets it grant SELECT on them.

-- Roles belong to the whole server: several databases (and migrations running
-- at once in them) share it, hence "if missing" and the race handled.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'feedclusterd_reader') THEN
        CREATE ROLE feedclusterd_reader NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- created by a concurrent migration of another database
END
$$;

-- SELECT on the public views and the change feed, nothing else: no table
-- behind a view (views run with their owner's rights), no sequence, no write.
GRANT SELECT ON latest_stories, story_coverage, article_search, article_changes, source_health,
    unplaced_articles, story_events TO feedclusterd_reader;

-- The contract these views implement. Raised when a view or column is removed
-- or renamed, or a column changes type or meaning; not for added views or
-- columns, new event kinds, or new rows (see sql/README.md).
CREATE FUNCTION feedclusterd_contract_version()
    RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN 2;

COMMENT ON FUNCTION feedclusterd_contract_version() IS
    'The version of the downstream contract (views, columns, events, notifications) this database implements.';
COMMENT ON FUNCTION feedclusterd_search_query(text, text) IS
    'A tsquery for article_search.search: the words stemmed in every known language and as written, or in the given language (''en'', ''de-AT'') and as written.';

COMMENT ON VIEW latest_stories IS
    'Live stories (not merged away, not empty). Order by (last_updated, story_id) DESC; keyset-paginate on the same pair.';
COMMENT ON COLUMN latest_stories.story_id IS 'Stable story id; links to it keep working after a merge (follow stories.merged_into via story_events).';
COMMENT ON COLUMN latest_stories.headline IS 'The headline the clusterer chose.';
COMMENT ON COLUMN latest_stories.first_seen IS 'When we first saw an article of the story.';
COMMENT ON COLUMN latest_stories.last_updated IS 'The last change an app can see (every change is a story_events row); microseconds.';
COMMENT ON COLUMN latest_stories.article_count IS 'Articles in the story.';
COMMENT ON COLUMN latest_stories.source_count IS 'Distinct sources among them.';
COMMENT ON COLUMN latest_stories.top_terms IS 'The terms that characterise the story, most weighty first.';
COMMENT ON COLUMN latest_stories.published_first IS 'The earliest publication time among its articles (times in the future excluded); NULL when none has one.';
COMMENT ON COLUMN latest_stories.published_last IS 'The latest publication time among its articles (times in the future excluded); NULL when none has one.';

COMMENT ON VIEW story_coverage IS
    'A story''s articles with their source and how each joined. Filter by story_id.';
COMMENT ON COLUMN story_coverage.story_id IS 'The story.';
COMMENT ON COLUMN story_coverage.article_id IS 'The article.';
COMMENT ON COLUMN story_coverage.source_id IS 'The article''s source.';
COMMENT ON COLUMN story_coverage.source_title IS 'The source''s title.';
COMMENT ON COLUMN story_coverage.source_url IS 'The source''s feed URL.';
COMMENT ON COLUMN story_coverage.title IS 'The article''s title (plain text).';
COMMENT ON COLUMN story_coverage.url IS 'The article''s link.';
COMMENT ON COLUMN story_coverage.published_at IS 'Publication time as the feed claims it (may be NULL or in the future).';
COMMENT ON COLUMN story_coverage.first_seen_at IS 'When we first saw the article.';
COMMENT ON COLUMN story_coverage.sort_at IS 'What to order by: published_at unless missing or too far in the future, else first_seen_at.';
COMMENT ON COLUMN story_coverage.duplicate_of IS 'The article this one copies, as the clusterer found it (exact or near duplicate); NULL otherwise.';
COMMENT ON COLUMN story_coverage.dedup_level IS 'How it joined: seed (founded the story), exact or near (a copy), story (by similarity).';
COMMENT ON COLUMN story_coverage.cluster_score IS 'The similarity score of the placement.';
COMMENT ON COLUMN story_coverage.matched_terms IS 'The terms that matched the story.';
COMMENT ON COLUMN story_coverage.author IS 'The article''s author (plain text).';
COMMENT ON COLUMN story_coverage.language IS 'The feed''s language code, as given.';
COMMENT ON COLUMN story_coverage.image IS 'The article''s image URL.';
COMMENT ON COLUMN story_coverage.origin_at IS 'The time that decides the original: published_at if not in the future and not over 7 days before first_seen_at, else first_seen_at.';
COMMENT ON COLUMN story_coverage.is_original IS 'True for the story''s earliest article by (origin_at, first_seen_at, article_id).';
COMMENT ON COLUMN story_coverage.original_article_id IS 'The earliest article (same order) of this article''s copy group (duplicate_of and its copies).';

COMMENT ON VIEW article_search IS
    'Every article with its text, media and full-text vector. Match search with feedclusterd_search_query(...).';
COMMENT ON COLUMN article_search.article_id IS 'Stable article id.';
COMMENT ON COLUMN article_search.source_id IS 'The source.';
COMMENT ON COLUMN article_search.source_title IS 'The source''s title.';
COMMENT ON COLUMN article_search.guid IS 'The item''s identity within its source.';
COMMENT ON COLUMN article_search.url IS 'The article''s link.';
COMMENT ON COLUMN article_search.canonical_url IS 'The link without tracking parameters and fragments.';
COMMENT ON COLUMN article_search.title IS 'Title (plain text).';
COMMENT ON COLUMN article_search.summary IS 'Summary (plain text).';
COMMENT ON COLUMN article_search.author IS 'Author (plain text).';
COMMENT ON COLUMN article_search.published_at IS 'Publication time as the feed claims it (may be NULL or in the future).';
COMMENT ON COLUMN article_search.first_seen_at IS 'When we first saw it.';
COMMENT ON COLUMN article_search.updated_at IS 'When its feed last changed it.';
COMMENT ON COLUMN article_search.sort_at IS 'What to order by: published_at unless missing or too far in the future, else first_seen_at.';
COMMENT ON COLUMN article_search.language IS 'The feed''s language code, as given.';
COMMENT ON COLUMN article_search.story_id IS 'Its story; NULL until placed.';
COMMENT ON COLUMN article_search.duplicate_of IS 'The article it copies; NULL otherwise.';
COMMENT ON COLUMN article_search.search IS 'Full-text vector (title A, text B) stemmed in the article''s language.';
COMMENT ON COLUMN article_search.content IS 'The full text (plain text); empty when the feed gave none.';
COMMENT ON COLUMN article_search.content_html IS 'The full content as HTML, sanitised by the feed parser; NULL when the feed gave none.';
COMMENT ON COLUMN article_search.enclosures IS 'Attached files: [{"url", "type", "length"}].';
COMMENT ON COLUMN article_search.image IS 'The item''s image URL (media:thumbnail).';
COMMENT ON COLUMN article_search.change_seq IS 'The article change cursor: grows in commit order on every visible change (see article_changes).';

COMMENT ON VIEW article_changes IS
    'Live and deleted articles by change cursor: read change_seq > your cursor ORDER BY change_seq.';
COMMENT ON COLUMN article_changes.change_seq IS 'The cursor value of the last change (or of the deletion).';
COMMENT ON COLUMN article_changes.article_id IS 'The article.';
COMMENT ON COLUMN article_changes.deleted IS 'True when the article was deleted (a tombstone).';
COMMENT ON COLUMN article_changes.source_id IS 'Its source.';
COMMENT ON COLUMN article_changes.story_id IS 'Its story (when deleted: its story then).';
COMMENT ON COLUMN article_changes.changed_at IS 'When its feed last changed it, or when it was deleted.';
COMMENT ON COLUMN article_changes.cause IS 'Why it was deleted: source_removed or retention; NULL for live articles.';

COMMENT ON VIEW source_health IS 'Every source with its fetch health.';
COMMENT ON COLUMN source_health.source_id IS 'Stable source id.';
COMMENT ON COLUMN source_health.url IS 'The feed URL.';
COMMENT ON COLUMN source_health.title IS 'The configured title.';
COMMENT ON COLUMN source_health.origin IS 'Who added it: config, opml or cli.';
COMMENT ON COLUMN source_health.tags IS 'Configured tags.';
COMMENT ON COLUMN source_health.enabled IS 'Whether it is polled.';
COMMENT ON COLUMN source_health.disabled_by IS 'Why not: sync, user or gone (HTTP 410).';
COMMENT ON COLUMN source_health.poll_interval_s IS 'Seconds between polls; NULL means the configured default.';
COMMENT ON COLUMN source_health.last_polled_at IS 'The last poll.';
COMMENT ON COLUMN source_health.last_success_at IS 'The last successful poll.';
COMMENT ON COLUMN source_health.last_status IS 'The last HTTP status.';
COMMENT ON COLUMN source_health.last_error IS 'What failed last (or a warning, with error_count 0).';
COMMENT ON COLUMN source_health.error_count IS 'Consecutive failures.';
COMMENT ON COLUMN source_health.next_poll_at IS 'When it is due; NULL means now.';
COMMENT ON COLUMN source_health.lease_owner IS 'The instance polling it now.';
COMMENT ON COLUMN source_health.lease_expires_at IS 'Until when that instance holds it.';
COMMENT ON COLUMN source_health.drift_count IS 'How often the feed changed an item''s identity.';
COMMENT ON COLUMN source_health.pending_redirect_url IS 'A permanent redirect seen but not adopted yet.';
COMMENT ON COLUMN source_health.pending_redirect_since IS 'Since when that redirect holds.';
COMMENT ON COLUMN source_health.articles_waiting IS 'Its articles waiting for the clusterer.';
COMMENT ON COLUMN source_health.articles_set_aside IS 'Its articles the clusterer set aside.';

COMMENT ON VIEW unplaced_articles IS 'Articles not placed in a story: waiting for the clusterer, or set aside with the reason.';
COMMENT ON COLUMN unplaced_articles.article_id IS 'The article.';
COMMENT ON COLUMN unplaced_articles.source_id IS 'Its source.';
COMMENT ON COLUMN unplaced_articles.title IS 'Its title.';
COMMENT ON COLUMN unplaced_articles.first_seen_at IS 'When we first saw it.';
COMMENT ON COLUMN unplaced_articles.sort_at IS 'Its order time.';
COMMENT ON COLUMN unplaced_articles.story_id IS 'Its previous placement when its text changed; NULL when new.';
COMMENT ON COLUMN unplaced_articles.state IS 'waiting or set aside.';
COMMENT ON COLUMN unplaced_articles.stage IS 'Where placing it failed: engine or write (set aside only).';
COMMENT ON COLUMN unplaced_articles.reason IS 'Why it was set aside.';
COMMENT ON COLUMN unplaced_articles.set_aside_at IS 'When it was set aside.';

COMMENT ON TABLE story_events IS
    'The change feed: append-only, ids in commit order; read id > your cursor ORDER BY id. NOTIFY feedclusterd_stories per committed batch.';
COMMENT ON COLUMN story_events.id IS 'Event id, assigned in commit order: no smaller id appears after a larger one was visible.';
COMMENT ON COLUMN story_events.story_id IS 'The story (it may be gone).';
COMMENT ON COLUMN story_events.event IS 'created, grew, shrank, merged, headline_changed, terms_changed, article_updated or deleted.';
COMMENT ON COLUMN story_events.at IS 'When (microseconds).';
COMMENT ON COLUMN story_events.article_count IS 'The story''s articles after the event (for merged: before it).';
COMMENT ON COLUMN story_events.merged_into IS 'For merged: the story its articles moved to.';
COMMENT ON COLUMN story_events.headline IS 'The story''s headline after the event (for deleted: its last one).';
COMMENT ON COLUMN story_events.cause IS 'For deleted: source_removed, retention or emptied.';
