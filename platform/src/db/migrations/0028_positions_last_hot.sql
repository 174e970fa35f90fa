-- Room for the last positions' updates on their pages (issue 11, seventeenth session).
-- The gateway upserts every wearable whose position changed into positions_last each 30 s
-- (gateway/src/positions.ts). The index on (resident_id, at desc) made every one of those updates
-- write new index entries and leave a dead row behind (at changes with every position, and an
-- update that changes an indexed column cannot stay on its page): on PGlite, 50,000 wearables'
-- rounds grew the table 4.8 → 28.9 MiB and its indexes 4.4 → 13.0 MiB in six rounds (three
-- minutes), for the hourly VACUUM to clear. A resident has a device or three: their rows are
-- found by resident and sorted as read (the incident engine's look-up, the pkey and this index
-- OR-ed, ran in 0.2–0.4 ms at 50,000 rows on PGlite, EXPLAIN ANALYZE). With `at` out of the index
-- and 30 % of each page kept free (as devices, migration 0027) the updates stay on their page.
drop index if exists positions_last_resident_idx;
create index positions_last_resident_idx on positions_last (resident_id);
alter table positions_last set (fillfactor = 70);
