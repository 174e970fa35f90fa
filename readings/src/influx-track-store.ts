/**
 * The track in InfluxDB: measurement `positions` in its own retention policy `eldercare_track`
 * (24 h, not the default), tags `device`, `resident` (absent for a device assigned to nobody) and
 * `source`; float fields `lat`, `lng` and `acc` (when known); ms precision.
 */
import { escape, type InfluxDB, type IPoint } from 'influx'
import { INFLUX_MAX_MS, INFLUX_MIN_MS, ensureRetentionPolicy, influxWriteError, openInflux, type RawResponse } from './influx-store.ts'
import { PermanentWriteError, type PruneResult } from './store.ts'
import { TRACK_RETENTION_MS, type TrackItem, type TrackPoint, type TrackStore } from './track.ts'

export const INFLUX_TRACK_MEASUREMENT = 'positions'
export const INFLUX_TRACK_RETENTION_POLICY = 'eldercare_track'

export class InfluxTrackStore implements TrackStore {
  readonly kind = 'influx'
  readonly database: string
  private readonly influx: InfluxDB

  constructor (opts: { url: string, requestTimeoutMs?: number }, private readonly retentionMs = TRACK_RETENTION_MS) {
    ({ influx: this.influx, database: this.database } = openInflux(opts.url, opts.requestTimeoutMs))
  }

  async init (): Promise<void> {
    await ensureRetentionPolicy(this.influx, this.database, INFLUX_TRACK_RETENTION_POLICY, this.retentionMs, false)
  }

  async write (points: TrackPoint[]): Promise<void> {
    if (points.length === 0) return
    const inRange = points.filter((p) => p.ts >= INFLUX_MIN_MS && p.ts <= INFLUX_MAX_MS)
    const outOfRange = points.length - inRange.length
    if (inRange.length > 0) {
      const lines: IPoint[] = inRange.map((p) => ({
        measurement: INFLUX_TRACK_MEASUREMENT,
        tags: { device: p.deviceId, source: p.source, ...(p.residentId ? { resident: p.residentId } : {}) },
        fields: p.acc == null ? { lat: p.lat, lng: p.lng } : { lat: p.lat, lng: p.lng, acc: p.acc },
        timestamp: p.ts
      }))
      try {
        await this.influx.writePoints(lines, { precision: 'ms', retentionPolicy: INFLUX_TRACK_RETENTION_POLICY })
      } catch (err) {
        throw influxWriteError(err, outOfRange)
      }
    }
    if (outOfRange > 0) throw new PermanentWriteError(`${outOfRange} position(s) dated outside the time range InfluxDB holds`, undefined, outOfRange)
  }

  async track (residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<TrackItem[]> {
    // Raw points, bucketed here: InfluxQL's last() per bucket would report the bucket's start, not
    // the position's own time. A day of one position every 30 s is 2,880 rows.
    const q = `select lat, lng, acc from ${escape.quoted(this.database)}.${escape.quoted(INFLUX_TRACK_RETENTION_POLICY)}.${escape.quoted(INFLUX_TRACK_MEASUREMENT)}` +
      ` where resident = ${escape.stringLit(residentId)} and time >= ${Math.floor(fromMs)}ms and time < ${Math.floor(toMs)}ms order by time asc`
    const raw = await this.influx.queryRaw(q, { precision: 'ms' }) as RawResponse
    if (raw.results?.[0]?.error) throw new Error(`InfluxDB query failed: ${raw.results[0].error}`)
    const series = raw.results?.[0]?.series?.[0]
    if (!series) return []
    const col = (c: string) => series.columns.indexOf(c)
    const [ti, la, ln, ac] = [col('time'), col('lat'), col('lng'), col('acc')]
    const out: TrackItem[] = []
    let bucket = Number.NaN
    for (const row of series.values) {
      const at = Number(row[ti])
      const item = { lat: Number(row[la]), lng: Number(row[ln]), acc: row[ac] == null ? null : Number(row[ac]), at }
      const b = Math.floor(at / stepMs)
      if (b === bucket) out[out.length - 1] = item
      else { out.push(item); bucket = b }
    }
    return out
  }

  /** The retention policy prunes. */
  async prune (): Promise<PruneResult> { return { rows: 0, partitions: 0 } }

  async close (): Promise<void> {}
}
