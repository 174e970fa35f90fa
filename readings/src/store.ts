/**
 * Where readings live: one interface, two implementations (the relational database by
 * default, InfluxDB when INFLUX_URL is set), one contract suite for both (STYLE.md §12).
 */
import type { ReadingField, VitalsSeriesDto } from '@eldercare/protocols'

/**
 * A PostgreSQL-dialect query handle (PGlite or a `pg` pool both have this shape); the gateway's
 * store uses the same one. `priority`: where the statement queues while the embedded database is
 * busy (alarms first, bookkeeping last; platform/src/db/db.ts).
 */
export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], opts?: { priority?: 'alarm' | 'normal' | 'background' }): Promise<{ rows: T[], rowCount: number }>
}

/** One sample of one device: a timestamp and the numeric fields it carried. */
export interface ReadingPoint {
  /** epoch ms (device time, or the gateway's when the device clock is skewed [P-2.3]) */
  ts: number
  deviceId: string
  /** the resident the device is worn by / installed for, or null */
  residentId: string | null
  fields: Partial<Record<ReadingField, number>>
}

export interface WriteOptions {
  /** the writer is behind: more than a quarter of its bound waits */
  behind?: boolean
}

export interface VitalsStore {
  readonly kind: 'sql' | 'influx'
  /** Creates what the store needs (database, retention policy); idempotent. */
  init(): Promise<void>
  /**
   * Writes one batch; throws when the store is unreachable (the writer retries). `behind`: the
   * writer's backlog is past a quarter of its bound — a store that queues by priority lets the batch
   * stop waiting behind bookkeeping (it never passes alarms).
   */
  write(points: ReadingPoint[], opts?: WriteOptions): Promise<void>
  /** Per-field series of a resident in [fromMs, toMs), bucketed by stepMs (buckets aligned to the epoch), empty buckets left out. */
  series(residentId: string, fromMs: number, toMs: number, stepMs: number): Promise<VitalsSeriesDto['series']>
  /** The latest value of each field of a resident at or before `atMs` (default: any time). */
  latest(residentId: string, atMs?: number): Promise<VitalsSeriesDto['latest']>
  /** Deletes readings older than the retention period; says what it removed (where the store can tell). */
  prune(nowMs: number): Promise<PruneResult>
  close(): Promise<void>
}

/**
 * A write the store refused for good (bad data, points beyond retention): retrying cannot help.
 * With `rejectedPoints` the store kept the other points and refused that many; without, it
 * refused the whole batch, and the writer splits it to find and drop only the bad rows.
 */
export class PermanentWriteError extends Error {
  readonly code = 'GW_ERR_READINGS_REJECTED'
  /** @param rejectedPoints how many points of the batch were refused while the rest was kept, when the store says (else: the whole batch was refused) */
  constructor (message: string, cause?: unknown, readonly rejectedPoints?: number) { super(message, { cause }) }
}

/** What a prune removed: rows deleted one by one, and whole partitions dropped (their rows are not counted: a dropped partition is not read). */
export interface PruneResult {
  rows: number
  partitions: number
}

/** Default retention of readings: 90 days. */
export const DEFAULT_RETENTION_MS = 90 * 24 * 3600_000
