/**
 * Positions and safe zones on the platform's side (issue 15, docs/positions.md): the last known
 * position of a resident, the 24-hour track, the incident's position (set at opening, following
 * fresher positions while open) and the safe zone a supervisor draws.
 *
 * The gateway keeps every wearable's last position in memory and persists it coarsely
 * (`positions_last`, every 30 s); in embedded mode the platform also reads the gateway's memory
 * (`live`) and hears each new position (`follow`), so the answers are current to the message.
 */
import {
  insideSafeZone, toWgs84, type Crs, type IncidentPositionDto, type ResidentPositionDto, type SafeZoneBody,
  type SafeZoneSchedule, type SafeZoneShape
} from '@eldercare/protocols'
import type { LivePosition, TrackItem, TrackStore } from '@eldercare/readings'
import { jsonColumn, type Db, type Queryable } from '../../db/db.ts'


export interface PositionServiceOptions {
  /** the gateway's in-memory last positions (embedded mode) */
  live?: { forResident (residentId: string): LivePosition | undefined }
  track: TrackStore
  /** an incident carries a position no older than this when it opens, ms. Default 10 min. */
  recentMs?: number
  now: () => number
}

export interface SafeZoneDto {
  residentId: string
  circle?: { lat: number, lng: number, radiusM: number }
  polygon?: Array<[number, number]>
  graceS: number
  schedule: SafeZoneSchedule | null
  updatedAt: string
}

/** The track answers at most this many points (the step grows with the range). */
export const TRACK_MAX_POINTS = 500
export const DEFAULT_RECENT_POSITION_MS = 10 * 60_000

/** A `positions_last` row as the alarm's position is chosen from it (forAlarm). */
export interface LastKnownRow { lat: number | string, lng: number | string, acc: number | string | null, at: Date | string, source: 'telemetry' | 'event' }

export class PositionService {
  readonly recentMs: number
  constructor (private readonly db: Db, private readonly opts: PositionServiceOptions) {
    this.recentMs = opts.recentMs ?? DEFAULT_RECENT_POSITION_MS
  }

  /** The freshest known position of any of the resident's devices: memory (embedded) or the coarse copy. */
  async last (residentId: string): Promise<ResidentPositionDto | null> {
    const { rows } = await this.db.query<{ device_id: string, lat: number, lng: number, acc: number | null, at: Date | string, source: 'telemetry' | 'event' }>(
      'select device_id, lat, lng, acc, at, source from positions_last where resident_id = $1 order by at desc limit 1', [residentId])
    const stored = rows[0] ? { deviceId: rows[0].device_id, lat: Number(rows[0].lat), lng: Number(rows[0].lng), acc: rows[0].acc == null ? null : Number(rows[0].acc), at: new Date(rows[0].at).getTime(), source: rows[0].source } : undefined
    const live = this.opts.live?.forResident(residentId)
    const best = live && (!stored || live.at >= stored.at) ? live : stored
    return best ? { deviceId: best.deviceId, lat: best.lat, lng: best.lng, acc: best.acc, at: new Date(best.at).toISOString(), source: best.source } : null
  }

  /** The track in [from, to), at most TRACK_MAX_POINTS points (the last of each step), at least 1 s apart. */
  async track (residentId: string, fromMs: number, toMs: number): Promise<TrackItem[]> {
    // steps are epoch-aligned, so a range not on a step boundary touches one step more than range / step
    const stepMs = Math.max(1000, Math.ceil((toMs - fromMs) / (TRACK_MAX_POINTS - 1)))
    return this.opts.track.track(residentId, fromMs, toMs, stepMs)
  }

  /**
   * The position an incident opens with: the alarm's own (an event's `geo` [P-3.2], converted from
   * its `crs`; a geofence alarm's position), else the device's or resident's last known one when no
   * older than `recentMs` at the alarm's time.
   */
  async forAlarm (q: Queryable, alarm: { kind: string, payload: Record<string, unknown>, deviceId: string, residentId: string | null, at: Date },
    /** the newest `positions_last` row of the device or resident since `at − recentMs`, read by the caller (null: none); absent: read here */
    lastKnown?: LastKnownRow | null): Promise<IncidentPositionDto | null> {
    const geo = alarm.payload.geo as { lat?: unknown, lng?: unknown, acc?: unknown, crs?: unknown } | undefined
    if (alarm.kind === 'event' && geo && typeof geo.lat === 'number' && typeof geo.lng === 'number') {
      const p = toWgs84({ lat: geo.lat, lng: geo.lng }, (geo.crs as Crs | undefined) ?? 'wgs84')
      return { lat: p.lat, lng: p.lng, acc: typeof geo.acc === 'number' ? geo.acc : null, at: alarm.at.toISOString(), source: 'event' }
    }
    const derived = alarm.payload.position as { lat?: unknown, lng?: unknown, acc?: unknown, at?: unknown } | undefined
    if (alarm.kind === 'derived' && derived && typeof derived.lat === 'number' && typeof derived.lng === 'number') {
      return { lat: derived.lat, lng: derived.lng, acc: typeof derived.acc === 'number' ? derived.acc : null, at: new Date(typeof derived.at === 'number' ? derived.at : alarm.at.getTime()).toISOString(), source: 'telemetry' }
    }
    const since = new Date(alarm.at.getTime() - this.recentMs)
    const live = alarm.residentId ? this.opts.live?.forResident(alarm.residentId) : undefined
    if (live && live.at >= since.getTime()) return { lat: live.lat, lng: live.lng, acc: live.acc, at: new Date(live.at).toISOString(), source: live.source }
    const r = lastKnown !== undefined ? lastKnown : (await q.query<LastKnownRow>(
      `select lat, lng, acc, at, source from positions_last
        where (device_id = $1 or ($2::text is not null and resident_id = $2)) and at >= $3 order by at desc limit 1`,
      [alarm.deviceId, alarm.residentId, since])).rows[0]
    return r ? { lat: Number(r.lat), lng: Number(r.lng), acc: r.acc == null ? null : Number(r.acc), at: new Date(r.at).toISOString(), source: r.source } : null
  }

  /**
   * A fresher position of a resident: every active incident of theirs that has a position takes
   * it. For a `geofence_exit` incident, crossing the safe zone's edge goes on the timeline
   * (`returned_inside` / `left_again`) — the incident stays open until an operator closes it.
   * Returns the incidents changed, for the caller to announce.
   */
  async follow (p: LivePosition, addTimeline: (tx: Queryable, id: string, kind: string, data: Record<string, unknown>) => Promise<void>): Promise<string[]> {
    if (!p.residentId) return []
    const at = new Date(p.at).toISOString()
    const pos: IncidentPositionDto = { lat: p.lat, lng: p.lng, acc: p.acc, at, source: p.source }
    // most positions belong to nobody in trouble: one cheap read before any lock
    const { rows: any } = await this.db.query(`select 1 from incidents where resident_id = $1 and status not in ('resolved', 'closed_false_alarm') and position is not null limit 1`, [p.residentId])
    if (any.length === 0) return []
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string, type: string, position: IncidentPositionDto | string }>(
        `select id, type, position from incidents
          where resident_id = $1 and status not in ('resolved', 'closed_false_alarm') and position is not null
            and (position->>'at')::timestamptz < $2
          for update`, [p.residentId, at])
      if (rows.length === 0) return []
      const zone = rows.some((r) => r.type === 'geofence_exit') ? await this.zoneShape(tx, p.residentId!) : null
      for (const r of rows) {
        await tx.query('update incidents set position = $2, updated_at = now() where id = $1', [r.id, JSON.stringify(pos)])
        if (r.type !== 'geofence_exit' || !zone) continue
        const before = jsonColumn(r.position)
        const wasInside = insideSafeZone(before, zone)
        const isInside = insideSafeZone(pos, zone)
        if (wasInside !== isInside) await addTimeline(tx, r.id, isInside ? 'returned_inside' : 'left_again', { position: pos })
      }
      return rows.map((r) => r.id)
    })
  }

  /**
   * Where positions are not heard in this process (scaled mode: the gateways run elsewhere), the
   * open incidents follow the coarse copy instead: each resident's freshest `positions_last` row
   * newer than their incident's position is followed as if heard. Returns the incidents changed.
   */
  async followStored (addTimeline: Parameters<PositionService['follow']>[1]): Promise<string[]> {
    const { rows } = await this.db.query<{ device_id: string, resident_id: string, lat: number, lng: number, acc: number | null, at: Date | string, source: 'telemetry' | 'event' }>(
      `select distinct on (p.resident_id) p.device_id, p.resident_id, p.lat, p.lng, p.acc, p.at, p.source
         from positions_last p
         join incidents i on i.resident_id = p.resident_id
        where i.status not in ('resolved', 'closed_false_alarm') and i.position is not null
          and p.at > (i.position->>'at')::timestamptz
        order by p.resident_id, p.at desc`)
    const changed: string[] = []
    for (const r of rows) {
      changed.push(...await this.follow({ deviceId: r.device_id, residentId: r.resident_id, lat: Number(r.lat), lng: Number(r.lng), acc: r.acc == null ? null : Number(r.acc), at: new Date(r.at).getTime(), source: r.source }, addTimeline))
    }
    return changed
  }

  private async zoneShape (q: Queryable, residentId: string): Promise<SafeZoneShape | null> {
    const { rows } = await q.query<{ zone: SafeZoneShape | string }>('select zone from safe_zones where resident_id = $1', [residentId])
    return rows[0] ? jsonColumn(rows[0].zone) : null
  }

  async getSafeZone (residentId: string): Promise<SafeZoneDto | null> {
    const { rows } = await this.db.query<{ zone: SafeZoneShape | string, grace_s: number, schedule: SafeZoneSchedule | string | null, updated_at: Date | string }>(
      'select zone, grace_s, schedule, updated_at from safe_zones where resident_id = $1', [residentId])
    const r = rows[0]
    if (!r) return null
    return { residentId, ...jsonColumn(r.zone), graceS: Number(r.grace_s), schedule: r.schedule == null ? null : jsonColumn(r.schedule), updatedAt: new Date(r.updated_at).toISOString() }
  }

  /** `zone` complete (a circle with its centre and radius); the route fills in the home and defaults. */
  async putSafeZone (residentId: string, zone: SafeZoneShape, body: Pick<SafeZoneBody, 'schedule'>, graceS: number, userId: string): Promise<SafeZoneDto> {
    await this.db.query(
      `insert into safe_zones (resident_id, zone, grace_s, schedule, updated_at, updated_by) values ($1, $2, $3, $4, now(), $5)
       on conflict (resident_id) do update set zone = excluded.zone, grace_s = excluded.grace_s, schedule = excluded.schedule,
         updated_at = now(), updated_by = excluded.updated_by`,
      [residentId, JSON.stringify(zone), graceS, body.schedule ? JSON.stringify(body.schedule) : null, userId])
    return (await this.getSafeZone(residentId))!
  }

  async deleteSafeZone (residentId: string): Promise<boolean> {
    return (await this.db.query('delete from safe_zones where resident_id = $1', [residentId])).rowCount > 0
  }
}
