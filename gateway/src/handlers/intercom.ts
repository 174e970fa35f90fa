import type { Handler } from './types.ts'

/** [P-3.3][P-4.1] Intercom call events, tied by callId, recorded durably like alarms. */
export const handleIntercom: Handler<'intercom'> = async (ctx, msg) => {
  const e = msg.message
  const isNew = await ctx.store.insertInbox({
    deviceId: msg.deviceId,
    msgId: e.id,
    kind: 'intercom',
    type: e.type,
    payload: e,
    deviceTs: new Date(e.ts),
    receivedAt: msg.receivedAt,
    clockSkew: msg.clockSkew
  })
  if (!isNew) return 'duplicate'
  ctx.emit('inbox', { deviceId: msg.deviceId, msgId: e.id, kind: 'intercom', type: e.type })
  return 'accepted'
}
