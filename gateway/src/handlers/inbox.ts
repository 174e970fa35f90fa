import type { DeviceEvent, IntercomEvent } from '@eldercare/protocols'
import type { Accepted, HandlerContext } from './types.ts'

/**
 * [P-4.1][P-2.4] Writes an alarm-like message to the durable inbox (group commit) and, after the
 * commit, announces it; returns false for a redelivery of a message already recorded.
 */
export async function recordInInbox (ctx: HandlerContext, msg: Accepted<'events' | 'intercom'>, kind: 'event' | 'intercom'): Promise<boolean> {
  const e = msg.message as DeviceEvent | IntercomEvent
  const isNew = await ctx.inbox.write({
    deviceId: msg.deviceId,
    msgId: e.id,
    kind,
    type: e.type,
    payload: e,
    deviceTs: msg.deviceTs,
    receivedAt: msg.receivedAt,
    clockSkew: msg.clockSkew
  })
  if (isNew) ctx.events.emit('inbox', { deviceId: msg.deviceId, msgId: e.id, kind, type: e.type, arrivedAtMs: msg.arrivedAtMs, committedAtMs: performance.timeOrigin + performance.now(), posted: true })
  return isNew
}
