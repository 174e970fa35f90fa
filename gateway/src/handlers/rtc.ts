import type { Handler } from './types.ts'

/**
 * [P-3.8] WebRTC signalling from an intercom (its answer, candidates, hangup): not an alarm
 * and not stored — handed to the platform, which relays it to the operator's browser. The
 * call's lifecycle is recorded from the durable `intercom` events [P-3.3], not from here.
 */
export const handleRtc: Handler<'rtc/up'> = (ctx, msg) => {
  ctx.events.emit('rtc', { deviceId: msg.deviceId, signal: msg.message })
  return 'accepted'
}
