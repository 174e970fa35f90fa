/**
 * The gateway's error catalogue, in the style of Fastify's lib/errors.js: every error the
 * gateway raises or answers a device with is created here from its `GW_ERR_*` code, so the
 * codes, their messages and the device error code ([P-3.7]) they are answered with live in one
 * place. docs/gateway.md lists them.
 */
import { format } from 'node:util'
import type { DeviceErrorCode } from '@eldercare/protocols'

export type GatewayErrorCode = `GW_ERR_${string}`

/** Errors the gateway raises; callers match on `code`. */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode
  /** [P-3.7] the code a device is answered with on its `errors` topic, when it is told */
  readonly device: DeviceErrorCode | undefined
  constructor (code: GatewayErrorCode, message: string, options: { cause?: unknown, device?: DeviceErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'GatewayError'
    this.code = code
    this.device = options.device
  }
}

/** A factory for one catalogue entry: `%s`/`%d` in `message` are filled from the arguments. */
export interface GatewayErrorFactory {
  (...args: Array<string | number>): GatewayError
  readonly code: GatewayErrorCode
}

function createError (code: GatewayErrorCode, message: string, device?: DeviceErrorCode): GatewayErrorFactory {
  const make = (...args: Array<string | number>) => new GatewayError(code, format(message, ...args), { device })
  return Object.assign(make, { code })
}

export const codes = {
  /** [P-1.2] CONNACK 4: unknown device, wrong secret, or username ≠ clientId */
  GW_ERR_BAD_CREDENTIALS: createError('GW_ERR_BAD_CREDENTIALS', 'bad username or password'),
  /** [P-1.2] CONNACK 3: the registry could not be read (database away); the device retries */
  GW_ERR_UNAVAILABLE: createError('GW_ERR_UNAVAILABLE', 'server unavailable: credentials cannot be checked now; retry'),
  /** [P-1.4] keepalive 0 or above the limit: the connection is closed without a CONNACK [MQTT-3.2.2-6] */
  GW_ERR_KEEPALIVE: createError('GW_ERR_KEEPALIVE', 'connect refused: keepalive %d s is 0 or above %d s; a device must connect with a keepalive of 1–%d s'),
  /** an observer (read-only account) published: the connection is closed */
  GW_ERR_OBSERVER_PUBLISH: createError('GW_ERR_OBSERVER_PUBLISH', 'observers may not publish'),
  /** a PUBLISH without an authenticated device session (a will of a refused client) */
  GW_ERR_NO_SESSION: createError('GW_ERR_NO_SESSION', 'no authenticated device session for %s'),
  /** [P-2.5] topic outside the device's own (or its hub children's) upstream topics */
  GW_ERR_UNAUTHORIZED_TOPIC: createError('GW_ERR_UNAUTHORIZED_TOPIC', '%s', 'unauthorized_topic'),
  /** [P-4.3] beyond the device's telemetry allowance: not PUBACKed */
  GW_ERR_RATE_LIMITED: createError('GW_ERR_RATE_LIMITED', 'too many messages: the allowance is %d messages/s sustained, burst %d; slow down or be disconnected', 'rate_limited'),
  /** [P-4.3] beyond the device's separate alarm allowance: not PUBACKed, so the device resends */
  GW_ERR_ALARM_RATE_LIMITED: createError('GW_ERR_ALARM_RATE_LIMITED', 'too many alarms: the alarm allowance is %d messages/s sustained, burst %d; this one was not acknowledged, resend it', 'rate_limited'),
  /** [P-4.3] the gateway is behind (in-flight bound, readings backlog, event-loop delay): telemetry/status shed, not PUBACKed; never an alarm */
  GW_ERR_OVERLOADED: createError('GW_ERR_OVERLOADED', 'the gateway is overloaded and sheds telemetry for now: this message was not acknowledged; slow down and resend', 'rate_limited'),
  /** [P-2.1][P-3.x] decode and validation refused the payload; the device code comes from decode */
  GW_ERR_INVALID_MESSAGE: createError('GW_ERR_INVALID_MESSAGE', '%s', 'invalid_payload'),
  /**
   * [P-2.3a][P-2.3] decode dropped a field of an accepted message (an alarm's bad optional field, a
   * batch sample dated out of range) and the rest was recorded; message and device code
   * (`invalid_payload` or `out_of_range`) come from decode's entry, which names the field
   */
  GW_ERR_FIELD_DROPPED: createError('GW_ERR_FIELD_DROPPED', '%s', 'invalid_payload'),
  /** [P-2.3a] a data error of the store (SQLSTATE class 22 or 23): resending cannot help */
  GW_ERR_DATA_REFUSED: createError('GW_ERR_DATA_REFUSED', 'the store refused this message (SQLSTATE %s: %s); resending it will not help', 'invalid_payload'),
  /** [P-4.1] the durable write failed (database away): not PUBACKed, the connection is closed, the device resends */
  GW_ERR_NOT_RECORDED: createError('GW_ERR_NOT_RECORDED', 'the gateway could not record this message; resend it', 'internal'),
  /** [P-2.4] informational: already recorded, acknowledged again with no further effect */
  GW_ERR_DUPLICATE: createError('GW_ERR_DUPLICATE', 'message %s was already recorded; acknowledged again with no further effect', 'duplicate'),
  /** [P-2.1] a packet above the broker limit: the connection is closed before its body is read */
  GW_ERR_PACKET_TOO_LARGE: createError('GW_ERR_PACKET_TOO_LARGE', 'connection closed: %s', 'too_large')
} as const

export type GatewayErrorCodes = typeof codes
