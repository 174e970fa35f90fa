import type { Sql } from './store.ts'
import { TRACK_RETENTION_MS, type TrackItem, type TrackPoint, type TrackStore } from './track.ts'
import { PermanentWriteError, type PruneResult } from './store.ts'
import { ensurePartitions, prunePartitions, TRACK_PARTITIONS } from './sql-prune.ts'

/** The track in the platform's PostgreSQL-dialect database (table `position_track`, migration 0015). */
export class SqlTrackStore implements TrackStore {
  readonly kind = 'sql'
  constructor (private readonly sql: Sql, private readonly retentionMs = TRACK_RETENTION_MS) {}

  /** The table comes with migrations 0015 and 0026 (daily leaves); the next days' leaves are made here. */
  async init (): Promise<void> {
    await ensurePartitions(this.sql, TRACK_PARTITIONS, Date.now())
  }

  async write (points: TrackPoint[]): Promise<void> {
    if (points.length === 0) return
    let rows
    try {
      rows = points.map((p) => ({ resident_id: p.residentId ?? '', device_id: p.deviceId, ts: new Date(p.ts).toISOString(), lat: p.lat, lng: p.lng, acc: p.acc, source: p.source }))
    } catch (err) {
      throw new PermanentWriteError((err as Error).message, err)
    }
    await this.sql.query(
      `insert into position_track (resident_id, device_id, ts, lat, lng, acc, source)
       select resident_id, device_id, ts, lat, lng, acc, source
         from jsonb_to_recordset($1::jsonb) as x(resident_id text, device_id text, ts timestamptz, lat float8, lng float8, acc float8, source text)`,
      [JSON.stringify(rows)]).catch((err: Error & { code?: string }) => {
      // class 22 (data exception) and 23 (a check constraint): the rows are bad; the writer isolates them
      if (err.code?.startsWith('22') || err.code?.startsWith('23')) throw new PermanentWriteError(err.message, err)
      throw err
    })
  }

  async track (residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<TrackItem[]> {
    const { rows } = await this.sql.query<{ lat: number, lng: number, acc: number | null, ts: Date | string }>(
      `select distinct on (date_bin(make_interval(secs => $4::float8 / 1000), ts, timestamptz 'epoch')) lat, lng, acc, ts
         from position_track where resident_id = $1 and ts >= $2 and ts < $3
        order by date_bin(make_interval(secs => $4::float8 / 1000), ts, timestamptz 'epoch'), ts desc`,
      [residentId, new Date(fromMs), new Date(toMs), stepMs])
    return rows.map((r) => ({ lat: Number(r.lat), lng: Number(r.lng), acc: r.acc == null ? null : Number(r.acc), at: new Date(r.ts).getTime() }))
  }

  /** Drops the days wholly past retention, and deletes the older points of the day the cut falls in a few pages per statement (./sql-prune.ts). */
  prune (nowMs: number): Promise<PruneResult> {
    return prunePartitions(this.sql, TRACK_PARTITIONS, nowMs, this.retentionMs)
  }

  async close (): Promise<void> {}
}
