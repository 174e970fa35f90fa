/**
 * Scaled mode (two gateways joined by a real Redis, one real PostgreSQL): a registry change told
 * to one gateway closes the device's live session on the other at once [P-1.2].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashDeviceSecret } from '@eldercare/common'
import { Gateway } from '@eldercare/gateway'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { RawDevice } from './raw-device.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])

describe.skipIf(!req.ok)('registry changes across gateways', () => {
  let postgres: PostgresServer
  let redis: RedisServer
  let db: Db
  const gateways: Gateway[] = []
  const ports: number[] = []

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
    db = await openDb({ databaseUrl: await postgres.createDatabase('invalidate') })
    await migrate(db)
    await db.query(`insert into areas (id, name, level, path) values ('a1', 'city', 'city', '/a1/')`)
    await db.query(`insert into sites (id, name, kind, area_id) values ('s1', 'home', 'home', 'a1')`)
    await db.query(`insert into devices (id, type, site_id, secret_hash) values ('fd-inv-1', 'fall_detector', 's1', $1)`, [hashDeviceSecret('old-secret-0123456789abcdef')])
    for (let i = 0; i < 2; i++) {
      const g = new Gateway({ sql: db, redisUrl: redis.url, readings: false })
      gateways.push(g)
      ports.push((await g.listen({ host: '127.0.0.1', mqttPort: 0 })).mqtt)
    }
  })

  afterAll(async () => {
    for (const g of gateways) await g.close()
    await db?.close()
    await redis?.stop()
    await postgres?.stop()
  })

  it('[P-1.2] a secret rotated through one gateway closes the device\'s session on the other; the old secret is refused there', async () => {
    const { device, returnCode } = await RawDevice.connect(ports[1], { id: 'fd-inv-1', secret: 'old-secret-0123456789abcdef' })
    expect(returnCode).toBe(0)
    await db.query('update devices set secret_hash = $2 where id = $1', ['fd-inv-1', hashDeviceSecret('new-secret-0123456789abcdef')])
    gateways[0].invalidateDevice('fd-inv-1')
    await Promise.race([device.closed, new Promise((_resolve, reject) => setTimeout(() => reject(new Error('session on the other gateway not closed')), 3000))])
    expect((await RawDevice.connect(ports[1], { id: 'fd-inv-1', secret: 'old-secret-0123456789abcdef' })).returnCode).toBe(4)
    const fresh = await RawDevice.connect(ports[1], { id: 'fd-inv-1', secret: 'new-secret-0123456789abcdef' })
    expect(fresh.returnCode).toBe(0)
    fresh.device.end()
  })
})
