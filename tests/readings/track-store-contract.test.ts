/** One TrackStore contract (issue 15), three real backends: PGlite, PostgreSQL 15 and InfluxDB 1.x. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { InfluxTrackStore, ReadingsWriter, SqlTrackStore, type TrackPoint, type TrackStore } from '@eldercare/readings'
import { migrate, openDb } from '@eldercare/platform'
import { needsInflux, startInflux } from '../support/influx.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0)
const pos = (ts: number, lat: number, lng: number, extra: Partial<TrackPoint> = {}): TrackPoint =>
  ({ ts, deviceId: 'w1', residentId: 'r-a', lat, lng, acc: 10, source: 'telemetry', ...extra })

function trackStoreContract (name: string, open: () => Promise<{ store: TrackStore, close: () => Promise<void> }>): void {
  describe(`TrackStore contract: ${name}`, () => {
    let store: TrackStore
    let close: () => Promise<void>
    beforeAll(async () => {
      ({ store, close } = await open())
      await store.init()
      await store.init() // idempotent
    })
    afterAll(async () => { await close?.() })

    it('[P-3.1] keeps positions in order with accuracy and their own time; another resident never shows', async () => {
      await store.write([
        pos(T0 + 10_000, 39.9, 116.4),
        pos(T0 + 70_000, 39.901, 116.401, { acc: null, source: 'event' }),
        pos(T0 + 130_000, 39.902, 116.402, { acc: 25 }),
        pos(T0 + 20_000, 31.2, 121.4, { residentId: 'r-b', deviceId: 'w2' })
      ])
      expect(await store.track('r-a', T0, T0 + 10 * MIN, 1000)).toEqual([
        { lat: 39.9, lng: 116.4, acc: 10, at: T0 + 10_000 },
        { lat: 39.901, lng: 116.401, acc: null, at: T0 + 70_000 },
        { lat: 39.902, lng: 116.402, acc: 25, at: T0 + 130_000 }
      ])
      expect(await store.track('r-nobody', T0, T0 + 10 * MIN, 1000)).toEqual([])
    })

    it('downsamples to the last position of each epoch-aligned step, and takes [from, to)', async () => {
      const two = await store.track('r-a', T0, T0 + 10 * MIN, 2 * MIN)
      // buckets [0,2min) holds 10 s and 70 s → the 70 s one; [2,4min) holds 130 s
      expect(two.map((i) => i.at)).toEqual([T0 + 70_000, T0 + 130_000])
      expect((await store.track('r-a', T0 + 70_000, T0 + 130_000, 1000)).map((i) => i.at)).toEqual([T0 + 70_000])
    })

    it('is written through the readings writer, a bad row dropped alone', async () => {
      const writer = new ReadingsWriter<TrackPoint>(store, pino({ level: 'silent' }), { batchSize: 100, flushIntervalMs: 60_000 })
      const pts = Array.from({ length: 50 }, (_, i) => pos(T0 + 20 * MIN + i * 1000, 40 + i / 1000, 116, { residentId: 'r-c' }))
      pts[17] = { ...pts[17]!, ts: 8.64e15 * 2 } // no date can hold this
      writer.enqueue(pts)
      await writer.flush()
      expect(writer.stats).toMatchObject({ written: 49, rejected: 1, buffered: 0 })
      expect(await store.track('r-c', T0, T0 + 60 * MIN, 1000)).toHaveLength(49)
    })
  })
}

trackStoreContract('relational track on PGlite', async () => {
  const db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  return { store: new SqlTrackStore(db), close: () => db.close() }
})

const pg = needsPostgres()
describe.skipIf(!pg.ok)('on PostgreSQL', () => {
  trackStoreContract('relational track on PostgreSQL', async () => {
    const server = await startPostgres()
    const db = await openDb({ databaseUrl: await server.createDatabase('track_contract') })
    await migrate(db)
    return { store: new SqlTrackStore(db), close: async () => { await db.close(); await server.stop() } }
  })
})

const influx = needsInflux()
describe.skipIf(!influx.ok)('on InfluxDB', () => {
  trackStoreContract('InfluxDB track', async () => {
    const server = await startInflux()
    // InfluxDB refuses points beyond the retention policy: the fixed test day needs a long one
    return { store: new InfluxTrackStore({ url: `${server.url}/track_contract` }, 3650 * 24 * 3600_000), close: () => server.dispose() }
  })
})

describe('relational track retention', () => {
  it('prunes positions older than 24 hours and keeps the rest', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      await migrate(db)
      const store = new SqlTrackStore(db)
      const now = T0 + 48 * 3600_000
      await store.write([pos(now - 25 * 3600_000, 1, 1), pos(now - 23 * 3600_000, 2, 2)])
      expect(await store.prune(now)).toEqual({ rows: 1, partitions: 0 })
      expect((await store.track('r-a', now - 48 * 3600_000, now, 1000)).map((i) => i.lat)).toEqual([2])
    } finally {
      await db.close()
    }
  })
})
