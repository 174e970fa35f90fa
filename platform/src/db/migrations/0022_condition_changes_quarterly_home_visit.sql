-- Issue 16: "condition changed" marks. An operator or assessor records that a resident's condition
-- changed (with the reason); until a newer assessment, the reassessment is due from that date.
-- The other changes of condition (repeated falls/wandering, return from hospital) are read from
-- the incident record and the status history, so they need no table.
create table condition_changes (
  id text primary key,
  resident_id text not null references residents(id),
  at timestamptz not null,
  reason text not null,
  marked_by text not null,
  created_at timestamptz not null default now()
);
create index condition_changes_resident_idx on condition_changes (resident_id, at);

-- Issue 16: some districts require a home visit (上门探访) each calendar quarter on top of the
-- monthly visit; inherited down the tree with the rest of the area's visit rules.
alter table area_visit_rules add column home_visit_each_quarter boolean not null default false;

-- A resident's falls and wandering since their latest assessment (change of condition, and the
-- level rule's 30-day count) are looked up by resident: without this each lookup scans incidents.
create index if not exists incidents_resident_opened_idx on incidents (resident_id, opened_at);
