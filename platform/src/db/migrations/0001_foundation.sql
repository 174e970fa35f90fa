-- The five-level service network: city → district → street → community → site.
-- `path` is the chain of ancestor ids ('/root/child/…/self/'), so a subtree is one prefix match.
create table areas (
  id text primary key,
  name text not null,
  level text not null check (level in ('city', 'district', 'street', 'community')),
  parent_id text references areas(id),
  path text not null unique,
  created_at timestamptz not null default now()
);
create index areas_parent_idx on areas (parent_id);

create table sites (
  id text primary key,
  name text not null,
  kind text not null check (kind in ('home', 'institution')),
  area_id text not null references areas(id),
  address text,
  lat double precision,
  lng double precision,
  created_at timestamptz not null default now()
);
create index sites_area_idx on sites (area_id);

create table residents (
  id text primary key,
  name text not null,
  site_id text not null references sites(id),
  birth_date date,
  phone text,
  capacity_level smallint check (capacity_level between 0 and 4),
  lives_alone boolean not null default false,
  conditions jsonb not null default '[]',
  contacts jsonb not null default '[]',
  created_at timestamptz not null default now()
);
create index residents_site_idx on residents (site_id);

create table users (
  id text primary key,
  username text not null unique,
  password_hash text not null,
  role text not null check (role in ('operator', 'supervisor', 'admin', 'auditor', 'responder')),
  area_id text not null references areas(id),
  display_name text,
  disabled boolean not null default false,
  created_at timestamptz not null default now()
);

-- Bearer tokens, stored as SHA-256 of a 256-bit random value; revocable and expiring.
create table auth_tokens (
  token_hash text primary key,
  user_id text not null references users(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index auth_tokens_user_idx on auth_tokens (user_id);

create table devices (
  id text primary key,
  type text not null,
  site_id text not null references sites(id),
  resident_id text references residents(id),
  parent_id text references devices(id),
  secret_hash text not null,
  online boolean not null default false,
  last_seen_at timestamptz,
  battery real,
  rssi real,
  fw text,
  created_at timestamptz not null default now()
);
create index devices_site_idx on devices (site_id);
create index devices_parent_idx on devices (parent_id);

-- The durable inbox [P-4.1]: one row per accepted device event or derived alarm,
-- unique on (device, message id) so redeliveries have no further effect [P-2.4].
create table inbox (
  seq bigserial primary key,
  device_id text not null,
  msg_id text not null,
  kind text not null,
  type text not null,
  payload jsonb not null,
  device_ts timestamptz,
  received_at timestamptz not null default now(),
  clock_skew boolean not null default false,
  processed_at timestamptz,
  incident_id text,
  unique (device_id, msg_id)
);
create index inbox_unprocessed_idx on inbox (seq) where processed_at is null;

create table incidents (
  id text primary key,
  type text not null,
  priority text not null check (priority in ('P1', 'P2', 'P3', 'P4')),
  status text not null check (status in ('open', 'acknowledged', 'dispatched', 'on_scene', 'resolved', 'closed_false_alarm')),
  resident_id text references residents(id),
  site_id text not null references sites(id),
  area_id text not null references areas(id),
  device_id text,
  alarm_count integer not null default 1,
  opened_at timestamptz not null,
  ack_due_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at timestamptz,
  resolved_by text,
  outcome text,
  updated_at timestamptz not null default now()
);
create index incidents_status_idx on incidents (status, opened_at desc);
create index incidents_area_idx on incidents (area_id);
-- One active incident per resident (or site) and alarm type: a repeat joins it.
create unique index incidents_one_active_idx on incidents (site_id, coalesce(resident_id, ''), type)
  where status not in ('resolved', 'closed_false_alarm');

create table incident_timeline (
  id bigserial primary key,
  incident_id text not null references incidents(id),
  at timestamptz not null default now(),
  kind text not null,
  actor_id text,
  actor_name text,
  text text,
  data jsonb
);
create index incident_timeline_incident_idx on incident_timeline (incident_id, id);

create table commands (
  id text primary key,
  device_id text not null references devices(id),
  type text not null,
  args jsonb,
  status text not null check (status in ('sent', 'acked', 'failed', 'timed_out')),
  incident_id text references incidents(id),
  created_by text,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  done_at timestamptz,
  error text
);
create index commands_device_idx on commands (device_id, created_at desc);

-- Append-only: the API offers no update or delete of these rows.
create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  user_id text,
  username text,
  ip text,
  action text not null,
  target_type text,
  target_id text,
  data jsonb
);
create index audit_log_at_idx on audit_log (at desc);
