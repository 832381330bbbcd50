-- 0011: articles.simhash is dropped.
--
-- Why: nothing ever computed it. The column was carried through every ingest
-- statement (always NULL) and read by the clusterer, which never used it;
-- near-duplicates are found by the engine's shingles. No view, index or
-- function reads it, so the contract (version 2) is unchanged.

ALTER TABLE articles DROP COLUMN simhash;
