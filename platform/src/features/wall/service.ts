/**
 * The control-room wall screen's figures (issue 15, `#/wall`), for the caller's area subtree:
 * today's alarms, open incidents, breaches, the share acknowledged within 60 s, devices online,
 * this month's visit coverage, the latest ten incident events, and the active incidents with
 * where they are (their position, else the home).
 */
import type { Queryable } from '../../db/db.ts'
import type { WallDto } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import { monthBounds, monthOf, startOfLocalDay } from '../../lib/local-time.ts'
import { visitCoverage } from '../registry/stats.ts'


export async function wallSummary (q: Queryable, area: { id: string, path: string }, now: number, tz: string): Promise<WallDto> {
  const start = startOfLocalDay(now, tz)
  const [counts, devices, latest, places, sites, coverage] = await Promise.all([
    q.query<{ alarms: string, open: string, breaches: string, acked60: string }>(`
      select count(*) filter (where i.opened_at >= $2) as alarms,
             count(*) filter (where i.status = 'open') as open,
             count(*) filter (where i.opened_at >= $2 and (i.ack_breached or i.on_scene_breached)) as breaches,
             count(*) filter (where i.opened_at >= $2 and i.acknowledged_at is not null and i.acknowledged_at <= i.opened_at + interval '60 seconds') as acked60
        from incidents i join areas a on a.id = i.area_id where a.path like $1 || '%'`, [area.path, start]),
    q.query<{ online: string, total: string }>(`
      select count(*) filter (where d.online) as online, count(*) as total
        from devices d join sites s on s.id = d.site_id join areas a on a.id = s.area_id where a.path like $1 || '%'`, [area.path]),
    q.query<{ at: Date | string, incident_id: string, kind: string, type: string, priority: string, resident_name: string | null }>(`
      select t.at, t.incident_id, t.kind, i.type, i.priority, r.name as resident_name
        from incident_timeline t join incidents i on i.id = t.incident_id join areas a on a.id = i.area_id
        left join residents r on r.id = i.resident_id
       where a.path like $1 || '%' order by t.id desc limit 10`, [area.path]),
    q.query<{ id: string, position: { lat: number, lng: number } | string | null, lat: number | null, lng: number | null }>(`
      select i.id, i.position, s.lat, s.lng from incidents i join sites s on s.id = i.site_id join areas a on a.id = i.area_id
       where a.path like $1 || '%' and i.status not in ('resolved', 'closed_false_alarm')`, [area.path]),
    q.query<{ id: string, lat: number, lng: number }>(`
      select s.id, s.lat, s.lng from sites s join areas a on a.id = s.area_id where a.path like $1 || '%' and s.lat is not null and s.lng is not null limit 2000`, [area.path]),
    (async () => { const { start: ms, end } = monthBounds(monthOf(now, tz), tz); return visitCoverage(q, area, ms, end) })()
  ])
  const c = counts.rows[0]!
  const alarms = Number(c.alarms)
  return {
    at: new Date(now).toISOString(),
    alarmsToday: alarms,
    open: Number(c.open),
    breachesToday: Number(c.breaches),
    ackWithin60sShare: alarms > 0 ? Number(c.acked60) / alarms : null,
    devicesOnline: Number(devices.rows[0]!.online),
    devicesTotal: Number(devices.rows[0]!.total),
    visitCoverageMonth: coverage.total.rate,
    latest: latest.rows.map((r) => ({ at: new Date(r.at).toISOString(), incidentId: r.incident_id, kind: r.kind, type: r.type, priority: r.priority, residentName: r.resident_name })),
    places: places.rows.flatMap((r) => {
      const p = jsonColumn<{ lat: number, lng: number } | null>(r.position)
      if (p) return [{ incidentId: r.id, lat: p.lat, lng: p.lng }]
      return r.lat != null && r.lng != null ? [{ incidentId: r.id, lat: Number(r.lat), lng: Number(r.lng) }] : []
    }),
    sites: sites.rows.map((s) => ({ id: s.id, lat: Number(s.lat), lng: Number(s.lng) }))
  }
}

