import type { Handler } from './types.ts'

/** [P-3.4] Presence, battery, signal and firmware, batched by Presence (no write per message). */
export const handleStatus: Handler<'status'> = async (ctx, msg) => {
  const s = msg.message
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
