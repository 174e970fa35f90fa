-- Devices by resident (issue 11): the detection clock pass reads each resident's last sign of life
-- (no_data rule) every 30 s in pages of 1,000 residents. Without this index each read scanned and
-- grouped every device — ~60 ms in the embedded database's worker at 10,000 devices, a statement
-- every alarm statement waited behind; a page is now an index range (~3 ms). last_seen_at is not
-- in the index, so presence's frequent updates of it stay HOT.
create index if not exists devices_resident_idx on devices (resident_id);
