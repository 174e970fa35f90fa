/**
 * Plain MQTT.js clients acting as devices, for tests that need raw bytes, their own will,
 * keepalive or session flags: what a device maker's firmware would do.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import mqttPacket from 'mqtt-packet'
import { deviceTopic, type DeviceErrorMessage } from '@eldercare/protocols'

export interface RawDevice {
  client: MqttClient
  /** answers received on the device's errors topic, in order */
  errors: DeviceErrorMessage[]
  /** everything received, topic → payloads */
  received: Array<{ topic: string, payload: Buffer }>
  end(): Promise<void>
}

/** Connects as `dev` (clientId = username = id, [P-1.2]) and subscribes to its errors topic. */
export async function connectDevice (url: string, dev: { id: string, secret: string }, opts: IClientOptions & { subscribeErrors?: boolean } = {}): Promise<RawDevice> {
  const client = mqtt.connect(url, { clientId: dev.id, username: dev.id, password: dev.secret, reconnectPeriod: 0, connectTimeout: 10_000, ...opts })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  const errors: DeviceErrorMessage[] = []
  const received: RawDevice['received'] = []
  client.on('message', (topic, payload) => {
    received.push({ topic, payload })
    if (topic.endsWith('/errors')) errors.push(JSON.parse(payload.toString()) as DeviceErrorMessage)
  })
  if (opts.subscribeErrors !== false) await client.subscribeAsync(deviceTopic(dev.id, 'errors'), { qos: 0 })
  return { client, errors, received, end: async () => { await client.endAsync(true).catch(() => {}) } }
}

/** Subscribes and returns the granted QoS per topic (128 = refused), where subscribeAsync would reject. */
export function subscribeGranted (client: MqttClient, topics: string[], qos: 0 | 1 = 1): Promise<number[]> {
  return new Promise((resolve, reject) => {
    client.subscribe(topics, { qos }, (err, granted) => {
      const packet = (err as { packet?: { granted?: Array<number | { qos: number }> } } | null)?.packet
      if (packet?.granted) return resolve(packet.granted.map((g) => (typeof g === 'number' ? g : g.qos)))
      if (err) return reject(err)
      resolve((granted ?? []).map((g) => g.qos))
    })
  })
}

/** Collects pino's JSON lines, to assert on important log lines (STYLE.md §10). */
export function logSink (): { lines: Array<Record<string, any>>, write(line: string): void } {
  const lines: Array<Record<string, any>> = []
  return { lines, write (line: string) { lines.push(JSON.parse(line)) } }
}

/** The bytes of a CONNECT as `dev` (clean session), for raw-socket clients that misbehave on purpose. */
export function connectPacket (dev: { id: string, secret: string }, keepaliveSeconds = 60): Buffer {
  return mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: dev.id, username: dev.id, password: Buffer.from(dev.secret), clean: true, keepalive: keepaliveSeconds })
}

/** Publishes raw bytes as a QoS 0 PUBLISH packet. */
export function publishPacket (topic: string, payload: Buffer): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false })
}
