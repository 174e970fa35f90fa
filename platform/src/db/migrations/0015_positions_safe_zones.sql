-- Positions (issue 15). All coordinates WGS-84 (devices in GCJ-02/BD-09 are converted on ingest).

-- The 24-hour track in the embedded store (when INFLUX_URL is not set): one row per position a
-- wearable reported. Pruned past 24 h.
create table position_track (
  resident_id text not null default '',
  device_id text not null,
  ts timestamptz not null,
  lat double precision not null,
  lng double precision not null,
  acc double precision,
  source text not null check (source in ('telemetry', 'event'))
);
create index position_track_resident_ts_idx on position_track (resident_id, ts);

-- Each wearable's last known position, written coarsely (at most once a minute per device, and at
-- shutdown) from the in-memory copy, so a restart still knows where everyone was.
create table positions_last (
  device_id text primary key,
  resident_id text,
  lat double precision not null,
  lng double precision not null,
  acc double precision,
  at timestamptz not null,
  source text not null check (source in ('telemetry', 'event')),
  updated_at timestamptz not null default now()
);
create index positions_last_resident_idx on positions_last (resident_id, at desc);

-- One safe zone per resident (防走失): a circle or a polygon, how long outside before the alarm,
-- and an optional schedule (when the zone is watched).
create table safe_zones (
  resident_id text primary key references residents(id),
  zone jsonb not null,
  grace_s integer not null default 300 check (grace_s between 0 and 86400),
  schedule jsonb,
  updated_at timestamptz not null default now(),
  updated_by text
);

-- An incident's position (WGS-84 {lat, lng, acc, at, source}): set when it opens from a device with a
-- recent position, and following fresher positions while it is open.
alter table incidents add column position jsonb;
