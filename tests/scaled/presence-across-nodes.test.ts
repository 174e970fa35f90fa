/**
 * Scaled mode, real PostgreSQL and Redis: a device that comes back through another gateway while
 * the first still holds its old connection (a cut that sent no FIN; a load balancer that chose
 * another node) stays online. The new broker announces it; the old one closes its connection,
 * which reports a disconnect and publishes the device's will (`online: false`) — on the old gateway,
 * which used to mark the device offline after the new one had marked it online, and whose will
 * overwrote the retained status the device had published on its new connection.
 */
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import mqtt from 'mqtt'
import { deviceTopic, type DeviceStatusDto } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres } from '../support/postgres.ts'
import { needsRedis } from '../support/redis.ts'
import { startCluster, type TestCluster } from '../support/cluster.ts'
import { eventually, seedHome } from '../support/platform.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])

describe.skipIf(!req.ok)('scaled mode: a device moving between gateways', () => {
  let cluster: TestCluster
  const edgeLog: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) edgeLog.push(JSON.parse(l)); cb() } })
    cluster = await startCluster('presence_moves', { edge: { logger: pino({ level: 'debug' }, stream) } })
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  it('stays online when it reconnects through another gateway without closing the first connection', async () => {
    const { nodeA, nodeB, pool, edge, edgePort } = cluster
    await nodeB.api.login()
    const home = await seedHome(nodeB.api)
    const id = home.device.id
    const online = async () => (await pool.query<{ online: boolean }>('select online from devices where id = $1', [id])).rows[0]?.online
    // first through the standalone gateway; this connection never reconnects by itself
    const first = new SimDevice({ url: `mqtt://127.0.0.1:${edgePort}`, credentials: { ...home.device, type: 'fall_detector' }, reconnectPeriodMs: 0 })
    await first.connect()
    const second = new SimDevice({ url: nodeA.mqttUrl, credentials: { ...home.device, type: 'fall_detector' } })
    let recorder: mqtt.MqttClient | undefined
    try {
      await eventually(async () => (await online()) === true, 10_000, 'online through the edge')
      const statusAccepted = () => edge.counters.accepted.status ?? 0
      const before = statusAccepted()
      const socket = nodeB.api.socket()
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
      const told: DeviceStatusDto[] = []
      socket.on('device:status', (s: DeviceStatusDto) => { if (s.id === id) told.push(s) })

      // an observer of the district on node B hears the device's statuses, wherever they are published
      const observer = await nodeB.api.post<{ mqttUsername: string, secret: string }>('/api/observers', { username: 'moves-rec', areaId: home.districtId })
      recorder = await mqtt.connectAsync(nodeB.mqttUrl, { clientId: `${observer.mqttUsername}-1`, username: observer.mqttUsername, password: observer.secret, reconnectPeriod: 0 })
      const recorded: string[] = []
      await recorder.subscribeAsync(deviceTopic(id, 'status'), { qos: 1 })
      recorder.on('message', (topic, payload) => { if (topic === deviceTopic(id, 'status')) recorded.push(payload.toString()) })

      // then through node A's broker, the old connection left open: the edge hears of it and closes it
      await second.connect()
      // the edge has handled the old connection's close and its will (the second status it took)
      await eventually(async () => edgeLog.some((l) => l.deviceId === id && /disconnected|another gateway/.test(String(l.msg))), 10_000, 'the edge closed the old connection')
      await eventually(async () => statusAccepted() >= before + 1, 10_000, 'the edge handled the will')
      // what the edge wrote, it wrote at once (urgent presence); give it and the consoles time
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect(await online()).toBe(true)
      expect(told.length).toBeGreaterThan(0)
      expect(told.at(-1)!.online).toBe(true)
      expect(told.every((s) => s.online)).toBe(true)
      expect(edgeLog.some((l) => l.deviceId === id && l.msg === 'device connected to another gateway; this connection closed')).toBe(true)
      // the old connection's will was not published: no subscriber was told offline, and the retained status
      // (shared through Redis) is the one the device published on its new connection
      expect(recorded.map((r) => JSON.parse(r) as { online: boolean }).filter((r) => !r.online), 'what the observer was told').toEqual([])
      const reader = await mqtt.connectAsync(nodeA.mqttUrl, { clientId: `${observer.mqttUsername}-2`, username: observer.mqttUsername, password: observer.secret, reconnectPeriod: 0 })
      try {
        const retained: string[] = []
        reader.on('message', (_topic, payload) => { retained.push(payload.toString()) })
        await reader.subscribeAsync(deviceTopic(id, 'status'), { qos: 1 })
        await eventually(async () => retained.length > 0, 5000, 'the retained status')
        expect(JSON.parse(retained[0]!)).toMatchObject({ online: true })
      } finally {
        await reader.endAsync(true)
      }
      socket.close()
    } finally {
      await recorder?.endAsync(true)
      await second.close()
      await first.close()
    }
  })
})
