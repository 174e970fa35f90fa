-- Issue 13, trust.
--
-- 1. Usernames are unique case-insensitively (sign-in already matched them so). An existing pair
--    that differs only in case stops the migration with the list, to be renamed by hand
--    (UPDATE users SET username = … WHERE id = …) before the node starts again.
do $$
declare clashes text;
begin
  select string_agg(names, '; ') into clashes from (
    select string_agg(username, ', ' order by username) as names from users group by lower(username) having count(*) > 1) c;
  if clashes is not null then
    raise exception 'usernames that differ only in case must be renamed before upgrading: %', clashes;
  end if;
end
$$;
create unique index users_username_lower_key on users (lower(username));

-- 2. The response policy per area: a row overrides the policy for its area's subtree; an area
--    without a row inherits the nearest ancestor's, and the root's row is the installation's
--    default (absent: the built-in defaults of protocols/src/priority.ts).
create table area_response_policies (
  area_id text primary key references areas(id) on delete cascade,
  value jsonb not null,
  updated_at timestamptz not null default now(),
  updated_by text
);
-- The former single global override becomes the default of every root area.
insert into area_response_policies (area_id, value, updated_at, updated_by)
  select a.id, p.value, p.updated_at, p.updated_by from response_policies p cross join areas a
   where p.key = 'response' and a.parent_id is null;
delete from response_policies where key = 'response';

-- 3. Failed sign-in counts (features/auth/login-throttle.ts), shared by every platform node
--    behind a balancer: keys `pair:<username>|<address>` and `user:<username>`; rows idle for an
--    hour are pruned as new failures come.
create table login_throttle (
  key text primary key,
  failures integer not null,
  last_ms bigint not null
);
create index login_throttle_last_idx on login_throttle (last_ms);
