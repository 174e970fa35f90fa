/**
 * Operator-facing shapes: REST bodies and the socket.io event maps
 * (`shared/design/operator-api.md`). Each DTO is a TypeBox schema — at once the JSON Schema the
 * platform can answer with and the one the console checks arrivals against (`dto-check.ts`) —
 * and its TypeScript type is derived from it (`Static<typeof X>`), so the two cannot drift apart.
 * Objects admit properties they do not list: a newer platform may add fields without breaking a
 * console that does not know them yet.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { INCIDENT_STATUSES, PRIORITIES } from './incident.ts'
import type { CallClientToServerEvents, CallServerToClientEvents } from './rtc.ts'

export const ROLES = ['operator', 'supervisor', 'admin', 'auditor', 'responder'] as const
export type Role = (typeof ROLES)[number]

export const AREA_LEVELS = ['city', 'district', 'street', 'community'] as const
export type AreaLevel = (typeof AREA_LEVELS)[number]

export const SITE_KINDS = ['home', 'institution'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
/** An ISO 8601 time as the platform writes it (`Date#toISOString`). */
const IsoTime = Type.String({ format: 'date-time' })
/** A calendar day, `YYYY-MM-DD`. */
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)))

/** A visit's outcome (`POST /api/visits/:id/record`, a call recorded as a visit), in the order the console offers them. */
export const VISIT_OUTCOMES = ['well', 'needs_help', 'not_home', 'hospitalised', 'moved_away', 'deceased'] as const
export type VisitOutcome = (typeof VISIT_OUTCOMES)[number]

export const UserDto = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: literals(ROLES),
  areaId: Type.String(),
  displayName: Type.Optional(Nullable(Type.String()))
})
export type UserDto = Static<typeof UserDto>

export const LoginResponse = Type.Object({
  token: Type.String(),
  /** ISO time the token stops working. */
  expiresAt: IsoTime,
  user: UserDto
})
export type LoginResponse = Static<typeof LoginResponse>

export const TimelineEntryDto = Type.Object({
  at: IsoTime,
  kind: Type.String(),
  /** username of the operator, or null for the system/device */
  actor: Nullable(Type.String()),
  text: Nullable(Type.String()),
  data: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown())))
})
export type TimelineEntryDto = Static<typeof TimelineEntryDto>

export const IncidentDto = Type.Object({
  id: Type.String(),
  type: Type.String(),
  priority: literals(PRIORITIES),
  status: literals(INCIDENT_STATUSES),
  residentId: Nullable(Type.String()),
  residentName: Nullable(Type.String()),
  siteId: Type.String(),
  siteName: Nullable(Type.String()),
  areaId: Type.String(),
  areaName: Nullable(Type.String()),
  deviceId: Nullable(Type.String()),
  /** how many alarms this incident gathers */
  alarmCount: Type.Integer({ minimum: 1 }),
  openedAt: IsoTime,
  acknowledgedAt: Nullable(IsoTime),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(IsoTime),
  ackDueAt: Nullable(IsoTime),
  outcome: Nullable(Type.String()),
  updatedAt: IsoTime,
  /** Response engine (issue 5): dispatch and on-scene clocks, breaches, cancellation, responder. */
  dispatchedAt: Type.Optional(Nullable(IsoTime)),
  onSceneAt: Type.Optional(Nullable(IsoTime)),
  onSceneDueAt: Type.Optional(Nullable(IsoTime)),
  ackBreached: Type.Optional(Type.Boolean()),
  onSceneBreached: Type.Optional(Type.Boolean()),
  /** the person pressed "I'm OK" at the device; an operator still confirms before closing */
  cancelled: Type.Optional(Type.Boolean()),
  cancelledAt: Type.Optional(Nullable(IsoTime)),
  /** escalation steps run so far (skipped steps not counted) */
  escalationLevel: Type.Optional(Type.Integer({ minimum: 0 })),
  /** the responder currently offered, accepted or on scene */
  responder: Type.Optional(Nullable(Type.Object({ id: Type.String(), name: Type.String(), offerStatus: Type.String() }))),
  /** set on `incident:updated` when operators should be alerted again (sound) */
  reAlert: Type.Optional(Nullable(literals(['repeat', 'escalation'] as const)))
})
export type IncidentDto = Static<typeof IncidentDto>

export const IncidentDetailDto = Type.Object({ ...IncidentDto.properties, timeline: Type.Array(TimelineEntryDto) })
export type IncidentDetailDto = Static<typeof IncidentDetailDto>

/** `incident:escalated`: an escalation step ran (issue 5). */
export const IncidentEscalatedDto = Type.Object({
  incident: IncidentDto,
  /** realert_area | alert_supervisor | widen_parent | next_responder */
  action: Type.String(),
  /** 1-based number of the step */
  step: Type.Integer({ minimum: 1 }),
  /** the area whose centre is now asked (widen_parent), else the incident's area */
  areaId: Type.String()
})
export type IncidentEscalatedDto = Static<typeof IncidentEscalatedDto>

/** `device:status`: a device went on- or offline, or its battery changed. */
export const DeviceStatusDto = Type.Object({
  id: Type.String(),
  online: Type.Boolean(),
  /** percent */
  battery: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
  lastSeenAt: Nullable(IsoTime)
})
export type DeviceStatusDto = Static<typeof DeviceStatusDto>

/** A device as GET /api/devices reports it. */
export const DeviceDto = Type.Object({
  id: Type.String(),
  type: Type.String(),
  siteId: Type.String(),
  residentId: Nullable(Type.String()),
  parentId: Nullable(Type.String()),
  online: Type.Boolean(),
  lastSeenAt: Nullable(IsoTime),
  /** 0–100 %, or null when the device has not reported it. */
  battery: Nullable(Type.Number({ minimum: 0, maximum: 100 })),
  /** dBm */
  rssi: Nullable(Type.Number()),
  fw: Nullable(Type.String()),
  createdAt: Nullable(IsoTime)
})
export type DeviceDto = Static<typeof DeviceDto>

/** A resident's emergency contact; the phone is masked (`*******1234`) unless revealed. */
export const ResidentContactDto = Type.Object({
  name: Type.String(),
  phone: Type.String(),
  relation: Type.Optional(Type.String())
})
export type ResidentContactDto = Static<typeof ResidentContactDto>

/** A resident as GET /api/residents and GET /api/residents/:id report it (personal data masked). */
export const ResidentDto = Type.Object({
  id: Type.String(),
  name: Type.String(),
  siteId: Type.String(),
  siteName: Nullable(Type.String()),
  /** `YYYY-MM-DD` */
  birthDate: Nullable(IsoDate),
  phone: Nullable(Type.String()),
  /** GB/T 42195-2022 capacity level, 0 (intact) to 4 (complete loss). */
  capacityLevel: Nullable(Type.Integer({ minimum: 0, maximum: 4 })),
  livesAlone: Type.Boolean(),
  conditions: Type.Array(Type.String()),
  contacts: Type.Array(ResidentContactDto),
  medications: Type.Array(Type.String()),
  allergies: Type.Array(Type.String()),
  accessNotes: Nullable(Type.String()),
  /** Whether a key-safe code is stored (revealed only on request, audited). */
  hasKeySafeCode: Type.Boolean()
})
export type ResidentDto = Static<typeof ResidentDto>

export interface ApiErrorBody {
  error: { code: string, message: string, details?: unknown }
}

/** socket.io: events the server emits to operators (only for incidents inside their area). */
export interface ServerToClientEvents extends CallServerToClientEvents {
  'incident:opened': (incident: IncidentDto) => void
  'incident:updated': (incident: IncidentDto) => void
  'device:status': (status: DeviceStatusDto) => void
  /** an escalation step ran (issue 5): to the incident's area and above, or to a parent area's room when widened */
  'incident:escalated': (e: IncidentEscalatedDto) => void
}

/** socket.io: events an operator's client may send. */
export interface ClientToServerEvents extends CallClientToServerEvents {
  /** no client → server events yet; actions go through REST */
  ping: (cb: (at: string) => void) => void
}
