-- Readings and the position track partitioned by time (issue 11): retention drops a whole partition
-- instead of deleting rows one by one. The embedded database (PGlite) has no autovacuum: the space of
-- a deleted row is never reused, so a long-running embedded deployment's readings file grew without
-- bound (1,000,000 readings 64.4 MiB; half deleted, 500,000 more: 96.6 MiB). A dropped partition
-- gives its files back at once, on PGlite and PostgreSQL alike, without reading a row.
--
-- Leaves: `<table>_p<YYYYMMDD>` (the UTC start of its span; readings a week from Monday, the track a
-- day), created ahead by the stores (readings/src/sql-partitions.ts), and `<table>_default` for a row
-- no leaf covers (a time far off; readings normally carry the gateway's time [P-2.3]).

-- Creates the leaves of `parent` of length `span` that cover [from_ts, to_ts] and do not exist yet;
-- rows of their span already in the default partition move into them. Returns how many it created.
create or replace function time_partitions_ensure(parent text, span interval, from_ts timestamptz, to_ts timestamptz)
returns integer language plpgsql as $$
declare
  lo timestamptz;
  hi timestamptz;
  leaf text;
  made integer := 0;
begin
  -- one maker at a time per table (gateways of a scaled deployment all run this)
  perform pg_advisory_xact_lock(hashtext('time_partitions:' || parent));
  perform set_config('lock_timeout', '5s', true);
  -- spans aligned to a Monday 00:00 UTC (a day span: to each midnight UTC)
  lo := date_bin(span, from_ts, timestamptz '2000-01-03 00:00:00+00');
  while lo <= to_ts loop
    hi := lo + span;
    leaf := parent || '_p' || to_char(lo at time zone 'UTC', 'YYYYMMDD');
    if to_regclass(leaf) is null then
      -- made beside the table and attached (attaching does not stop inserts into the other leaves;
      -- `create table … partition of` would lock the whole table)
      execute format('create table %I (like %I including defaults including constraints)', leaf, parent);
      execute format('lock table %I in access exclusive mode', parent || '_default');
      execute format('with moved as (delete from %I where ts >= $1 and ts < $2 returning *) insert into %I select * from moved',
        parent || '_default', leaf) using lo, hi;
      execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, leaf, lo, hi);
      made := made + 1;
    end if;
    lo := hi;
  end loop;
  return made;
end $$;

-- Drops the leaves of `parent` that end at or before `before` (every row in them is past retention)
-- and names the leaves that may still hold rows before it (the one the cut falls in, and the
-- default), whose old rows the store deletes a few pages at a time.
create or replace function time_partitions_prune(parent text, before timestamptz)
returns table (leaf text, dropped boolean) language plpgsql as $$
declare
  r record;
  lower_ts timestamptz;
  upper_ts timestamptz;
begin
  perform pg_advisory_xact_lock(hashtext('time_partitions:' || parent));
  perform set_config('lock_timeout', '5s', true);
  for r in select c.relname::text as name, pg_get_expr(c.relpartbound, c.oid) as bound
             from pg_inherits i join pg_class c on c.oid = i.inhrelid
            where i.inhparent = parent::regclass
            order by c.relname loop
    if r.bound = 'DEFAULT' then
      leaf := r.name; dropped := false; return next;
      continue;
    end if;
    lower_ts := (regexp_match(r.bound, 'FROM \(''([^'']+)''\)'))[1]::timestamptz;
    upper_ts := (regexp_match(r.bound, 'TO \(''([^'']+)''\)'))[1]::timestamptz;
    if upper_ts <= before then
      execute format('drop table %I', r.name);
      leaf := r.name; dropped := true; return next;
    elsif lower_ts < before then
      leaf := r.name; dropped := false; return next;
    end if;
  end loop;
end $$;

-- Turns the one table `parent` (with its index `<parent>_resident_ts_idx`) into a partitioned one of
-- the same columns, constraints and index, and copies its rows in: a leaf of `span` for each span
-- that has rows from `back` before now to `ahead` after it (a time beyond either stays in the
-- default leaf, where retention deletes it), and the leaves of now.
create function pg_temp.time_partitions_adopt(parent text, span interval, back interval, ahead interval)
returns void language plpgsql as $$
declare
  old text := parent || '_unpartitioned';
begin
  execute format('alter table %I rename to %I', parent, old);
  execute format('alter index %I rename to %I', parent || '_resident_ts_idx', old || '_resident_ts_idx');
  execute format('create table %I (like %I including defaults including constraints) partition by range (ts)', parent, old);
  execute format('create index %I on %I (resident_id, ts)', parent || '_resident_ts_idx', parent);
  execute format('create table %I partition of %I default', parent || '_default', parent);
  execute format('select time_partitions_ensure($1, $2, w, w) from (select distinct date_bin($2, ts, timestamptz ''2000-01-03 00:00:00+00'') as w
                    from %I where ts >= now() - $3 and ts < now() + $4) spans', old) using parent, span, back, ahead;
  perform time_partitions_ensure(parent, span, now() - span, now() + 2 * span);
  execute format('insert into %I select * from %I', parent, old);
  execute format('drop table %I', old);
end $$;

-- The readings of migration 0004 in weekly leaves (400 days back, well past the 90 days kept: anything
-- older waits in the default leaf for retention);
-- the position track of migration 0015 (kept 24 hours) in daily ones.
select pg_temp.time_partitions_adopt('readings', interval '7 days', interval '400 days', interval '21 days');
select pg_temp.time_partitions_adopt('position_track', interval '1 day', interval '3 days', interval '3 days');
