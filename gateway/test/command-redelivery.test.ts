/**
 * CommandRedelivery in the embedded scope ('subscribed'): what it reads and when. A real aedes
 * over TCP and real MQTT.js devices; the store records the looks it is asked for (the SQL itself
 * runs against PGlite in tests/faults/commands-after-restart.test.ts).
 */
import { createServer, type AddressInfo, type Server } from 'node:net'
import { Aedes, type Client } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { deviceTopic } from '@eldercare/protocols'
import type { DeviceSession } from '../src/acl.ts'
import { CommandDelivery } from '../src/command-delivery.ts'
import { CommandRedelivery } from '../src/command-redelivery.ts'
import type { GatewayStore, UndeliveredCommand } from '../src/store.ts'

const log = pino({ level: 'silent' })
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Undelivered commands by device; every look it is asked for recorded (the device ids it named). */
function recordingStore (pending: Map<string, UndeliveredCommand[]>, opts: { failFirst?: boolean } = {}) {
  const looks: string[][] = []
  let fail = opts.failFirst ?? false
  const store = {
    async undeliveredCommands (_before: Date, _now: Date, limit: number, deviceIds?: string[]): Promise<UndeliveredCommand[]> {
      looks.push(deviceIds ?? ['*'])
      if (fail) { fail = false; throw new Error('database away') }
      return (deviceIds ?? []).flatMap((id) => pending.get(id) ?? []).slice(0, limit)
    },
    async markCommandDelivered (deviceId: string, commandId: string): Promise<void> {
      pending.set(deviceId, (pending.get(deviceId) ?? []).filter((c) => c.id !== commandId))
    }
  } as unknown as GatewayStore
  return { store, looks }
}

const command = (deviceId: string, id: string, createdAt = Date.now() - 60_000): UndeliveredCommand =>
  ({ id, deviceId, type: 'speak', args: { text: id }, createdAt, expiresAt: null })

const open: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const f of open.splice(0).reverse()) await f()
})

async function brokerWith (store: GatewayStore, opts: { intervalMs: number, graceMs: number }): Promise<{ port: number, redelivery: CommandRedelivery }> {
  const sessions = new WeakMap<Client, DeviceSession>()
  const delivery = new CommandDelivery(store, log, Date.now)
  const broker = new Aedes({
    authenticate: (client, username, _password, done) => {
      sessions.set(client, { id: client.id, type: 'wearable', actsFor: new Set([client.id]) })
      done(null, username === client.id)
    },
    authorizeForward: (client, packet) => (delivery.forward(client.id, packet) ? packet : null)
  })
  await broker.listen()
  const redelivery = new CommandRedelivery(broker, store, sessions, delivery, log, Date.now, { scope: 'subscribed', ...opts })
  redelivery.start()
  const server: Server = createServer(broker.handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  open.push(async () => {
    await redelivery.stop()
    await new Promise<void>((resolve) => broker.close(() => resolve()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { port: (server.address() as AddressInfo).port, redelivery }
}

/** A device with a persistent session subscribed to its commands; the command ids it received. */
async function deviceOn (port: number, id: string): Promise<{ client: MqttClient, received: string[] }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id, username: id, password: 'x', clean: false, reconnectPeriod: 0 })
  const received: string[] = []
  client.on('message', (_topic, payload) => received.push((JSON.parse(payload.toString()) as { id: string }).id))
  await client.subscribeAsync(deviceTopic(id, 'commands'), { qos: 1 })
  open.push(async () => { await client.endAsync(true) })
  return { client, received }
}

describe('CommandRedelivery, embedded scope [P-4.5]', () => {
  it('reads nothing while no device subscribes, then the devices that subscribed within an interval a statement, and publishes each one\'s commands once', async () => {
    // cmd-late was given after dev-17 subscribed (delivered then; its delivered_at not yet written): not published again
    const pending = new Map([['dev-03', [command('dev-03', 'cmd-a'), command('dev-03', 'cmd-b')]], ['dev-17', [command('dev-17', 'cmd-c'), command('dev-17', 'cmd-late', Date.now() + 60_000)]]])
    const { store, looks } = recordingStore(pending)
    const { port, redelivery } = await brokerWith(store, { intervalMs: 500, graceMs: 100 })
    await sleep(1100)
    expect(looks).toEqual([]) // a quiet broker costs the database nothing

    const started = Date.now()
    const devices = await Promise.all(Array.from({ length: 20 }, (_, i) => deviceOn(port, `dev-${String(i).padStart(2, '0')}`)))
    expect(Date.now() - started, 'the devices subscribed within one interval').toBeLessThan(500)
    await sleep(1200)
    // one statement for the devices of an interval: two at most, if an interval's end fell among the subscriptions
    expect(looks.length).toBeGreaterThanOrEqual(1)
    expect(looks.length).toBeLessThanOrEqual(2)
    expect(looks.flat().sort()).toEqual(devices.map((_, i) => `dev-${String(i).padStart(2, '0')}`))
    expect(devices[3]!.received).toEqual(['cmd-a', 'cmd-b'])
    expect(devices[17]!.received).toEqual(['cmd-c'])
    expect(devices.filter((_, i) => i !== 3 && i !== 17).every((d) => d.received.length === 0)).toBe(true)
    expect(redelivery.waiting).toBe(0)
    const after = looks.length
    await sleep(1100)
    expect(looks).toHaveLength(after) // and nothing more once they are looked at
  })

  it('looks again at the devices of a look the database failed', async () => {
    const pending = new Map([['dev-x1', [command('dev-x1', 'cmd-x')]]])
    const { store, looks } = recordingStore(pending, { failFirst: true })
    const { port } = await brokerWith(store, { intervalMs: 50, graceMs: 100 })
    const d = await deviceOn(port, 'dev-x1')
    await sleep(500)
    expect(looks).toEqual([['dev-x1'], ['dev-x1']])
    expect(d.received).toEqual(['cmd-x'])
  })
})
