-- Device protocol v1 in full (issue 3).
-- [P-4.5] When a command reached the device's connection: a command queued for an offline
-- device is delivered on reconnect, and its acknowledgement deadline [P-3.6] runs from then.
alter table commands add column delivered_at timestamptz;
create index commands_sent_idx on commands (status) where status = 'sent';
