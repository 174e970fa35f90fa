-- Supervision figures at city scale (issue 16; tests/bench/supervision.ts, docs/benchmarks.md).
--
-- Visit coverage of a community or street reads the done visits of its residents in one month:
-- visits_resident_idx (resident_id, due_date) found every visit of each resident and checked the
-- month on the table (twelve heap reads a resident for a year of monthly visits); this index
-- answers resident and month from the index alone.
create index visits_resident_done_idx on visits (resident_id, visited_at) where status = 'done';

-- The statement's "acknowledged within 60 s" counts an area's incidents opened in a month: one
-- index on both instead of intersecting incidents_area_idx with incidents_opened_idx (a city's
-- whole month of incidents read for each community).
create index incidents_area_opened_idx on incidents (area_id, opened_at);
