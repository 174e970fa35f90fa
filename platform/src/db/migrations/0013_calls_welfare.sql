-- Calls with voice and video (issue 17, [P-3.8]): the record of each call between the centre and
-- a resident's intercom. Media flows peer to peer and is never stored; only the call's events are.
create table calls (
  id text primary key,
  direction text not null check (direction in ('inbound', 'outbound')),
  status text not null check (status in ('ringing', 'active', 'ended', 'missed', 'failed')),
  device_id text not null references devices(id),
  -- the callId on the device's intercom and rtc topics ([P-3.3]; our id for a care call)
  device_call_id text not null,
  resident_id text references residents(id),
  incident_id text references incidents(id),
  auto_answer boolean not null default false,
  started_by text references users(id),
  -- the operator who took part: the caller of a care call, the one who answered an elder's call
  answered_by text references users(id),
  started_at timestamptz not null,
  answered_at timestamptz,
  ended_at timestamptz,
  end_reason text,
  visit_id text,
  unique (device_id, device_call_id)
);
create index calls_resident_idx on calls (resident_id, started_at desc);
create index calls_ringing_idx on calls (started_at) where status = 'ringing';

create table call_events (
  seq bigserial primary key,
  call_id text not null references calls(id),
  at timestamptz not null,
  -- ringing | answered | ended | missed | failed | visit_recorded
  kind text not null,
  user_id text references users(id),
  data jsonb
);
create index call_events_call_idx on call_events (call_id, seq);

-- Residents who cannot press a button: their intercom answers a care call by itself after ringing.
create table call_settings (
  resident_id text primary key references residents(id),
  auto_answer boolean not null,
  updated_by text references users(id),
  updated_at timestamptz not null default now()
);

-- A completed care call recorded as a visit in one step: how the visit was made.
alter table visits add column method text not null default 'home' check (method in ('home', 'phone', 'video_call'));
alter table visits add column call_id text references calls(id);

-- Welfare rounds (issue 17): a supervisor checks on everyone in an area subtree at once (heat
-- wave, cold snap, epidemic, power cut). The residents in scope are fixed when the round starts;
-- each is confirmed by an "I'm OK" press (checkin event), an answered call, or a recorded visit
-- or phone call; at the deadline the unconfirmed become P3 incidents or visit tasks.
create table welfare_rounds (
  id text primary key,
  area_id text not null references areas(id),
  message text not null,
  deadline timestamptz not null,
  on_unconfirmed text not null default 'incident' check (on_unconfirmed in ('incident', 'visit')),
  status text not null default 'running' check (status in ('running', 'closed')),
  started_by text references users(id),
  started_at timestamptz not null,
  closed_at timestamptz,
  -- the round's figures when it closed, kept for the report
  figures jsonb
);
create index welfare_rounds_running_idx on welfare_rounds (deadline) where status = 'running';

create table welfare_round_residents (
  round_id text not null references welfare_rounds(id),
  resident_id text not null references residents(id),
  site_id text not null,
  community_id text not null,
  -- the device the message was spoken on (null: none can speak) and its command
  device_id text,
  command_id text,
  confirmed_at timestamptz,
  -- checkin | call | visit | phone
  confirmed_by text,
  confirm_ref text,
  -- what the deadline made of an unconfirmed resident
  incident_id text,
  visit_id text,
  primary key (round_id, resident_id)
);
create index welfare_round_residents_open_idx on welfare_round_residents (round_id) where confirmed_at is null;

-- Daily check-in (报平安): residents who want it press "I'm OK" in a daily window (minutes after
-- local midnight in TIME_ZONE); none by its end → a follow-up visit task for their community,
-- escalating to a P3 incident when nobody has reached them escalate_after_min later.
create table daily_checkin_plans (
  resident_id text primary key references residents(id),
  window_start_min integer not null check (window_start_min between 0 and 1439),
  window_end_min integer not null check (window_end_min between 1 and 1440),
  escalate_after_min integer not null default 120 check (escalate_after_min between 10 and 1440),
  enabled boolean not null default true,
  updated_by text references users(id),
  updated_at timestamptz not null default now(),
  check (window_end_min > window_start_min)
);

create table daily_checkins (
  resident_id text not null references residents(id),
  day date not null,
  window_start timestamptz not null,
  window_end timestamptz not null,
  -- confirmed (in the window) | follow_up (a visit task is out) | reached (proof came later) | escalated (incident)
  status text not null check (status in ('confirmed', 'follow_up', 'reached', 'escalated')),
  confirmed_at timestamptz,
  confirmed_by text,
  confirm_ref text,
  visit_id text,
  incident_id text,
  primary key (resident_id, day)
);
create index daily_checkins_follow_up_idx on daily_checkins (window_end) where status = 'follow_up';
