import { READING_FIELDS, type ReadingField, type VitalsSeriesDto } from '@eldercare/protocols'
import { ensurePartitions, prunePartitions, READINGS_PARTITIONS } from './sql-prune.ts'
import { DEFAULT_RETENTION_MS, PermanentWriteError, type PruneResult, type ReadingPoint, type Sql, type VitalsStore, type WriteOptions } from './store.ts'

export interface SqlVitalsStoreOptions {
  /** Readings older than this are pruned, in ms. Default 90 days. */
  retentionMs?: number
}

const COLS = READING_FIELDS.join(', ')
/** How far back `latest` looks first (./sql-store.ts latest). */
const LATEST_RECENT_MS = 86_400_000
const RECORD_TYPE = `resident_id text, device_id text, ts timestamptz, ${READING_FIELDS.map((f) => `${f} float8`).join(', ')}`

/** The embedded default: readings in the platform's PostgreSQL-dialect database (PGlite or PostgreSQL). */
export class SqlVitalsStore implements VitalsStore {
  readonly kind = 'sql'
  private readonly retentionMs: number

  constructor (private readonly sql: Sql, opts: SqlVitalsStoreOptions = {}) {
    this.retentionMs = opts.retentionMs ?? DEFAULT_RETENTION_MS
  }

  /** The table comes with the platform's migrations (0004, partitioned by 0026); its next weeks' leaves are made here. */
  async init (): Promise<void> {
    await ensurePartitions(this.sql, READINGS_PARTITIONS, Date.now())
  }

  async write (points: ReadingPoint[], opts: WriteOptions = {}): Promise<void> {
    if (points.length === 0) return
    // One statement per batch: the rows travel as one JSON document (no statement per reading).
    let rows
    try {
      rows = points.map((p) => ({ resident_id: p.residentId ?? '', device_id: p.deviceId, ts: new Date(p.ts).toISOString(), ...p.fields }))
    } catch (err) {
      // a time no date can hold (RangeError): the batch is bad as it stands; the writer isolates the row
      throw new PermanentWriteError((err as Error).message, err)
    }
    await this.sql.query(
      `insert into readings (resident_id, device_id, ts, ${COLS})
       select resident_id, device_id, ts, ${COLS} from jsonb_to_recordset($1::jsonb) as x(${RECORD_TYPE})`,
      [JSON.stringify(rows)], { priority: opts.behind ? 'normal' : 'background' }).catch((err: Error & { code?: string }) => {
      // SQLSTATE class 22 (data exception): the batch itself is bad; anything else may pass on retry
      if (err.code?.startsWith('22')) throw new PermanentWriteError(err.message, err)
      throw err
    })
  }

  async series (residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<VitalsSeriesDto['series']> {
    const aggs = READING_FIELDS.map((f) => `avg(${f}) as ${f}_mean, min(${f}) as ${f}_min, max(${f}) as ${f}_max`).join(', ')
    // date_bin keeps the bucketing in timestamp arithmetic (extract() would go through numeric, ~4× slower)
    const { rows } = await this.sql.query<Record<string, string | number | Date | null>>(
      `select date_bin(make_interval(secs => $4::float8 / 1000), ts, timestamptz 'epoch') as t, ${aggs}
         from readings where resident_id = $1 and ts >= $2 and ts < $3
        group by 1 order by 1`,
      [residentId, new Date(fromMs), new Date(toMs), stepMs])
    const out: VitalsSeriesDto['series'] = {}
    for (const r of rows) {
      for (const f of READING_FIELDS) {
        if (r[`${f}_mean`] == null) continue
        ;(out[f] ??= []).push({ t: new Date(r.t as Date | string).getTime(), mean: Number(r[`${f}_mean`]), min: Number(r[`${f}_min`]), max: Number(r[`${f}_max`]) })
      }
    }
    return out
  }

  async latest (residentId: string, atMs?: number): Promise<VitalsSeriesDto['latest']> {
    const out: VitalsSeriesDto['latest'] = {}
    // The last day first: its statement plans only the leaves of that day (the table is partitioned
    // by week, and planning a branch per field over every week of retention took longer than
    // running it); only the fields not found there are looked for further back.
    const recent = await this.latestOf(READING_FIELDS, residentId, atMs, (atMs ?? Date.now()) - LATEST_RECENT_MS)
    Object.assign(out, recent)
    const missing = READING_FIELDS.filter((f) => !(f in recent))
    if (missing.length > 0) Object.assign(out, await this.latestOf(missing, residentId, atMs))
    return out
  }

  /** One index walk per field, newest first, stopping at the first row that has it. */
  private async latestOf (fields: readonly ReadingField[], residentId: string, atMs?: number, sinceMs?: number): Promise<VitalsSeriesDto['latest']> {
    const params: unknown[] = [residentId]
    let bounds = ''
    if (atMs !== undefined) bounds += ` and ts <= $${params.push(new Date(atMs))}`
    if (sinceMs !== undefined) bounds += ` and ts >= $${params.push(new Date(sinceMs))}`
    const parts = fields.map((f) =>
      `(select '${f}' as f, ${f}::float8 as v, ts from readings where resident_id = $1${bounds} and ${f} is not null order by ts desc limit 1)`)
    const { rows } = await this.sql.query<{ f: string, v: number, ts: Date | string }>(parts.join(' union all '), params)
    const out: VitalsSeriesDto['latest'] = {}
    for (const r of rows) out[r.f as keyof typeof out] = { value: Number(r.v), at: new Date(r.ts).getTime() }
    return out
  }

  /**
   * Drops the weeks wholly past retention and deletes the older readings of the week the cut falls
   * in a few pages per statement (./sql-prune.ts): alarms never wait for a whole table.
   */
  prune (nowMs: number): Promise<PruneResult> {
    return prunePartitions(this.sql, READINGS_PARTITIONS, nowMs, this.retentionMs)
  }

  async close (): Promise<void> {}
}
