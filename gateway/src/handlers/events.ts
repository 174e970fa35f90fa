import type { Handler } from './types.ts'

/** [P-3.2][P-4.1] Alarms and notable events go to the durable inbox before the PUBACK. */
export const handleEvent: Handler<'events'> = async (ctx, msg) => {
  const e = msg.message
  const isNew = await ctx.store.insertInbox({
    deviceId: msg.deviceId,
    msgId: e.id,
    kind: 'event',
    type: e.type,
    payload: e,
    deviceTs: new Date(e.ts),
    receivedAt: msg.receivedAt,
    clockSkew: msg.clockSkew
  })
  if (!isNew) return 'duplicate'
  await ctx.readings?.onEvent(msg.deviceId, e.type, msg.receivedAt)
  ctx.emit('inbox', { deviceId: msg.deviceId, msgId: e.id, kind: 'event', type: e.type })
  return 'accepted'
}
