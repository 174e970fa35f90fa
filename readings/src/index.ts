/**
 * @eldercare/readings — where readings live, behind one interface (docs/readings.md):
 * `VitalsStore` with its relational (`SqlVitalsStore`, PGlite or PostgreSQL) and InfluxDB
 * (`InfluxVitalsStore`) implementations, and the bounded, batching `ReadingsWriter` that puts
 * readings into a store without making ingest wait. The gateway writes through it; the platform
 * charts from it.
 */
export type { Sql, VitalsStore, ReadingPoint, WriteOptions, PruneResult } from './store.ts'
export { DEFAULT_RETENTION_MS, PermanentWriteError } from './store.ts'
export { SqlVitalsStore, type SqlVitalsStoreOptions } from './sql-store.ts'
export { ensurePartitions, prunePartitions, prunePaged, PAGES_PER_PRUNE_STATEMENT, READINGS_PARTITIONS, TRACK_PARTITIONS, type PagedPruneOptions, type TimePartitions } from './sql-prune.ts'
export { InfluxVitalsStore, INFLUX_MEASUREMENT, INFLUX_RETENTION_POLICY, type InfluxVitalsStoreOptions } from './influx-store.ts'
export { ReadingsWriter, READINGS_WRITER_DEFAULTS, type ReadingsWriterOptions, type ReadingsWriterStats, type BatchStore } from './writer.ts'
export { TRACK_RETENTION_MS, type LivePosition, type TrackItem, type TrackPoint, type TrackStore, type PositionSource } from './track.ts'
export { SqlTrackStore } from './sql-track-store.ts'
export { InfluxTrackStore, INFLUX_TRACK_MEASUREMENT, INFLUX_TRACK_RETENTION_POLICY } from './influx-track-store.ts'
