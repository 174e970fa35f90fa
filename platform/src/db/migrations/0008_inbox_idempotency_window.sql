-- [P-2.4] Idempotency within a bounded window (issue 12).
-- A message is the same as an earlier one when device, id, type and device time all match: an id
-- reused with another type or time (a device counter restarting) is a new message. Device time
-- is null when the device clock was outside what the store holds [P-2.3]; such rows still match
-- each other (nulls not distinct).
alter table inbox drop constraint if exists inbox_device_id_msg_id_key;
create unique index inbox_idempotency_key on inbox (device_id, msg_id, type, device_ts) nulls not distinct;
-- the gateway prunes processed rows received before the window, in small batches
create index inbox_received_at_idx on inbox (received_at);
