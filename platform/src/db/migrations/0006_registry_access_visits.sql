-- Issue 6: registry history, resident details, visits (探访关爱), append-only audit, report indexes.

-- Every rename or move of an area or site leaves a row here: the history is never rewritten.
create table area_history (
  id bigserial primary key,
  area_id text not null references areas(id),
  at timestamptz not null default now(),
  change text not null check (change in ('create', 'rename', 'move')),
  name text not null,
  parent_id text,
  path text not null,
  changed_by text
);
create index area_history_area_idx on area_history (area_id, id);

create table site_history (
  id bigserial primary key,
  site_id text not null references sites(id),
  at timestamptz not null default now(),
  change text not null check (change in ('create', 'update', 'move')),
  name text not null,
  area_id text not null,
  address text,
  changed_by text
);
create index site_history_site_idx on site_history (site_id, id);

-- An institution lists its rooms and beds: [{"room": "101", "beds": ["A", "B"]}].
alter table sites add column rooms jsonb not null default '[]';
alter table sites add column updated_at timestamptz not null default now();
create index areas_path_idx on areas (path text_pattern_ops);

alter table residents add column sex text check (sex in ('male', 'female'));
alter table residents add column address text;
alter table residents add column room text;
alter table residents add column bed text;
-- any of lives_alone (独居), empty_nest (空巢), left_behind (留守), special_difficulty (特困/低保/计划生育特殊家庭)
alter table residents add column flags jsonb not null default '[]';
alter table residents add column medications jsonb not null default '[]';
alter table residents add column allergies jsonb not null default '[]';
alter table residents add column updated_at timestamptz not null default now();
update residents set flags = '["lives_alone"]' where lives_alone;

alter table users add column updated_at timestamptz not null default now();

-- The actor's area at the time of the entry: auditors see entries from inside their own area.
alter table audit_log add column area_path text;
create index audit_log_action_idx on audit_log (action, at desc);
create index audit_log_user_idx on audit_log (user_id, at desc);

-- Append-only, enforced by the database itself: no UPDATE, DELETE or TRUNCATE of audit rows.
create or replace function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only' using errcode = '42501';
end;
$$;
create trigger audit_log_no_update_delete before update or delete on audit_log
  for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_log_append_only();

-- Visits to elders living alone and other flagged residents, at least monthly.
create table visits (
  id text primary key,
  resident_id text not null references residents(id),
  due_date date not null,
  status text not null default 'planned' check (status in ('planned', 'done', 'cancelled')),
  -- the visitor: a user of the platform, or a community worker / responder named here
  visitor_user_id text references users(id),
  visitor_name text,
  visitor_phone text,
  planned_by text,
  visited_at timestamptz,
  recorded_by text,
  outcome text check (outcome in ('well', 'needs_help', 'not_home', 'hospitalised', 'moved_away', 'deceased')),
  notes text,
  follow_up_needed boolean not null default false,
  incident_id text references incidents(id),
  created_at timestamptz not null default now()
);
create index visits_resident_idx on visits (resident_id, due_date);
create index visits_due_idx on visits (due_date) where status = 'planned';
create index visits_visited_idx on visits (visited_at) where status = 'done';

-- The reports read the response engine's columns (dispatched_at, on_scene_at, ack_breached,
-- on_scene_breached, …), which migration 0005 adds.
create index incidents_opened_idx on incidents (opened_at);
