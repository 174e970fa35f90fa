/**
 * Scaled mode, positions by push (issue 15): a wearable on the standalone gateway, two platform
 * nodes, real PostgreSQL and Redis. When a node announces an incident with a position, every
 * gateway watches that resident (a `position_watch` through Redis); the wearable's gateway then
 * relays the wearer's fresher positions, and at once the freshest it already held, so the
 * incident and every console follow without polling. Nothing here may be done by a poll: the
 * nodes follow `positions_last` and the gateways re-read their watched set only once an hour.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { IncidentDto } from '@eldercare/protocols'
import type { PositionNotice } from '@eldercare/gateway'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres } from '../support/postgres.ts'
import { needsRedis } from '../support/redis.ts'
import { startCluster, type TestCluster } from '../support/cluster.ts'
import { nextEvent, seedHome, type TestPlatform } from '../support/platform.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])
const HOUR = 3600_000
const MARKET = { lat: 39.921, lng: 116.411 }

describe.skipIf(!req.ok)('scaled mode: an incident follows its wearer by push, not by poll', () => {
  let cluster: TestCluster
  let nodeA: TestPlatform
  let nodeB: TestPlatform
  let pool: pg.Pool

  beforeAll(async () => {
    cluster = await startCluster('positions_push', {
      node: { app: { positions: { followStoredEveryMs: HOUR } }, gateway: { positionWatch: { refreshMs: HOUR } } },
      edge: { positionWatch: { refreshMs: HOUR } }
    })
    ;({ nodeA, nodeB, pool } = cluster)
    await nodeA.api.login()
    await nodeB.api.login()
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  const wearableOnEdge = async (name: string) => {
    const home = await seedHome(nodeA.api, { deviceType: 'wearable', name })
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${cluster.edgePort}`, credentials: { ...home.device, type: 'wearable' } })
    await device.connect()
    return { home, device }
  }
  const movedTo = (lat: number) => (i: IncidentDto) => i.position?.lat === lat

  it('a wearable\'s new position on another gateway moves the open incident and reaches consoles on both nodes', async () => {
    const { home, device } = await wearableOnEdge('push')
    const sockets = await Promise.all([nodeA.api.connectedSocket(), nodeB.api.connectedSocket()])
    try {
      const opened = nextEvent(sockets[0], 'incident:opened', (i) => i.residentId === home.residentId, 10_000)
      await device.event('fall', { geo: { ...MARKET, acc: 20 } })
      const incident = await opened
      expect(incident.position).toMatchObject({ ...MARKET, source: 'event' })

      // she is helped up and walks on: the edge gateway relays it, a node moves the incident
      const onA = nextEvent(sockets[0], 'incident:updated', (i) => i.id === incident.id && movedTo(39.9235)(i), 10_000)
      const onB = nextEvent(sockets[1], 'incident:updated', (i) => i.id === incident.id && movedTo(39.9235)(i), 10_000)
      await device.telemetry({ ts: Date.now(), geo: { lat: 39.9235, lng: 116.4125, acc: 12 } })
      const [a, b] = await Promise.all([onA, onB])
      expect(a.position).toMatchObject({ lat: 39.9235, lng: 116.4125, acc: 12, source: 'telemetry' })
      expect(b.position).toEqual(a.position)
      const { rows } = await pool.query<{ position: { lat: number } }>('select position from incidents where id = $1', [incident.id])
      expect(rows[0]!.position.lat).toBe(39.9235)
      // the coarse copy was not what carried it: the edge writes positions_last every 30 s
      const { rows: stored } = await pool.query('select 1 from positions_last where device_id = $1 and lat = 39.9235', [home.device.id])
      expect(stored).toHaveLength(0)
    } finally {
      for (const s of sockets) s.close()
      await device.close()
    }
  })

  it('the wearable\'s gateway sends at once the fresher position it already held when the incident opened with an older one', async () => {
    const { home, device } = await wearableOnEdge('catchup')
    const socket = await nodeB.api.connectedSocket()
    try {
      // a position the edge holds in memory only (not relayed: nobody watches her yet), taken on a
      // device clock a few seconds ahead (within [P-2.3]'s tolerance, so kept as sent) …
      const held = new Promise<void>((resolve) => {
        const seen = (p: PositionNotice) => { if (p.deviceId === home.device.id) { cluster.edge.readings!.positions.off('position', seen); resolve() } }
        cluster.edge.readings!.positions.on('position', seen)
      })
      const toldByEdge: PositionNotice[] = []
      cluster.edge.on('position', (p) => { if (p.deviceId === home.device.id) toldByEdge.push(p) })
      await device.telemetry({ ts: Date.now() + 3000, geo: { lat: 39.9301, lng: 116.3902, acc: 15 } })
      await held
      expect(toldByEdge).toEqual([]) // an unwatched wearer's positions stay on their gateway

      // … then a fall with a position of its own, timed on receipt [P-2.3], so older: the incident opens with it …
      const opened = nextEvent(socket, 'incident:opened', (i) => i.residentId === home.residentId, 10_000)
      const moved = nextEvent(socket, 'incident:updated', (i) => i.residentId === home.residentId && movedTo(39.9301)(i), 10_000)
      await device.event('fall', { geo: { lat: 39.9290, lng: 116.3900, acc: 30 } })
      expect((await opened).position).toMatchObject({ lat: 39.9290, source: 'event' })
      // … and follows the fresher one the edge held, without another message from the wearable
            expect((await moved).position).toMatchObject({ lat: 39.9301, lng: 116.3902, acc: 15, source: 'telemetry' })
      expect(toldByEdge.map((p) => p.lat)).toEqual([39.9301])
    } finally {
      socket.close()
      await device.close()
    }
  })
})
