import { recordInInbox } from './inbox.ts'
import type { Handler } from './types.ts'

/** [P-3.2][P-4.1] Alarms and notable events go to the durable inbox before the PUBACK. */
export const handleEvent: Handler<'events'> = async (ctx, msg) => {
  if (!await recordInInbox(ctx, msg, 'event')) return 'duplicate'
  await ctx.readings?.onEvent(msg.deviceId, msg.message.type, msg.receivedAt, msg.message.geo)
  return 'accepted'
}
