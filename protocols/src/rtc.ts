/**
 * WebRTC signalling for video-intercom calls [P-3.8], and the call's shapes for operators.
 *
 * Devices: `care/v1/devices/{id}/rtc/down` (platform → device) and `…/rtc/up` (device →
 * platform) carry SDP offers and answers and trickled ICE candidates; media then flows peer
 * to peer (or through the TURN servers named in the offer). The call's lifecycle stays on the
 * durable `intercom` topic [P-3.3] (`call_answered`, `call_ended`, `call_missed`).
 * Browsers: the same signals over socket.io (`call:signal`), relayed by the platform.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { MessageId, Timestamp } from './primitives.ts'

/** [P-3.8] Ties the signals and the intercom events of one call together. */
export const CallId = Type.String({ minLength: 1, maxLength: 64 })

export const RTC_SIGNAL_TYPES = ['offer', 'answer', 'candidate', 'hangup'] as const
export type RtcSignalType = (typeof RTC_SIGNAL_TYPES)[number]

/** [P-3.8] An SDP body; 15,000 characters leave room for the envelope within the 16 KiB limit [P-2.1]. */
export const Sdp = Type.String({ minLength: 10, maxLength: 15_000 })

/** [P-3.8] One ICE candidate as RTCIceCandidateInit has it. */
export const RtcIceCandidate = Type.Object({
  candidate: Type.String({ maxLength: 1024 }),
  sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 63 }), Type.Null()]))
}, { additionalProperties: false })
export type RtcIceCandidate = Static<typeof RtcIceCandidate>

/** [P-3.8] A STUN/TURN server as RTCIceServer has it (TURN credentials are short-lived). */
export const RtcIceServer = Type.Object({
  urls: Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { minItems: 1, maxItems: 8 })]),
  username: Type.Optional(Type.String({ maxLength: 256 })),
  credential: Type.Optional(Type.String({ maxLength: 256 }))
}, { additionalProperties: false })
export type RtcIceServer = Static<typeof RtcIceServer>

const signalFields = {
  id: MessageId,
  ts: Timestamp,
  callId: CallId,
  type: Type.Union(RTC_SIGNAL_TYPES.map((t) => Type.Literal(t))),
  /** `offer` and `answer` */
  sdp: Type.Optional(Sdp),
  /** `candidate`; null: no more candidates */
  candidate: Type.Optional(Type.Union([RtcIceCandidate, Type.Null()])),
  /** `hangup`: why, e.g. `busy`, `declined`, `media_failed` */
  reason: Type.Optional(Type.String({ maxLength: 64 }))
}

/** [P-3.8] device → platform on `rtc/up`: the device's answer, its candidates, or its hangup. */
export const RtcSignalUp = Type.Object(signalFields, { additionalProperties: false })
export type RtcSignalUp = Static<typeof RtcSignalUp>

/** [P-3.8] platform → device on `rtc/down`. An offer may carry the ICE servers and the answer mode. */
export const RtcSignalDown = Type.Object({
  ...signalFields,
  iceServers: Type.Optional(Type.Array(RtcIceServer, { maxItems: 8 })),
  /** answer without a press (residents who cannot press a button); the device still rings first */
  autoAnswer: Type.Optional(Type.Boolean()),
  /** who calls, shown or said by the device, e.g. "社区服务中心" */
  caller: Type.Optional(Type.String({ maxLength: 64 }))
}, { additionalProperties: false })
export type RtcSignalDown = Static<typeof RtcSignalDown>

/** [P-3.8] Rules a schema says poorly: an offer or answer carries `sdp`, a candidate `candidate`. */
export function rtcSignalRule (s: { type: RtcSignalType, sdp?: string, candidate?: unknown }): string | null {
  if ((s.type === 'offer' || s.type === 'answer') && s.sdp === undefined) return `rtc.sdp is required when type is "${s.type}"`
  if (s.type === 'candidate' && s.candidate === undefined) return 'rtc.candidate is required when type is "candidate" (null marks the end of candidates)'
  return null
}

// ── operators: REST and socket.io ───────────────────────────────────────────

export const CALL_STATUSES = ['ringing', 'active', 'ended', 'missed', 'failed'] as const
export type CallStatus = (typeof CALL_STATUSES)[number]
export type CallDirection = 'inbound' | 'outbound'

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const IsoTime = Type.String({ format: 'date-time' })

/** One entry of a call's history, as kept on the resident's record. */
export const CallEventDto = Type.Object({
  at: IsoTime,
  /** ringing | answered | ice_restart | ended | missed | failed | visit_recorded */
  kind: Type.String(),
  /** the user, for what an operator did; null for what the device did */
  by: Nullable(Type.String()),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
})
export type CallEventDto = Static<typeof CallEventDto>

/**
 * A call between the centre and a resident's intercom (`GET /api/calls/:id`, and the items of
 * `GET /api/residents/:id/calls`): the routes' response schema and what the console checks.
 */
export const CallDto = Type.Object({
  id: Type.String(),
  direction: Type.Union([Type.Literal('inbound'), Type.Literal('outbound')]),
  status: Type.Union(CALL_STATUSES.map((s) => Type.Literal(s))),
  residentId: Nullable(Type.String()),
  deviceId: Type.String(),
  incidentId: Nullable(Type.String()),
  autoAnswer: Type.Boolean(),
  startedBy: Nullable(Type.String()),
  answeredBy: Nullable(Type.String()),
  startedAt: IsoTime,
  answeredAt: Nullable(IsoTime),
  endedAt: Nullable(IsoTime),
  /** seconds between answer and end; null until both happened */
  durationS: Nullable(Type.Integer({ minimum: 0 })),
  visitId: Nullable(Type.String()),
  events: Type.Array(CallEventDto)
})
export type CallDto = Static<typeof CallDto>

/** `GET`/`PUT /api/residents/:id/call-settings`: the intercom answers care calls by itself after ringing. */
export const CallSettingsDto = Type.Object({ autoAnswer: Type.Boolean() })
export type CallSettingsDto = Static<typeof CallSettingsDto>

/** `GET /api/residents/:id/calls`: the resident's calls, newest first. */
export const CallListDto = Type.Object({ items: Type.Array(CallDto) })
export type CallListDto = Static<typeof CallListDto>

/** What the browser needs to open its peer connection, answered with the created call. */
export interface CallStartDto extends CallDto {
  iceServers: RtcIceServer[]
}

/** A signal between a browser and the platform; `callId` is the platform's call id. */
export interface CallSignalDto {
  callId: string
  type: RtcSignalType
  sdp?: string
  candidate?: RtcIceCandidate | null
  reason?: string
}

/** The browser's signal, validated by the platform before it is relayed. */
export const CallSignalInput = Type.Object({
  callId: Type.String({ minLength: 1, maxLength: 64 }),
  type: Type.Union(RTC_SIGNAL_TYPES.filter((t) => t !== 'answer').map((t) => Type.Literal(t))),
  sdp: Type.Optional(Sdp),
  candidate: Type.Optional(Type.Union([RtcIceCandidate, Type.Null()])),
  reason: Type.Optional(Type.String({ maxLength: 64 }))
}, { additionalProperties: false })

export type CallAck = { ok: true } | { ok: false, error: { code: string, message: string } }

/** socket.io events of calls, server → operator's browser. */
export interface CallServerToClientEvents {
  /** the device's answer or candidates, to the sockets that took part in the call */
  'call:signal': (signal: CallSignalDto) => void
  /** the call changed (ringing, answered, ended…), to the resident's area and above */
  'call:updated': (call: CallDto) => void
}

/** socket.io events of calls, operator's browser → server. */
export interface CallClientToServerEvents {
  /** the browser's offer, candidates or hangup for one of its calls */
  'call:signal': (signal: CallSignalDto, ack: (r: CallAck) => void) => void
}
