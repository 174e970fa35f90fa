/**
 * Proof that a resident is well, wherever it is recorded — the one definition welfare rounds and
 * the daily check-in share: an "I'm OK" press (`checkin` event [P-3.2]) from their device or
 * their home's shared one, an answered call, or a visit (or phone call) recorded as done.
 */

/**
 * A subquery giving the first proof `(at, kind, ref)` for one resident between two instants;
 * the arguments are SQL expressions (columns of the outer query or parameters).
 */
export function firstProofSql (residentId: string, siteId: string, from: string, until: string): string {
  return `select * from (
      select i.received_at as at, 'checkin' as kind, i.device_id || '/' || i.msg_id as ref
        from devices d join inbox i on i.device_id = d.id
       where (d.resident_id = ${residentId} or (d.resident_id is null and d.site_id = ${siteId}))
         and i.kind = 'event' and i.type = 'checkin' and i.received_at >= ${from} and i.received_at <= ${until}
      union all
      select c.answered_at, 'call', c.id from calls c
       where c.resident_id = ${residentId} and c.answered_at >= ${from} and c.answered_at <= ${until}
      union all
      select v.visited_at, case when v.method = 'phone' then 'phone' else 'visit' end, v.id from visits v
       where v.resident_id = ${residentId} and v.status = 'done' and v.visited_at >= ${from} and v.visited_at <= ${until}
    ) proofs order by at limit 1`
}
