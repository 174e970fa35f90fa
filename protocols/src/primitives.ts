/** Fields every device → gateway message shares [P-2.2]; one definition for all payload schemas. */
import { Type } from '@sinclair/typebox'

/**
 * [P-2.3a] The format of every string a device sends: well-formed Unicode (no lone UTF-16
 * surrogate, which a JSON `\ud800` escape can smuggle past the UTF-8 check) and no NUL
 * character (`\u0000`), which PostgreSQL refuses in text and jsonb. decode.ts registers it.
 */
export const TEXT_FORMAT = 'text'
/** A device string: well-formed Unicode without NUL [P-2.3a]; lengths count characters (code points). */
export const DeviceText = (opts: { minLength?: number, maxLength?: number } = {}) => Type.String({ ...opts, format: TEXT_FORMAT })

const NOT_TEXT = /[\u0000\p{Cs}]/u
/** [P-2.3a] True when `s` is well-formed Unicode without NUL (a paired surrogate, a 4-byte character, is fine). */
export function isDeviceText (s: string): boolean {
  return !NOT_TEXT.test(s)
}

/**
 * [P-2.2][P-2.3] The latest device time every store holds, in ms since the Unix epoch:
 * InfluxDB keeps nanoseconds in a signed 64-bit integer, which ends at
 * 2262-04-11T23:47:16.854Z; PostgreSQL's timestamptz and JavaScript's Date reach further.
 */
export const MAX_TIMESTAMP_MS = 9_223_372_036_854

/** [P-2.2] Message id: unique per device, 1–64 characters. */
export const MessageId = DeviceText({ minLength: 1, maxLength: 64 })
/** [P-2.2] Device time, milliseconds since the Unix epoch, UTC, within what every store holds. */
export const Timestamp = Type.Integer({ minimum: 0, maximum: MAX_TIMESTAMP_MS })
