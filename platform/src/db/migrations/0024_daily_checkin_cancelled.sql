-- Daily check-in (issue 17): disabling a plan ends that day's open follow-up, so a disabled plan
-- sends nothing (no escalation to a checkin_missed incident later that day) and enabling it again
-- does not bring it back. The day keeps why and when it was ended.
alter table daily_checkins drop constraint daily_checkins_status_check;
alter table daily_checkins add constraint daily_checkins_status_check
  check (status in ('confirmed', 'follow_up', 'reached', 'escalated', 'cancelled'));
-- why an open follow-up was ended without proof ('plan_disabled'), and when
alter table daily_checkins add column closed_reason text;
alter table daily_checkins add column closed_at timestamptz;
