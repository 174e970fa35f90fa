-- Response engine (issue 5): SLA clocks, escalation, dispatch, responders, policy.
-- The first six columns are read by the reports (migration 0006) under exactly these names.
alter table incidents add column if not exists dispatched_at timestamptz;
alter table incidents add column if not exists on_scene_at timestamptz;
alter table incidents add column if not exists on_scene_due_at timestamptz;
alter table incidents add column if not exists ack_breached boolean not null default false;
alter table incidents add column if not exists on_scene_breached boolean not null default false;
alter table incidents add column if not exists cancelled_at timestamptz;
-- Last alarm joined: the correlation window is measured from it.
alter table incidents add column if not exists last_alarm_at timestamptz;
-- Escalation: steps done so far and when the next one is due (null: none left).
alter table incidents add column if not exists escalation_step integer not null default 0;
alter table incidents add column if not exists escalation_due_at timestamptz;
-- Escalation steps actually run (skipped steps are not counted): for the console and reports.
alter table incidents add column if not exists escalations integer not null default 0;
create index if not exists incidents_ack_due_idx on incidents (ack_due_at) where status = 'open' and not ack_breached;
create index if not exists incidents_escalation_due_idx on incidents (escalation_due_at) where escalation_due_at is not null;
create index if not exists incidents_on_scene_due_idx on incidents (on_scene_due_at) where status = 'dispatched' and not on_scene_breached;

-- People who go out: community care workers, volunteers, family members, medical teams.
create table if not exists responders (
  id text primary key,
  name text not null,
  kind text not null check (kind in ('care_worker', 'volunteer', 'family', 'medical')),
  area_id text not null references areas(id),
  phone text not null,
  on_duty boolean not null default true,
  lat double precision,
  lng double precision,
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);
create index if not exists responders_area_idx on responders (area_id);

-- The dispatch cascade: one row per offer to one responder, with its whole life.
create table if not exists dispatch_offers (
  id text primary key,
  incident_id text not null references incidents(id),
  responder_id text not null references responders(id),
  status text not null check (status in ('offered', 'accepted', 'declined', 'timed_out', 'withdrawn', 'arrived', 'departed')),
  offered_at timestamptz not null,
  due_at timestamptz not null,
  responded_at timestamptz,
  arrived_at timestamptz,
  departed_at timestamptz,
  offered_by text
);
create index if not exists dispatch_offers_incident_idx on dispatch_offers (incident_id, offered_at);
create index if not exists dispatch_offers_due_idx on dispatch_offers (due_at) where status = 'offered';
create index if not exists dispatch_offers_responder_idx on dispatch_offers (responder_id) where status in ('offered', 'accepted', 'arrived');

-- Supervisor overrides of the response policy (keys `priority`, `sla`); absent: the defaults.
create table if not exists response_policies (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  updated_by text
);
