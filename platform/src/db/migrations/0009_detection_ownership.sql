-- One owner for the clock-driven detection rules across the cluster (#14): every gateway runs
-- the per-reading rules at the edge, but inactivity, bed exit not back, no data, device offline
-- and missed test run only in the process that holds this lease (renewed on each tick, taken over
-- when it expires). `epoch` counts changes of holder, so a process that gets the lease back after
-- someone else held it knows to reload the rules' state.
create table detection_lease (
  name text primary key,
  holder text not null,
  expires_at timestamptz not null,
  epoch bigint not null default 1
);

-- The lease holder reads the inputs other gateways wrote (last activity, bed occupancy) since its
-- previous tick; `written_by` (the writing process) lets it skip its own.
alter table detection_state add column written_by text;
create index detection_state_rule_updated_idx on detection_state (rule, updated_at);
