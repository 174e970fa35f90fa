import { parseDeviceTopic } from '@eldercare/protocols'
import { codes } from '../errors.ts'
import type { GatewayError } from '../errors.ts'
import type { RateLimiter } from '../rate-limit.ts'
import { ALARM_KINDS, type Step } from './types.ts'

/** What the load step may shed (load.ts): telemetry and status; never an alarm, nor a call's WebRTC signalling. */
const SHEDDABLE: ReadonlySet<string> = new Set(['telemetry', 'status'])

/** One refusal per allowance, made once: a flood refuses thousands of messages a second, and an Error per message costs its stack trace. */
const refusals = new WeakMap<RateLimiter, GatewayError>()
function refusal (limiter: RateLimiter, alarm: boolean): GatewayError {
  let error = refusals.get(limiter)
  if (!error) {
    const { ratePerSecond, burst } = limiter.options
    error = alarm ? codes.GW_ERR_ALARM_RATE_LIMITED(ratePerSecond, burst) : codes.GW_ERR_RATE_LIMITED(ratePerSecond, burst)
    refusals.set(limiter, error)
  }
  return error
}

/**
 * [P-4.3] rate: a token per message before anything is parsed, so a flood costs next to nothing.
 * Alarms (`events`, `intercom`, `commands/ack`) draw on their own allowance, never on telemetry's,
 * so a device flooding telemetry loses telemetry and never an alarm. A refused message is never
 * PUBACKed (the connection stays; the device may resend it); `rate_limited` is answered at most
 * once per interval; a device flooding telemetry for 60 s is disconnected.
 */
export const rate: Step = (m, ctx, log) => {
  if (m.will || !m.session) return
  m.topic = parseDeviceTopic(m.packet.topic)
  const kind = m.topic?.kind ?? ''
  const alarm = ALARM_KINDS.has(kind)
  m.sheddable = SHEDDABLE.has(kind)
  const limiter = alarm ? ctx.limits.alarms : ctx.limits.telemetry
  const decision = limiter.take(m.session.id, m.session.actsFor.size)
  if (decision === 'pass') return
  const error = refusal(limiter, alarm)
  if (decision === 'disconnect') {
    log.warn({ deviceId: m.session.id, code: 'rate_limited' }, 'device disconnected for flooding')
    ctx.events.emit('floodDisconnect', { deviceId: m.session.id })
  }
  return { ack: 'withhold', error, close: decision === 'disconnect', tell: decision === 'limited_tell' }
}
