/** One VitalsStore contract, three real backends: PGlite, PostgreSQL 15 and InfluxDB 1.x. */
import { describe, expect, it } from 'vitest'
import { InfluxVitalsStore, SqlVitalsStore } from '@eldercare/readings'
import { migrate, openDb } from '@eldercare/platform'
import { needsInflux, startInflux } from '../support/influx.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'
import { vitalsStoreContract } from './vitals-store-contract.ts'

vitalsStoreContract('relational store on PGlite', async () => {
  const db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  return { store: new SqlVitalsStore(db), close: () => db.close() }
})

const pg = needsPostgres()
describe.skipIf(!pg.ok)('on PostgreSQL', () => {
  vitalsStoreContract('relational store on PostgreSQL', async () => {
    const server = await startPostgres()
    const db = await openDb({ databaseUrl: await server.createDatabase('readings_contract') })
    await migrate(db)
    return { store: new SqlVitalsStore(db), close: async () => { await db.close(); await server.stop() } }
  })
})

const influx = needsInflux()
describe.skipIf(!influx.ok)('on InfluxDB', () => {
  vitalsStoreContract('InfluxDB store', async () => {
    const server = await startInflux()
    return { store: new InfluxVitalsStore({ url: `${server.url}/readings_contract` }), close: () => server.dispose() }
  })
})

describe('relational store retention', () => {
  it('prunes readings older than the retention period and keeps the rest', async () => {
    const db = await openDb({ dataDir: 'memory://' })
    try {
      await migrate(db)
      const store = new SqlVitalsStore(db, { retentionMs: 24 * 3600_000 })
      const now = Date.UTC(2026, 10, 23, 12)
      await store.write([
        { ts: now - 25 * 3600_000, deviceId: 'w', residentId: 'r', fields: { hr: 70 } },
        { ts: now - 23 * 3600_000, deviceId: 'w', residentId: 'r', fields: { hr: 71 } }
      ])
      expect(await store.prune(now)).toEqual({ rows: 1, partitions: 0 })
      expect((await store.series('r', now - 48 * 3600_000, now, 3600_000)).hr!.map((b) => b.mean)).toEqual([71])
    } finally {
      await db.close()
    }
  })
})
