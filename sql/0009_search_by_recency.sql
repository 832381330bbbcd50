-- 0009: full-text search reads an index whatever the word: newest matches
-- first, walking a recency index for common words, the GIN index for rare ones.
--
-- Why: the documented search ranked every match by ts_rank before taking 50,
-- so a word in a tenth of all articles read and ranked 100,000 rows (841 ms at
-- 1M articles, bench/contract). Ordered by (sort_at, id) instead, a common
-- word stops after LIMIT matches along articles_recent_idx, and a rare one
-- reads its few matches from articles_search_idx; ts_rank is computed for the
-- returned page only. The planner picks between the two by the words'
-- frequencies, so it has to know them: with the default statistics a word it
-- has not sampled was estimated in 0.5% of all articles (4.4% once repeated
-- by each language's stemmer), and a rare word walked the whole recency index
-- (3 s at 1M articles).
--
-- Note: building the index reads the articles table once (about 2 s per
-- million articles), and ANALYZE of articles samples more of the search
-- column (about 20 s instead of 1 s).

CREATE INDEX articles_recent_idx ON articles (sort_at DESC, id DESC);

-- 10,000 lexemes with their frequencies instead of 1,000: a word outside the
-- list is estimated at half the rarest one's frequency.
ALTER TABLE articles ALTER COLUMN search SET STATISTICS 1000;

-- The same matches as before (the words stemmed in every known language, or
-- in the given one, and as written), each distinct alternative once: the
-- repeats ('nomatchword' | 'nomatchword' | ... nine times) multiplied the
-- planner's estimate and were evaluated again on every row. Immutable (every
-- configuration is named, none read from settings), so a query's tsquery is
-- computed once when it is planned, not once per row it filters.
CREATE OR REPLACE FUNCTION feedclusterd_search_query(query text, language text DEFAULT NULL)
    RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT coalesce(string_agg(DISTINCT '(' || q::text || ')', ' | ')::tsquery,
                    websearch_to_tsquery('simple', query))
    FROM unnest(CASE WHEN language IS NULL THEN
            ARRAY[websearch_to_tsquery('english', query), websearch_to_tsquery('german', query),
                  websearch_to_tsquery('french', query), websearch_to_tsquery('spanish', query),
                  websearch_to_tsquery('italian', query), websearch_to_tsquery('portuguese', query),
                  websearch_to_tsquery('dutch', query), websearch_to_tsquery('russian', query),
                  websearch_to_tsquery('simple', query)]
        ELSE ARRAY[websearch_to_tsquery(fcd_ts_config(language), query), websearch_to_tsquery('simple', query)] END) q
    WHERE numnode(q) > 0;
END;

ANALYZE articles;
