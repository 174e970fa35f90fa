import { deviceTopic, parseDeviceTopic, type DeviceErrorCode } from '@eldercare/protocols'
import type { Logger } from 'pino'
import { codes, type GatewayError } from '../errors.ts'
import type { Decision, InFlight, IngestContext } from './types.ts'

/**
 * answer: carries out a step's Decision — counts it, tells the device on its `errors` topic
 * [P-3.7][P-4.2], keeps a refused message from every subscriber, and tells aedes whether to
 * PUBACK. Returns the error for aedes' `done` when the connection must close (no PUBACK, the
 * device resends [P-4.1]); null otherwise.
 */
export function answer (m: InFlight, d: Decision, ctx: IngestContext, log: Logger): Error | null {
  const deviceId = m.deviceId ?? m.session?.id ?? null
  const kind = m.kind ?? kindOf(m.packet.topic)
  for (const w of m.warnings) tell(ctx, log, { deviceId, topic: m.packet.topic, ref: m.ref }, w)
  if (d.ack === 'puback' && d.outcome !== 'rejected') {
    if (d.outcome === 'duplicate') {
      // [P-2.4] acknowledged again with no further effect; the device is told so (informational)
      ctx.counters.duplicates++
      ctx.events.emit('message', { kind, outcome: 'duplicate' })
      const info = codes.GW_ERR_DUPLICATE(String(m.ref))
      send(ctx, log, deviceId, { ref: m.ref, topic: m.packet.topic, code: 'duplicate', message: info.message })
    } else {
      count(ctx, 'accepted', kind)
      ctx.events.emit('message', { kind, outcome: 'accepted' })
      // [P-4.4] the will of a connection taken over says offline of a device online on its newer one:
      // a subscriber, and the retained status a later one reads, would be told so
      if (d.outcome === 'superseded') drop(m)
    }
    return null
  }
  if (d.ack === 'withhold' && d.shed) {
    // shed under load (load.ts): counted apart, answered without a log line each (LoadLimit logs a summary)
    count(ctx, 'rejected', 'shed')
    ctx.events.emit('message', { kind, outcome: 'shed', code: d.error.device })
    if (d.tell) send(ctx, log, deviceId, { ref: m.ref, topic: m.packet.topic, code: d.error.device ?? 'internal', message: d.error.message })
  } else {
    refuse(ctx, log, { deviceId, topic: m.packet.topic, ref: m.ref }, d.error, d.tell !== false)
  }
  drop(m)
  if (d.ack === 'puback') return null
  if (d.close) return d.error
  // [P-4.3] refused but the connection stays: aedes PUBACKs only a QoS 1 packet, so the packet
  // goes on as QoS 0 — no PUBACK, and the device may resend it
  m.packet.qos = 0
  return null
}

/** [P-3.7][P-4.2] Counts a refused message (or subscription) and, when `told`, answers and logs it. */
export function refuse (ctx: IngestContext, log: Logger, where: { deviceId: string | null, topic: string, ref: string | null }, error: GatewayError, told = true): void {
  const code: DeviceErrorCode = error.device ?? 'internal'
  count(ctx, 'rejected', code)
  ctx.events.emit('message', { kind: kindOf(where.topic), outcome: 'rejected', code })
  if (told) tell(ctx, log, where, error)
}

/** [P-3.7] Answers on the device's errors topic (QoS 0) and logs the refusal with the device id. */
function tell (ctx: IngestContext, log: Logger, where: { deviceId: string | null, topic: string, ref: string | null }, error: GatewayError): void {
  log.warn({ deviceId: where.deviceId, topic: where.topic, code: error.device, err: error.code, ref: where.ref }, error.message)
  if (error.device) send(ctx, log, where.deviceId, { ref: where.ref, topic: where.topic, code: error.device, message: error.message })
}

function send (ctx: IngestContext, log: Logger, deviceId: string | null, body: { ref: string | null, topic: string, code: DeviceErrorCode, message: string }): void {
  if (!deviceId) return
  ctx.publish(deviceTopic(deviceId, 'errors'), body, 0).catch((err) => log.warn({ deviceId, err }, 'could not publish error'))
}

/** Keeps a refused message from reaching any subscriber. */
function drop (m: InFlight): void {
  m.packet.topic = `$rejected/${m.packet.topic}`
  m.packet.retain = false
  m.packet.payload = Buffer.alloc(0)
}

function count (ctx: IngestContext, what: 'accepted' | 'rejected', key: string): void {
  const bucket = ctx.counters[what]
  bucket[key] = (bucket[key] ?? 0) + 1
}

/** The metrics label for a topic: its protocol kind, or `other`. */
export function kindOf (topic: string): string {
  return parseDeviceTopic(topic)?.kind ?? 'other'
}
