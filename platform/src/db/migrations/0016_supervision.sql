-- Issue 16: what the civil-affairs bureau is measured on.

-- The assessor role (GB/T 42195-2022 capacity assessments) and integration accounts of an upper
-- platform (read-only, area subtree, API token).
alter table users drop constraint if exists users_role_check;
alter table users add constraint users_role_check
  check (role in ('operator', 'supervisor', 'admin', 'auditor', 'responder', 'assessor', 'integration'));

-- Residents through their life: status with its date, and every change kept so that counts use
-- the status on the period's dates.
alter table residents add column status text not null default 'active'
  check (status in ('active', 'in_hospital', 'moved_out', 'deceased'));
alter table residents add column status_since timestamptz;
update residents set status_since = created_at where status_since is null;
alter table residents alter column status_since set not null;
alter table residents alter column status_since set default now();

create table resident_status_history (
  id bigserial primary key,
  resident_id text not null references residents(id),
  status text not null check (status in ('active', 'in_hospital', 'moved_out', 'deceased')),
  since timestamptz not null,
  recorded_by text,
  reason text,
  recorded_at timestamptz not null default now()
);
create index resident_status_history_idx on resident_status_history (resident_id, since);

-- Manual override of the capacity level, kept with its reason (the latest assessment sets it otherwise).
alter table residents add column capacity_override_reason text;

-- Facilities beyond home|institution, and home sites registered as family care beds (家庭养老床位).
alter table sites drop constraint if exists sites_kind_check;
alter table sites add constraint sites_kind_check
  check (kind in ('home', 'institution', 'day_care', 'service_station', 'happiness_home', 'meal_point'));
alter table sites add column family_bed_type text check (family_bed_type in ('nursing', 'inclusive', 'safety_net'));
alter table sites add column family_bed_provider text;
alter table sites add column family_bed_since date;
alter table sites add column family_bed_until date;
alter table sites add constraint sites_family_bed_home check (family_bed_type is null or kind = 'home');

-- Capacity assessments (GB/T 42195-2022): the scores as recorded and the result computed from
-- them by protocols/src/assessment.ts, kept whole so a record never changes after the fact.
create table assessments (
  id text primary key,
  resident_id text not null references residents(id),
  assessed_at timestamptz not null,
  assessor_user_id text references users(id),
  assessor_name text not null,
  assessor_certificate_no text,
  scores jsonb not null,
  indicator_totals jsonb not null,
  total smallint not null check (total between 0 and 90),
  preliminary_level smallint not null check (preliminary_level between 0 and 4),
  level smallint not null check (level between 0 and 4),
  changes jsonb not null default '[]',
  comatose boolean not null default false,
  dementia_or_mental_disorder boolean not null default false,
  care_risk_events_30d integer not null default 0,
  reassessment_due_at timestamptz not null,
  recorded_by text not null,
  created_at timestamptz not null default now()
);
create index assessments_resident_idx on assessments (resident_id, assessed_at desc);

-- Per-area visit rules (eligible groups, methods that count), inherited down the tree.
create table area_visit_rules (
  area_id text primary key references areas(id),
  eligible_groups jsonb not null,
  counting_methods jsonb not null,
  disabled_from_level smallint not null default 2 check (disabled_from_level between 1 and 4),
  updated_by text,
  updated_at timestamptz not null default now()
);

-- Targets per area and year, set by administrators.
create table area_targets (
  area_id text not null references areas(id),
  year smallint not null check (year between 2000 and 2100),
  family_beds integer check (family_beds >= 0),
  visit_coverage real check (visit_coverage between 0 and 1),
  assessment_coverage real check (assessment_coverage between 0 and 1),
  ack_within_60s real check (ack_within_60s between 0 and 1),
  updated_by text,
  updated_at timestamptz not null default now(),
  primary key (area_id, year)
);

-- Monthly statements, kept as generated: published figures do not move when data is corrected
-- later. A regeneration adds a new version (explicit, audited); the old one stays.
create table statements (
  id text primary key,
  area_id text not null references areas(id),
  month text not null check (month ~ '^\d{4}-(0[1-9]|1[0-2])$'),
  version integer not null default 1,
  content jsonb not null,
  generated_at timestamptz not null default now(),
  generated_by text not null,
  reason text,
  unique (area_id, month, version)
);
create index statements_area_month_idx on statements (area_id, month, version desc);

-- Integration accounts of upper platforms (district → city → province): a user with the role
-- `integration` (read-only statistics of its area subtree, API token), plus what it receives:
-- incidents over a signed webhook, names masked unless `reveal_names`. The webhook secret must
-- be usable to sign, so it is encrypted (FieldCrypto), not hashed.
create table integration_accounts (
  user_id text primary key references users(id),
  name text not null,
  reveal_names boolean not null default false,
  webhook_url text,
  webhook_secret_enc text,
  created_by text not null,
  created_at timestamptz not null default now()
);
