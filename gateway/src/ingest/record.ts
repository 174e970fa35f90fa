import type { UpstreamKind } from '@eldercare/protocols'
import type { Logger } from 'pino'
import { codes } from '../errors.ts'
import { handlers, type Accepted } from '../handlers/index.ts'
import type { Handler, HandlerResult } from '../handlers/types.ts'
import { dataErrorState } from '../store.ts'
import { ALARM_KINDS, type Decision, type InFlight, type IngestContext, type Step } from './types.ts'

/**
 * [P-4.1][P-2.4] record: one handler per topic kind (../handlers/). Alarms go to the durable
 * inbox (group commit, ../inbox/writer.ts) and the step resolves only after the commit, so the
 * PUBACK follows the durable record; a redelivery is a duplicate with no further effect.
 *
 * A failure is one of two kinds:
 * - a data error of the store (SQLSTATE class 22 or 23): the message can never be stored, so it
 *   is answered `invalid_payload` and PUBACKed [P-2.3a] — no resend loop;
 * - anything else (the database is away): the inbox writer holds an alarm's PUBACK while it
 *   retries (up to `holdMs`); an alarm still unrecorded then is not PUBACKed and its connection is
 *   closed, so the device resends [P-4.1]; other kinds are answered `internal`.
 */
export const record: Step = (m, ctx, log) => {
  const kind = m.kind!
  const started = performance.now()
  const accepted: Accepted = { deviceId: m.deviceId!, kind, message: m.message!, receivedAt: m.receivedAt, arrivedAtMs: m.arrivedAtMs, deviceTs: m.deviceTs ?? null, clockSkew: m.clockSkew ?? false, will: m.will ? { from: m.client } : undefined }
  let result: HandlerResult | Promise<HandlerResult>
  try {
    result = (handlers[kind] as Handler<UpstreamKind>)(ctx.handlers, accepted)
  } catch (err) { return failed(m, kind, err, log) }
  // a handler that answered at once (telemetry, mostly) needs no promise, no microtask and no
  // closure (under tsx a named closure also costs an Object.defineProperty of its name)
  if (!(result instanceof Promise)) return recorded(ctx, kind, started, result)
  return result.then((r) => recorded(ctx, kind, started, r), (err: unknown) => failed(m, kind, err, log))
}

/** Recorded: an alarm's durable write (its group commit) is timed. */
function recorded (ctx: IngestContext, kind: UpstreamKind, started: number, result: HandlerResult): Decision {
  if (ALARM_KINDS.has(kind)) ctx.events.emit('durableWrite', { kind, seconds: (performance.now() - started) / 1000 })
  return { ack: 'puback', outcome: result }
}

/** The handler failed: a data error is answered and PUBACKed, anything else withholds a durable alarm's PUBACK. */
function failed (m: InFlight, kind: UpstreamKind, err: unknown, log: Logger): Decision {
  const sqlState = dataErrorState(err)
  if (sqlState) {
    log.warn({ deviceId: m.deviceId, kind, ref: m.ref, sqlState, err }, 'store refused the message as data')
    return { ack: 'puback', outcome: 'rejected', error: codes.GW_ERR_DATA_REFUSED(sqlState, (err as Error).message) }
  }
  log.error({ deviceId: m.deviceId, kind, ref: m.ref, err }, 'recording failed')
  const error = codes.GW_ERR_NOT_RECORDED()
  if (isDurable(kind, m.packet.qos)) return { ack: 'withhold', error, close: true }
  return { ack: 'puback', outcome: 'rejected', error }
}

/** [P-4.1] a QoS 1 alarm is PUBACKed only once recorded. */
function isDurable (kind: UpstreamKind, qos: number): boolean {
  return ALARM_KINDS.has(kind) && qos > 0
}
