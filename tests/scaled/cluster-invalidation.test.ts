/**
 * Invalidation across nodes (issue 14): a change made through one node reaches every node at
 * once through Redis, not after a cache timeout — a resident's detection thresholds (each
 * gateway's detector caches them until its next tick), and an operator's account disabled
 * (their live console on another platform node is cut, their token refused there).
 * (A device's secret rotation across gateways: tests/gateway/gateway-cluster-invalidate.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Gateway } from '@eldercare/gateway'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { needsRedis, startRedis, type RedisServer } from '../support/redis.ts'
import { ApiError, Api, eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])

describe.skipIf(!req.ok)('invalidation across nodes through Redis', () => {
  let postgres: PostgresServer
  let redis: RedisServer

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()])
  })

  afterAll(async () => {
    await redis?.stop()
    await postgres?.stop()
  })

  describe('detection thresholds on two gateways', () => {
    let db: Db
    const gateways: Gateway[] = []

    beforeAll(async () => {
      db = await openDb({ databaseUrl: await postgres.createDatabase('thresholds') })
      await migrate(db)
      await db.query(`insert into areas (id, name, level, path) values ('a1', 'city', 'city', '/a1/')`)
      await db.query(`insert into sites (id, name, kind, area_id) values ('s1', 'home', 'home', 'a1')`)
      await db.query(`insert into residents (id, name, site_id) values ('r1', '王奶奶', 's1')`)
      for (let i = 0; i < 2; i++) {
        // the detectors' own tick (which reloads settings) is far away: only the signal can reload them
        const g = new Gateway({ sql: db, redisUrl: redis.url, readings: { detection: { tickIntervalMs: 3_600_000 } } })
        await g.listen({ host: '127.0.0.1', mqttPort: 0 })
        gateways.push(g)
      }
    })

    afterAll(async () => {
      for (const g of gateways) await g.close()
      await db?.close()
    })

    it('a resident\'s new heart-rate threshold, changed through one gateway, is in force on the other at once', async () => {
      const other = gateways[1]!.readings!.detector!
      expect(other.settingsFor('r1').hr_high.value).toBe(120) // the default, cached
      await db.query(`insert into detection_settings (resident_id, overrides) values ('r1', '{"hr_high":{"value":100}}')`)
      expect(other.settingsFor('r1').hr_high.value).toBe(120) // the database alone changes nothing there
      await gateways[0]!.reloadDetectionSettings('r1')
      expect(gateways[0]!.readings!.detector!.settingsFor('r1').hr_high.value).toBe(100)
      await eventually(async () => other.settingsFor('r1').hr_high.value === 100, 3000, 'the other gateway applies 100')
    })
  })

  describe('an operator disabled on two platform nodes', () => {
    let nodeA: TestPlatform
    let nodeB: TestPlatform

    beforeAll(async () => {
      const env = { DATABASE_URL: await postgres.createDatabase('accounts'), REDIS_URL: redis.url }
      nodeA = await startTestPlatform(env)
      nodeB = await startTestPlatform(env)
    })

    afterAll(async () => {
      await nodeA?.close()
      await nodeB?.close()
    })

    it('disabling an account on one node cuts the operator\'s console on the other at once and refuses their token there', async () => {
      await nodeA.api.login()
      const areas = await nodeA.api.get<{ items: Array<{ id: string, level: string }> }>('/api/areas')
      const city = areas.items.find((a) => a.level === 'city')!
      const user = await nodeA.api.post<{ id: string }>('/api/users', { username: 'op-disabled', password: 'operator-pass', role: 'operator', areaId: city.id })
      const operator = new Api(nodeB.httpUrl)
      await operator.login('op-disabled', 'operator-pass')
      const socket = operator.socket()
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
      const cut = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)))

      await nodeA.api.request('PATCH', `/api/users/${user.id}`, { disabled: true })
      expect(await Promise.race([cut, new Promise((resolve) => setTimeout(() => resolve('still connected after 3 s'), 3000))])).toBe('io server disconnect')
      const refused = await operator.get('/api/incidents').then(() => null, (err: ApiError) => err)
      expect(refused?.status).toBe(401)
      socket.close()
    })
  })
})
