import type { Handler } from './types.ts'

/**
 * [P-3.1] Readings. The foundation validates and counts them and keeps the device's
 * presence fresh; storing them in a VitalsStore arrives with the readings issue.
 */
export const handleTelemetry: Handler<'telemetry'> = async (ctx, msg) => {
  ctx.presence.mark(msg.deviceId, { lastSeenAt: msg.receivedAt })
  return 'accepted'
}
