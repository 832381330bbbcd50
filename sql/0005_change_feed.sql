-- 0005: story_events becomes an append-only change feed that misses nothing.
--
-- Why: downstream apps cache stories and keep them current by reading
-- story_events after the last id they saw. Events were deleted with their
-- story (ON DELETE CASCADE), so a removed source or the retention pass erased
-- ids an app had already read and said nothing about the stories gone; a story
-- that shrank, or whose article was edited in place, emitted nothing. Now an
-- event outlives its story, a deleted story leaves a 'deleted' event with its
-- last headline, and every change the views show is an event. The writers
-- take one transaction-level advisory lock before they insert events and hold
-- it to their commit, so event ids are assigned in commit order: an app that
-- read id N will never see a smaller id appear later.

-- Plain ids: the story may be gone, its history stays.
ALTER TABLE story_events DROP CONSTRAINT story_events_story_id_fkey;
ALTER TABLE story_events DROP CONSTRAINT story_events_merged_into_fkey;

-- 'quiet' was only written by an API the daemon never called.
DELETE FROM story_events WHERE event = 'quiet';
ALTER TABLE story_events DROP CONSTRAINT story_events_event_check;
ALTER TABLE story_events ADD CONSTRAINT story_events_event_check CHECK (event IN (
    'created',           -- a new story
    'grew',              -- articles joined it (new, moved from another story, or merged in)
    'shrank',            -- articles left it (moved to another story, deleted)
    'merged',            -- merged into merged_into: its articles moved there
    'headline_changed',  -- headline is the new one
    'terms_changed',     -- top_terms changed and nothing else did
    'article_updated',   -- one of its articles was edited in place
    'deleted'));         -- gone (cause says why); headline is its last one

ALTER TABLE story_events
    -- The story's headline after the event (for 'deleted': its last one).
    ADD COLUMN headline text,
    -- Why a story was deleted: its source was removed, the retention pass
    -- deleted its last articles, or the clusterer left it without articles.
    ADD COLUMN cause text CHECK (cause IN ('source_removed', 'retention', 'emptied')),
    ADD CHECK ((event = 'deleted') = (cause IS NOT NULL));

UPDATE story_events e SET headline = s.headline FROM stories s WHERE s.id = e.story_id;
-- Every story still existed (events were deleted with it).
ALTER TABLE story_events ALTER COLUMN headline SET NOT NULL;

-- A story's timeline in (at, id) order; id breaks ties within a batch.
DROP INDEX story_events_story_idx;
CREATE INDEX story_events_story_idx ON story_events (story_id, at, id);

-- "Latest stories" with a tie-breaker: stories updated in the same instant
-- keep one order, and keyset pagination ((last_updated, id) < (...)) is an
-- index range scan. The predicate is latest_stories' filter.
DROP INDEX stories_latest_idx;
CREATE INDEX stories_latest_idx ON stories (last_updated DESC, id DESC)
    WHERE merged_into IS NULL AND article_count > 0;
