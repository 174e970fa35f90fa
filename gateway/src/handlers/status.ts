import type { Handler } from './types.ts'

/** [P-3.4] Presence, battery, signal and firmware, batched by Presence (no write per message). */
export const handleStatus: Handler<'status'> = async (ctx, msg) => {
  const s = msg.message
  // [P-4.4] a will says its connection dropped. When the device holds a newer connection (it reconnected while
  // the broker still held the old one, which the broker then closed [MQTT-3.1.4-2]), that will may be handled
  // after the new CONNECT — its ingest can wait for a look-up — and is no news: the device is online.
  // In scaled mode the newer connection may be on another gateway, which then closed this one.
  if (msg.will && s.online === false) {
    const now = ctx.connectionOf(msg.deviceId)
    if ((now !== undefined && now !== msg.will.from) || (msg.will.from !== null && ctx.movedAway(msg.will.from))) {
      ctx.log.debug({ deviceId: msg.deviceId }, 'will of a connection taken over: the device is connected again')
      return 'superseded' as const
    }
  }
  ctx.presence.mark(msg.deviceId, {
    online: s.online,
    lastSeenAt: msg.receivedAt,
    battery: s.battery,
    rssi: s.rssi,
    fw: s.fw
  })
  // low battery is a device-health rule [P-3.4]
  await ctx.readings?.onStatus(msg.deviceId, s.battery, msg.receivedAt)
  return 'accepted' as const
}
