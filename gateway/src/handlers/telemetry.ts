import type { Handler } from './types.ts'

/**
 * [P-3.1] Readings: queued for the VitalsStore and run through the detection rules (never
 * waiting for the store), and the device's presence kept fresh.
 */
export const handleTelemetry: Handler<'telemetry'> = (ctx, msg) => {
  ctx.presence.mark(msg.deviceId, { lastSeenAt: msg.receivedAt })
  const waiting = ctx.readings?.onTelemetry(msg.deviceId, msg.message, msg.receivedAt, msg.clockSkew)
  return waiting ? waiting.then(() => 'accepted' as const) : 'accepted'
}
