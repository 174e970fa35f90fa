-- MQTT observer accounts (issue 8): read-only MQTT logins an administrator creates for an area.
-- An observer subscribes to the device topics of the devices inside its area and never publishes;
-- the gateway confines it (gateway/src/observers.ts). The secret is shown once and stored hashed
-- like a device secret (256-bit random, SHA-256).
create table mqtt_observers (
  id text primary key,
  username text not null unique,
  secret_hash text not null,
  area_id text not null references areas(id),
  created_at timestamptz not null default now(),
  disabled boolean not null default false
);
create index mqtt_observers_area_idx on mqtt_observers (area_id);
