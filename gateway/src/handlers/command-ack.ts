import type { Handler } from './types.ts'

/** [P-3.6] The device's answer to a command: sent → acked | failed. */
export const handleCommandAck: Handler<'commands/ack'> = async (ctx, msg) => {
  const a = msg.message
  const changed = await ctx.store.completeCommand(msg.deviceId, a.id, a.ok, a.error ?? null, msg.receivedAt)
  if (!changed) return 'duplicate'
  ctx.events.emit('commandAck', { deviceId: msg.deviceId, commandId: a.id, ok: a.ok, error: a.error ?? null })
  return 'accepted'
}
