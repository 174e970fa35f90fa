-- Readings [P-3.1] in the embedded store (when INFLUX_URL is not set): one row per sample of a
-- device, a column per field (booleans as 0/1). Kept for the retention period, then pruned.
create table readings (
  resident_id text not null default '',
  device_id text not null,
  ts timestamptz not null,
  hr double precision,
  spo2 double precision,
  rr double precision,
  sbp double precision,
  dbp double precision,
  temp double precision,
  bed_occupied double precision,
  bed_movement double precision,
  steps double precision,
  motion double precision
);
create index readings_resident_ts_idx on readings (resident_id, ts);

-- Per-resident overrides of the detection defaults (protocols DEFAULT_DETECTION_SETTINGS).
create table detection_settings (
  resident_id text primary key references residents(id),
  overrides jsonb not null default '{}',
  updated_at timestamptz not null default now(),
  updated_by text
);

-- The detection rules' memory (episode, pending conditions, last activity), so it survives a restart.
-- subject is a resident id or, for device-health rules, a device id.
create table detection_state (
  subject text not null,
  rule text not null,
  state jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (subject, rule)
);

-- The missed-test rule asks for each device's last periodic `test` event [P-3.2] on every tick.
create index inbox_test_events_idx on inbox (device_id, received_at) where kind = 'event' and type = 'test';
