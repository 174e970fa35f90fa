/**
 * Commands right after Redis returns (issue 14) [P-3.5][P-3.6][P-4.5]. A command given on a
 * platform node travels to a device on another gateway through Redis pub/sub, which keeps
 * nothing for a subscriber that is away: each node's subscriber connection comes back on its own
 * ioredis retry (up to 2 s apart), so a command published before the device's gateway has
 * resubscribed used to stay in the device's session queue while the device, still connected,
 * never got it (found by tests/scaled/losing-a-node.test.ts last session).
 *
 * What the product promises (docs/gateway.md, "Commands"): a command to a connected device
 * reaches it — redelivered from PostgreSQL by the gateway holding the device's session — once
 * per connection, or it ends `timed_out` at its expiry; it is never left silently `sent`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Command } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { needsAll } from '../support/requirements.ts'
import { needsPostgres } from '../support/postgres.ts'
import { needsRedis, respCommand } from '../support/redis.ts'
import { startCluster, type TestCluster } from '../support/cluster.ts'
import { eventually, seedHome } from '../support/platform.ts'

const req = needsAll('scaled mode (PostgreSQL + Redis)', [needsPostgres(), needsRedis()])
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!req.ok)('commands published in the seconds after Redis returns (issue 14)', () => {
  let cluster: TestCluster
  const devices: SimDevice[] = []
  /** device id → the command ids it received, in order (a repeat shows up twice) */
  const received = new Map<string, string[]>()

  beforeAll(async () => {
    // Redis keeps sessions and queued QoS 1 packets across its restart, as production runs it
    cluster = await startCluster('commands_after_redis', { persistentRedis: true })
    await cluster.nodeA.api.login()
    for (let i = 0; i < 4; i++) {
      const home = await seedHome(cluster.nodeA.api)
      // on the standalone gateway: every command crosses Redis from node A's broker
      const device = new SimDevice({ url: `mqtt://127.0.0.1:${cluster.edgePort}`, credentials: { ...home.device, type: 'fall_detector' }, reconnectPeriodMs: 300 })
      await device.connect()
      received.set(home.device.id, [])
      device.onCommand((c: Command) => received.get(home.device.id)!.push(c.id))
      devices.push(device)
    }
  }, 120_000)

  afterAll(async () => {
    await Promise.all(devices.map((d) => d.close().catch(() => {})))
    await cluster?.stop()
  })

  it('each command to a device on the other gateway reaches it once, or is reported undelivered — none is silently lost [P-3.5][P-4.5]', async () => {
    const ids = [...received.keys()]
    const api = cluster.nodeA.api
    // A command crosses before the outage: the path works.
    const before = await api.post<{ id: string }>(`/api/devices/${ids[0]}/commands`, { type: 'speak', args: { text: 'before' } })
    await eventually(async () => received.get(ids[0]!)!.includes(before.id), 10_000, 'a command before the outage delivered')

    await cluster.redis.halt()
    // long enough for ioredis' reconnection back-off to grow towards its 2 s ceiling
    await sleep(8000)
    await cluster.redis.resume()
    // Each node's connections come back on their own timers, so for a while a publisher is back and
    // a subscriber is not. Both nodes here share one process and one timer schedule, so that while
    // is made explicit: for 2.5 s every pub/sub connection is cut again as soon as it returns,
    // while the command publishers' ordinary connections stay up.
    let cutting = true
    const cutter = (async () => {
      while (cutting) {
        await respCommand(cluster.redis.port, ['CLIENT', 'KILL', 'TYPE', 'pubsub']).catch(() => {})
        await sleep(20)
      }
    })()
    setTimeout(() => { cutting = false }, 2500)

    // commands through node A, one every 150 ms for the first 4.5 s after Redis is back
    const sent: Array<{ id: string, deviceId: string }> = []
    for (let i = 0; i < 30; i++) {
      const deviceId = ids[i % ids.length]!
      const cmd = await api.post<{ id: string }>(`/api/devices/${deviceId}/commands`, { type: 'speak', args: { text: `after ${i}` } })
      sent.push({ id: cmd.id, deviceId })
      await sleep(150)
    }
    await cutter

    // Each one ends: acked by the device (it answers every command), or reported (failed / timed_out).
    const statusOf = async () => {
      const { rows } = await cluster.pool.query<{ id: string, status: string, delivered_at: Date | null }>('select id, status, delivered_at from commands where id = any($1)', [sent.map((s) => s.id)])
      return new Map(rows.map((r) => [r.id, r]))
    }
    await eventually(async () => [...(await statusOf()).values()].every((r) => r.status !== 'sent'), 30_000, 'every command acked or reported').catch(async (err: Error) => {
      const still = [...(await statusOf()).values()].filter((r) => r.status === 'sent')
      const lost = still.filter((r) => !received.get(sent.find((s) => s.id === r.id)!.deviceId)!.includes(r.id))
      throw new Error(`${err.message}: ${still.length} of ${sent.length} still 'sent', ${lost.length} of them never reached their connected device`)
    })
    const final = await statusOf()
    for (const s of sent) {
      // the devices stayed connected all along: every command reached its device and was acknowledged
      expect(final.get(s.id)?.status, `status of ${s.id}`).toBe('acked')
      expect(final.get(s.id)?.delivered_at, `delivered_at of ${s.id}`).not.toBeNull()
      // once: a redelivery is the same queued packet, not a second copy
      expect(received.get(s.deviceId)!.filter((id) => id === s.id), `deliveries of ${s.id}`).toHaveLength(1)
    }
  }, 90_000)
})
