/**
 * `record`: logs in as an MQTT observer (an account an administrator created for an area:
 * it may subscribe to the device topics inside that area and never publish), subscribes,
 * and appends every device message it receives to an NDJSON file (recording.ts).
 */
import { createWriteStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import mqtt from 'mqtt'
import { TOPIC_PREFIX } from '@eldercare/protocols'
import { SimError } from './errors.ts'
import type { Stats } from './progress.ts'
import { recordLine } from './recording.ts'

export interface RecordOptions {
  url: string
  /** `observer:<name>` */
  username: string
  secret: string
  file: string
  /** subscription filters; default every device topic */
  topics?: string[]
  stats: Stats
  /** resolves when recording should end (duration, count, SIGINT) */
  until: (stats: Stats) => Promise<void>
  /** resolves once the subscription is in place (tests start traffic then) */
  onSubscribed?: () => void
}

export async function record (o: RecordOptions): Promise<void> {
  const out = createWriteStream(o.file, { flags: 'w', mode: 0o600 })
  await new Promise<void>((resolve, reject) => { out.once('open', () => resolve()); out.once('error', (e) => reject(new SimError('SIM_ERR_FILE', `${o.file}: cannot write (${e.message})`))) })
  const client = mqtt.connect(o.url, {
    // the observer rule of the gateway: clientId and username start with `observer:`
    clientId: `${o.username}-${randomBytes(4).toString('hex')}`, username: o.username, password: o.secret,
    clean: true, reconnectPeriod: 2000, connectTimeout: 10_000
  })
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', (err) => reject(new SimError('SIM_ERR_CONNECT', `observer ${o.username} could not connect to ${o.url}: ${err.message}`)))
    })
    client.on('connect', () => { o.stats.connects++ })
    client.on('message', (topic, payload, packet) => {
      o.stats.received++
      out.write(recordLine(topic, payload, packet.qos, packet.retain, Date.now()))
    })
    const topics = o.topics ?? [`${TOPIC_PREFIX}#`]
    // MQTT.js rejects a SUBACK carrying a failure (0x80)
    await client.subscribeAsync(topics, { qos: 1 }).catch((err: Error) => {
      throw new SimError('SIM_ERR_CONNECT', `the broker refused the subscription ${topics.join(', ')} (${err.message}); observers may use ${TOPIC_PREFIX}# or ${TOPIC_PREFIX}+/<kind>`)
    })
    o.stats.connected = 1
    o.onSubscribed?.()
    await o.until(o.stats)
  } finally {
    o.stats.connected = 0
    await client.endAsync().catch(() => {})
    await new Promise<void>((resolve) => out.end(resolve))
  }
}
