/**
 * Payload schemas of device protocol v1, one definition per message
 * (`shared/design/device-protocol-v1.md` §3). Each TypeBox schema is at once the
 * JSON Schema (it *is* a JSON Schema object), the source of the TypeScript type
 * (`Static<typeof X>`), and the input of the compiled validator in `validate.ts`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { DeviceText, MAX_TIMESTAMP_MS, MessageId, TEXT_FORMAT, Timestamp, isDeviceText } from './primitives.ts'
import { RtcSignalUp } from './rtc.ts'

export { MessageId, Timestamp, TEXT_FORMAT, DeviceText, isDeviceText, MAX_TIMESTAMP_MS }

/** [P-3.1] Vital signs with the contract's valid ranges; outside them a reading is `out_of_range`. */
export const Vitals = Type.Object({
  /** beats/min, LOINC 8867-4 */
  hr: Type.Optional(Type.Number({ minimum: 20, maximum: 250 })),
  /** %, LOINC 59408-5 */
  spo2: Type.Optional(Type.Number({ minimum: 50, maximum: 100 })),
  /** breaths/min, LOINC 9279-1 */
  rr: Type.Optional(Type.Number({ minimum: 4, maximum: 60 })),
  /** mmHg, LOINC 8480-6 */
  sbp: Type.Optional(Type.Number({ minimum: 50, maximum: 260 })),
  /** mmHg, LOINC 8462-4 */
  dbp: Type.Optional(Type.Number({ minimum: 30, maximum: 160 })),
  /** °C, LOINC 8310-5 */
  temp: Type.Optional(Type.Number({ minimum: 30, maximum: 43 }))
}, { additionalProperties: false })
export type Vitals = Static<typeof Vitals>

export const Bed = Type.Object({
  occupied: Type.Optional(Type.Boolean()),
  movement: Type.Optional(Type.Number({ minimum: 0, maximum: 10 }))
}, { additionalProperties: false })

export const Activity = Type.Object({
  steps: Type.Optional(Type.Integer({ minimum: 0 })),
  motion: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export const Geo = Type.Object({
  lat: Type.Number({ minimum: -90, maximum: 90 }),
  lng: Type.Number({ minimum: -180, maximum: 180 }),
  /** metres */
  acc: Type.Optional(Type.Number({ minimum: 0 }))
}, { additionalProperties: false })

const readingGroups = {
  vitals: Type.Optional(Vitals),
  bed: Type.Optional(Bed),
  activity: Type.Optional(Activity),
  geo: Type.Optional(Geo)
}

export const TelemetrySample = Type.Object({ ts: Timestamp, ...readingGroups }, { additionalProperties: false })
export type TelemetrySample = Static<typeof TelemetrySample>

/** [P-3.1] Telemetry: a single reading set, or a batch of at most 500 samples. */
export const Telemetry = Type.Union([
  Type.Object({ id: MessageId, ts: Timestamp, ...readingGroups }, { additionalProperties: false }),
  Type.Object({
    id: MessageId,
    ts: Type.Optional(Timestamp),
    samples: Type.Array(TelemetrySample, { minItems: 1, maxItems: 500 })
  }, { additionalProperties: false })
])
export type Telemetry = Static<typeof Telemetry>

export const EVENT_TYPES = [
  'fall', 'sos', 'bed_exit', 'inactivity', 'wander', 'smoke', 'gas', 'water_leak',
  'door_open', 'low_battery', 'tamper', 'test', 'cancel', 'checkin'
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** [P-3.2] Alarms and notable events. `cancel` carries `ref`; `checkin` is the elder's "I'm OK" press. */
export const DeviceEvent = Type.Object({
  id: MessageId,
  ts: Timestamp,
  type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  location: Type.Optional(DeviceText({ maxLength: 64 })),
  ref: Type.Optional(MessageId),
  geo: Type.Optional(Geo)
}, { additionalProperties: false })
export type DeviceEvent = Static<typeof DeviceEvent>

export const INTERCOM_TYPES = ['call_request', 'call_answered', 'call_ended', 'call_missed', 'door_unlocked'] as const
export type IntercomType = (typeof INTERCOM_TYPES)[number]

/** [P-3.3] Video-intercom call events, tied by `callId`. */
export const IntercomEvent = Type.Object({
  id: MessageId,
  ts: Timestamp,
  type: Type.Union(INTERCOM_TYPES.map((t) => Type.Literal(t))),
  callId: DeviceText({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false })
export type IntercomEvent = Static<typeof IntercomEvent>

/** [P-3.4] Status, retained; only `online` is required. The will is `{"online":false}`. */
export const DeviceStatusMessage = Type.Object({
  online: Type.Boolean(),
  ts: Type.Optional(Timestamp),
  /** percent */
  battery: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  /** dBm */
  rssi: Type.Optional(Type.Number({ minimum: -150, maximum: 0 })),
  fw: Type.Optional(DeviceText({ maxLength: 32 }))
}, { additionalProperties: false })
export type DeviceStatusMessage = Static<typeof DeviceStatusMessage>

export const COMMAND_TYPES = [
  'alarm.ack', 'intercom.answer', 'intercom.hangup', 'intercom.unlock', 'speak', 'config.set', 'test.request'
] as const
export type CommandType = (typeof COMMAND_TYPES)[number]

/** [P-3.5] A command the centre sends to a device. */
export const Command = Type.Object({
  id: MessageId,
  ts: Timestamp,
  type: Type.Union(COMMAND_TYPES.map((t) => Type.Literal(t))),
  args: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
}, { additionalProperties: false })
export type Command = Static<typeof Command>

/** [P-3.6] The device's answer to a command. */
export const CommandAck = Type.Object({
  id: MessageId,
  ts: Timestamp,
  ok: Type.Boolean(),
  error: Type.Optional(DeviceText({ maxLength: 256 }))
}, { additionalProperties: false })
export type CommandAck = Static<typeof CommandAck>

/** [P-3.7] Why a message of the device was rejected. */
export const DeviceErrorMessage = Type.Object({
  ref: Type.Union([MessageId, Type.Null()]),
  topic: Type.String(),
  code: Type.String(),
  message: Type.String()
})
export type DeviceErrorMessage = Static<typeof DeviceErrorMessage>

/** The schema of each upstream topic kind. */
export const UPSTREAM_SCHEMAS = {
  telemetry: Telemetry,
  events: DeviceEvent,
  intercom: IntercomEvent,
  status: DeviceStatusMessage,
  'commands/ack': CommandAck,
  'rtc/up': RtcSignalUp
} as const

export interface UpstreamMessages {
  telemetry: Telemetry
  events: DeviceEvent
  intercom: IntercomEvent
  status: DeviceStatusMessage
  'commands/ack': CommandAck
  'rtc/up': RtcSignalUp
}

/** [P-1.6] Device types, set when a device is registered. */
export const DEVICE_TYPES = [
  'fall_detector', 'sos_button', 'wearable', 'bp_monitor', 'bed_sensor', 'motion_sensor',
  'smoke_detector', 'gas_detector', 'water_sensor', 'door_sensor', 'intercom', 'hub'
] as const
export type DeviceType = (typeof DEVICE_TYPES)[number]
