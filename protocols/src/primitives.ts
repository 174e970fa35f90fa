/** Fields every device → gateway message shares [P-2.2]; one definition for all payload schemas. */
import { Type } from '@sinclair/typebox'

/** [P-2.2] Message id: unique per device, 1–64 characters. */
export const MessageId = Type.String({ minLength: 1, maxLength: 64 })
/** [P-2.2] Device time, milliseconds since the Unix epoch, UTC. */
export const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })
