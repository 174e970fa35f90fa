import { recordInInbox } from './inbox.ts'
import type { Handler } from './types.ts'

/** [P-3.3][P-4.1] Intercom call events, tied by callId, recorded durably like alarms. */
export const handleIntercom: Handler<'intercom'> = async (ctx, msg) =>
  await recordInInbox(ctx, msg, 'intercom') ? 'accepted' : 'duplicate'
