-- Notifications survive a crash (#14): each message for a durable channel (the webhook) is a row
-- here, written before any attempt. Any platform process delivers due rows: it claims them with
-- FOR UPDATE SKIP LOCKED and a lease (`claimed_until`), so a process killed mid-attempt or
-- mid-backoff leaves the row to another one. At least once: the row's `id` is the idempotency key
-- the receiver sees in the signed payload, the same on every attempt.
create table notification_outbox (
  id text primary key,
  channel text not null,
  incident_id text,
  -- the Notification as sent; once settled the phone number is removed (kept only as long as needed)
  payload jsonb not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  claimed_until timestamptz,
  settled_at timestamptz,
  outcome text check (outcome in ('delivered', 'failed')),
  last_error text,
  created_at timestamptz not null default now()
);
create index notification_outbox_due_idx on notification_outbox (next_attempt_at) where settled_at is null;

-- Announcements survive a crash too (#14): an incident's opening is announced (socket.io) by the
-- node that opened it, after the commit; one killed in between left the consoles of every other
-- node without it until they reconnected. `announced_at` is set when the opening is announced;
-- any node announces an opening still unannounced a few seconds after `recorded_at`.
alter table incidents add column recorded_at timestamptz not null default now();
alter table incidents add column announced_at timestamptz;
update incidents set announced_at = recorded_at;
create index incidents_unannounced_idx on incidents (recorded_at) where announced_at is null;
