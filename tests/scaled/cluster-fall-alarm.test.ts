/**
 * Scaled mode on real servers: two platform nodes and one standalone gateway share a real
 * PostgreSQL and join through a real Redis. A fall from a device on the standalone gateway
 * opens exactly one incident, reaches an operator connected to either node, and the
 * acknowledgement given on a node travels back to the device on the other broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import type { Command, IncidentDto } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres } from '../support/postgres.ts'
import { needsRedis } from '../support/redis.ts'
import { startCluster, type TestCluster } from '../support/cluster.ts'
import { eventually, nextEvent, seedHome, type TestPlatform } from '../support/platform.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])

describe.skipIf(!req.ok)('scaled mode: nodes joined by PostgreSQL and Redis', () => {
  let cluster: TestCluster
  let nodeA: TestPlatform
  let nodeB: TestPlatform
  let pool: pg.Pool
  let edgePort: number

  beforeAll(async () => {
    cluster = await startCluster('cluster')
    ;({ nodeA, nodeB, pool, edgePort } = cluster)
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  it('opens one incident for a fall on another broker, told to operators on both nodes, and acknowledged back to the device', async () => {
    await nodeA.api.login()
    await nodeB.api.login()
    const home = await seedHome(nodeA.api)
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${edgePort}`, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    try {
      const sockets = [nodeA.api.socket(), nodeB.api.socket()]
      await Promise.all(sockets.map((s) => new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject) })))
      const opened = sockets.map((s) => nextEvent(s, 'incident:opened', (i) => i.deviceId === home.device.id, 10_000))

      const fall = await device.event('fall') // PUBACKed by the standalone gateway after the PostgreSQL insert [P-4.1]
      const { rows } = await pool.query('select 1 from inbox where device_id = $1 and msg_id = $2', [home.device.id, fall.id])
      expect(rows).toHaveLength(1)

      const [onA, onB] = await Promise.all(opened)
      expect(onA.id).toBe(onB.id)
      await Promise.all([nodeA.app.engine.drain(), nodeB.app.engine.drain()])
      const { rows: incidents } = await pool.query('select id from incidents where device_id = $1', [home.device.id])
      expect(incidents).toEqual([{ id: onA.id }]) // two engines, one incident (FOR UPDATE SKIP LOCKED + unique active index)

      // Acknowledged on node B; the command crosses Redis to the broker the device is on.
      const received = new Promise<Command>((resolve) => { const off = device.onCommand((c) => { off(); resolve(c) }) })
      await nodeB.api.post<IncidentDto>(`/api/incidents/${onA.id}/acknowledge`, {})
      expect(await received).toMatchObject({ type: 'alarm.ack', args: { incident: onA.id } })
      // The device's commands/ack lands on the edge gateway; the relayed event puts it on the timeline.
      const detail = await eventually(async () => {
        const d = await nodeA.api.get(`/api/incidents/${onA.id}`)
        return d.timeline.some((t: { kind: string }) => t.kind === 'command_acked') ? d : null
      }, 10_000, 'command_acked on the timeline')
      const { rows: cmds } = await pool.query('select status from commands where incident_id = $1', [onA.id])
      expect(cmds).toEqual([{ status: 'acked' }])
      // both nodes heard the answer; it is on the timeline once
      await new Promise((resolve) => setTimeout(resolve, 300))
      const again = await nodeB.api.get(`/api/incidents/${onA.id}`)
      expect(again.timeline.filter((t: { kind: string }) => t.kind === 'command_acked')).toHaveLength(1)
      expect(detail.status).toBe('acknowledged')
      for (const s of sockets) s.close()
    } finally {
      await device.close()
    }
  })

  it('relays nothing a device could inject: $SYS cluster topics are refused to devices [P-2.5]', async () => {
    const home = await seedHome(nodeA.api)
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${edgePort}`, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    try {
      const client = (device as unknown as { client: import('mqtt').MqttClient }).client
      // MQTT.js rejects a SUBACK whose only grant is a failure (0x80)
      await expect(client.subscribeAsync('$SYS/eldercare/inbox')).rejects.toThrow(/Subscribe error/)
      await client.publishAsync('$SYS/eldercare/inbox', JSON.stringify({ origin: 'x', payload: {} }), { qos: 1 })
      await eventually(async () => device.errors.filter((e) => e.code === 'unauthorized_topic').length >= 2, 5000, 'two unauthorized_topic answers')
      expect(device.errors.map((e) => e.topic)).toEqual(['$SYS/eldercare/inbox', '$SYS/eldercare/inbox'])
      const { rows } = await pool.query('select 1 from inbox where device_id = $1', [home.device.id])
      expect(rows).toHaveLength(0)
    } finally {
      await device.close()
    }
  })
})
