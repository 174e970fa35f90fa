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
import { FAMILY_BED_TYPES, RESIDENT_STATUSES } from './supervision.ts'
import type { CallClientToServerEvents, CallServerToClientEvents } from './rtc.ts'

export const ROLES = ['operator', 'supervisor', 'admin', 'auditor', 'responder', 'assessor', 'integration'] as const
export type Role = (typeof ROLES)[number]

export const AREA_LEVELS = ['city', 'district', 'street', 'community'] as const
export type AreaLevel = (typeof AREA_LEVELS)[number]

/** home, institution, and the community facilities of the plans (issue 16): 日间照料中心, 社区养老服务站, 幸福院, 老年助餐点 */
export const SITE_KINDS = ['home', 'institution', 'day_care', 'service_station', 'happiness_home', 'meal_point'] as const
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

/** Where the person is (issue 15): WGS-84 degrees, accuracy in metres, when, and from what. */
export const PositionSourceDto = literals(['telemetry', 'event'] as const)
export const IncidentPositionDto = Type.Object({
  lat: Type.Number(),
  lng: Type.Number(),
  acc: Nullable(Type.Number()),
  at: IsoTime,
  source: PositionSourceDto
})
export type IncidentPositionDto = Static<typeof IncidentPositionDto>

/** GET /api/residents/:id/position */
export const ResidentPositionDto = Type.Object({ ...IncidentPositionDto.properties, deviceId: Type.String() })
export type ResidentPositionDto = Static<typeof ResidentPositionDto>

/** GET /api/residents/:id/track: the downsampled 24-hour track, oldest first. */
export const TrackDto = Type.Object({
  items: Type.Array(Type.Object({ lat: Type.Number(), lng: Type.Number(), acc: Nullable(Type.Number()), at: IsoTime }))
})
export type TrackDto = Static<typeof TrackDto>

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
  /**
   * the responder currently offered, accepted or on scene; `lat`/`lng` their registered base, and
   * `distanceM` (whole metres, straight line) from it to the incident's position when it has one,
   * else to the home (`distanceFrom`) — the same figure as the candidates list (issue 15)
   */
  responder: Type.Optional(Nullable(Type.Object({
    id: Type.String(),
    name: Type.String(),
    offerStatus: Type.String(),
    lat: Type.Optional(Nullable(Type.Number())),
    lng: Type.Optional(Nullable(Type.Number())),
    distanceM: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
    distanceFrom: Type.Optional(literals(['position', 'home'] as const))
  }))),
  /** where the person is: a position no older than 10 min when the incident opened, following fresher ones while open (issue 15) */
  position: Type.Optional(Nullable(IncidentPositionDto)),
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
  hasKeySafeCode: Type.Boolean(),
  /** The plans' groups recorded by hand (lives_alone, empty_nest, …; issue 16). */
  flags: Type.Optional(Type.Array(Type.String())),
  /** active | in_hospital | moved_out | deceased, since `statusSince` (issue 16). */
  status: Type.Optional(Type.String()),
  statusSince: Type.Optional(Nullable(IsoTime))
})
export type ResidentDto = Static<typeof ResidentDto>

// ── daily check-in (报平安, issue 17): the plan of one resident ─────────────────

/** HH:MM of a day in the service's time zone, 00:00–24:00. */
const DayTime = Type.String({ pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$', description: 'HH:MM in the service\'s time zone, e.g. 07:00' })

/** `PUT /api/residents/:id/daily-checkin`: create, change or disable (`enabled: false`) the plan. */
export const DailyCheckinPlanInput = Type.Object({
  windowStart: DayTime,
  windowEnd: Type.String({ ...DayTime, description: 'HH:MM, after windowStart, e.g. 10:00' }),
  escalateAfterMin: Type.Optional(Type.Integer({ minimum: 10, maximum: 1440, description: 'minutes after the window before an unresolved follow-up becomes an incident; default 120' })),
  enabled: Type.Optional(Type.Boolean({ description: 'false: no window, no follow-up, no incident until enabled again; default true' }))
}, { additionalProperties: false })
export type DailyCheckinPlanInput = Static<typeof DailyCheckinPlanInput>

/**
 * How a day ended: confirmed in the window, a follow-up task, reached by it, escalated to an
 * incident, or cancelled (its open follow-up ended without proof, e.g. the plan was disabled).
 */
export const DAILY_CHECKIN_STATUSES = ['confirmed', 'follow_up', 'reached', 'escalated', 'cancelled'] as const

export const DailyCheckinDayDto = Type.Object({
  /** the local date, YYYY-MM-DD */
  day: Type.String(),
  status: literals(DAILY_CHECKIN_STATUSES),
  confirmedAt: Nullable(IsoTime),
  /** what confirmed it: checkin | call | visit | phone */
  confirmedBy: Nullable(Type.String()),
  /** the follow-up visit task, when the window passed without word */
  visitId: Nullable(Type.String()),
  incidentId: Nullable(Type.String()),
  /** why a follow-up was ended without proof (`cancelled`): `plan_disabled` */
  closedReason: Nullable(Type.String())
})
export type DailyCheckinDayDto = Static<typeof DailyCheckinDayDto>

/** `GET` and `PUT /api/residents/:id/daily-checkin`: the plan, its time zone, the last 14 days. */
export const DailyCheckinPlanDto = Type.Object({
  residentId: Type.String(),
  windowStart: Type.String(),
  windowEnd: Type.String(),
  escalateAfterMin: Type.Integer(),
  enabled: Type.Boolean(),
  /** the service's time zone the window is in (TIME_ZONE) */
  timeZone: Type.String(),
  updatedBy: Nullable(Type.String()),
  updatedAt: Nullable(IsoTime),
  days: Type.Array(DailyCheckinDayDto)
})
export type DailyCheckinPlanDto = Static<typeof DailyCheckinPlanDto>

/** GET /api/residents/:id/status-history: the current status and every change, oldest first. */
export const StatusHistoryDto = Type.Object({
  status: literals(RESIDENT_STATUSES),
  statusSince: Nullable(IsoTime),
  items: Type.Array(Type.Object({ status: literals(RESIDENT_STATUSES), since: IsoTime, recordedBy: Nullable(Type.String()), reason: Nullable(Type.String()) }))
})
export type StatusHistoryDto = Static<typeof StatusHistoryDto>

/** PUT /api/residents/:id/status: `recorded` false when the same status from the same date was already recorded. */
export const StatusChangeDto = Type.Object({ status: literals(RESIDENT_STATUSES), statusSince: IsoTime, recorded: Type.Boolean() })
export type StatusChangeDto = Static<typeof StatusChangeDto>

/** What a visit's or an incident's outcome offers to record (`suggestedStatus`); the console asks before sending it. */
export const SuggestedStatusDto = Type.Object({ residentId: Type.Optional(Type.String()), status: literals(RESIDENT_STATUSES), statusSince: IsoTime })
export type SuggestedStatusDto = Static<typeof SuggestedStatusDto>

/** GET /api/integrations: an upper platform's read-only account (no secret, no token). */
export const IntegrationAccountDto = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  areaId: Type.String(),
  disabled: Type.Boolean(),
  revealNames: Type.Boolean(),
  webhookUrl: Nullable(Type.String()),
  createdAt: IsoTime
})
export type IntegrationAccountDto = Static<typeof IntegrationAccountDto>

/** POST /api/integrations → 201: the account and its API token, shown this once. */
export const CreatedIntegrationDto = Type.Object({
  id: Type.String(),
  username: Type.String(),
  name: Type.String(),
  areaId: Type.String(),
  revealNames: Type.Boolean(),
  webhookUrl: Nullable(Type.String()),
  token: Type.String({ minLength: 1 }),
  tokenExpiresAt: IsoTime
})
export type CreatedIntegrationDto = Static<typeof CreatedIntegrationDto>

/** An area of the caller's tree as GET /api/areas reports it (the platform answers with this schema). */
export const AreaDto = Type.Object({ id: Type.String(), name: Type.String(), level: Type.String(), parentId: Nullable(Type.String()), depth: Type.Integer() })
export type AreaDto = Static<typeof AreaDto>

/** WGS-84 coordinates of a site. */
export const SiteGeo = Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lng: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })
/** An institution's rooms and their beds. */
export const SiteRooms = Type.Array(Type.Object({
  room: Type.String({ minLength: 1, maxLength: 20 }),
  beds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { maxItems: 50 }))
}, { additionalProperties: false }), { maxItems: 2000 })
/** A home registered as a family care bed (家庭养老床位): its provider, bed type and dates (issue 16). */
export const FamilyBed = Type.Object({
  type: literals(FAMILY_BED_TYPES.map((b) => b.key)),
  provider: Type.String({ minLength: 1, maxLength: 100 }),
  since: IsoDate,
  until: Type.Optional(Type.Union([IsoDate, Type.Null()]))
}, { additionalProperties: false })
export const FamilyBedDto = FamilyBed
export type FamilyBedDto = Static<typeof FamilyBed>

/** A site as GET /api/sites reports it (the platform answers with this schema). */
export const SiteDto = Type.Object({
  id: Type.String(), name: Type.String(), kind: literals(SITE_KINDS), areaId: Type.String(), address: Nullable(Type.String()),
  geo: Nullable(SiteGeo), rooms: SiteRooms, familyBed: Nullable(FamilyBed)
})
export type SiteDto = Static<typeof SiteDto>

/** An operator account as GET /api/users reports it (the platform answers with this schema); the signed-in user is `UserDto`. */
export const AccountDto = Type.Object({
  id: Type.String(), username: Type.String(), role: literals(ROLES), areaId: Type.String(), areaName: Nullable(Type.String()),
  displayName: Nullable(Type.String()), disabled: Type.Boolean(), createdAt: Type.String()
})
export type AccountDto = Static<typeof AccountDto>

/** A responder (care worker, volunteer, family member, medical team) as GET /api/responders reports it; phones masked except for administrators. */
export const ResponderDto = Type.Object({
  id: Type.String(),
  name: Type.String(),
  /** care_worker | volunteer | family | medical */
  kind: Type.String(),
  areaId: Type.String(),
  areaName: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  onDuty: Type.Boolean(),
  busy: Type.Boolean(),
  lat: Type.Optional(Nullable(Type.Number())),
  lng: Type.Optional(Nullable(Type.Number()))
})
export type ResponderDto = Static<typeof ResponderDto>

/** A responder proposed for an incident (GET /api/incidents/:id/candidates), best first. */
export const CandidateDto = Type.Object({
  ...ResponderDto.properties,
  /** straight-line distance in metres to the person's position or home, when both have coordinates */
  distanceM: Nullable(Type.Number({ minimum: 0 })),
  distanceFrom: Type.Optional(literals(['position', 'home'] as const))
})
export type CandidateDto = Static<typeof CandidateDto>

/** A visit (探访关爱) as GET /api/visits and its siblings report it. */
export const VisitDto = Type.Object({
  id: Type.String(),
  residentId: Type.String(),
  residentName: Type.String(),
  areaId: Type.String(),
  areaName: Type.String(),
  /** a calendar day of the platform's TIME_ZONE */
  dueDate: IsoDate,
  status: literals(['planned', 'done', 'cancelled'] as const),
  visitor: Type.Object({ userId: Nullable(Type.String()), name: Nullable(Type.String()), phone: Nullable(Type.String()) }),
  visitedAt: Nullable(IsoTime),
  outcome: Nullable(literals(VISIT_OUTCOMES)),
  notes: Nullable(Type.String()),
  followUpNeeded: Nullable(Type.Boolean()),
  /** the visit_follow_up incident a recorded follow-up opened */
  incidentId: Nullable(Type.String())
})
export type VisitDto = Static<typeof VisitDto>

/** GET /api/visits/overdue: planned visits past their due date, and their count per community. */
export const OverdueVisitsDto = Type.Object({
  /** the platform's calendar day the answer counts from */
  today: IsoDate,
  items: Type.Array(VisitDto),
  byArea: Type.Array(Type.Object({ areaId: Type.String(), name: Type.String(), overdue: Type.Integer({ minimum: 0 }) }))
})
export type OverdueVisitsDto = Static<typeof OverdueVisitsDto>

const CoverageFigures = Type.Object({ flagged: Type.Integer({ minimum: 0 }), visited: Type.Integer({ minimum: 0 }), rate: Nullable(Type.Number({ minimum: 0 })) })
/** GET /api/visits/coverage: the share of flagged residents visited in a month, for the area and each child area. */
export const VisitCoverageDto = Type.Object({
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  areaId: Type.String(),
  /** 1 = 100 % */
  target: Type.Number(),
  total: CoverageFigures,
  areas: Type.Array(Type.Object({ ...CoverageFigures.properties, areaId: Type.String(), name: Type.String(), level: Type.String() }))
})
export type VisitCoverageDto = Static<typeof VisitCoverageDto>

const Count = Type.Integer({ minimum: 0 })
/** A welfare round (issue 17) as GET /api/welfare-rounds/:id reports it; the list leaves out byCommunity and unconfirmedResidents. */
export const WelfareRoundSummaryDto = Type.Object({
  id: Type.String(),
  areaId: Type.String(),
  message: Type.String(),
  deadline: IsoTime,
  onUnconfirmed: literals(['incident', 'visit'] as const),
  status: literals(['running', 'closed'] as const),
  startedBy: Nullable(Type.String()),
  startedAt: IsoTime,
  closedAt: Nullable(IsoTime),
  total: Count,
  confirmed: Count,
  unconfirmed: Count,
  byKind: Type.Object({ checkin: Count, call: Count, visit: Count, phone: Count }),
  /** the message: devices asked to speak it, and those that acknowledged */
  speak: Type.Object({ devices: Count, sent: Count, acked: Count }),
  /** what the deadline raised */
  incidents: Count,
  visitTasks: Count
})
export type WelfareRoundSummaryDto = Static<typeof WelfareRoundSummaryDto>
export const WelfareRoundDto = Type.Object({
  ...WelfareRoundSummaryDto.properties,
  byCommunity: Type.Array(Type.Object({ areaId: Type.String(), name: Type.String(), total: Count, confirmed: Count })),
  /** the residents not yet confirmed (all of them: nobody may be forgotten) */
  unconfirmedResidents: Type.Array(Type.Object({
    residentId: Type.String(), name: Type.String(), communityId: Type.String(), incidentId: Nullable(Type.String()), visitId: Nullable(Type.String())
  }))
})
export type WelfareRoundDto = Static<typeof WelfareRoundDto>

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

/** GET /api/wall: the control-room wall screen's figures for the caller's area (issue 15). */
export interface WallDto {
  at: string
  alarmsToday: number
  open: number
  breachesToday: number
  /** share (0–1) of today's incidents acknowledged within 60 s of opening; null when none */
  ackWithin60sShare: number | null
  devicesOnline: number
  devicesTotal: number
  /** share (0–1) of flagged residents visited this month; null when none are flagged */
  visitCoverageMonth: number | null
  latest: Array<{ at: string, incidentId: string, kind: string, type: string, priority: string, residentName: string | null }>
  /** where each active incident is drawn: its position, else the home */
  places: Array<{ incidentId: string, lat: number, lng: number }>
  /** the area's sites with coordinates (drawn as small dots) */
  sites: Array<{ id: string, lat: number, lng: number }>
}

// ── Supervision (issue 16): what the console's targets, visit-rules, statements and due-list screens read ──

/** GET/PUT /api/areas/:id/targets/:year: an area's targets for a year; null = no target set. Shares are 0–1. */
export const TargetsDto = Type.Object({
  year: Type.Integer(),
  familyBeds: Nullable(Type.Integer({ minimum: 0 })),
  visitCoverage: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  assessmentCoverage: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  ackWithin60s: Nullable(Type.Number({ minimum: 0, maximum: 1 }))
})
export type TargetsDto = Static<typeof TargetsDto>

/** GET /api/targets?areaId&year&depth: the targets of a year for an area and every area below it, in tree order (depth 0 = the area asked for). */
export const TargetsTreeDto = Type.Object({
  area: Type.Object({ id: Type.String(), name: Type.String() }),
  year: Type.Integer(),
  items: Type.Array(Type.Object({
    areaId: Type.String(),
    parentId: Nullable(Type.String()),
    name: Type.String(),
    level: Type.String(),
    depth: Type.Integer({ minimum: 0 }),
    targets: TargetsDto
  }))
})
export type TargetsTreeDto = Static<typeof TargetsTreeDto>

/** GET /api/reports/roster?areaId&groups&month: the residents in every group asked for, with family bed, visit of the month and latest assessment. */
export const RosterDto = Type.Object({
  area: Type.Object({ id: Type.String(), name: Type.String() }),
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  date: IsoDate,
  groups: Type.Array(Type.String()),
  count: Type.Integer({ minimum: 0 }),
  withFamilyBed: Type.Integer({ minimum: 0 }),
  visited: Type.Integer({ minimum: 0 }),
  items: Type.Array(Type.Object({
    id: Type.String(),
    name: Type.String(),
    areaId: Type.String(),
    areaName: Type.String(),
    groups: Type.Array(Type.String()),
    capacityLevel: Nullable(Type.Integer({ minimum: 0, maximum: 4 })),
    status: Type.String(),
    familyBed: Nullable(Type.Object({ type: Type.String(), provider: Nullable(Type.String()) })),
    visited: Type.Boolean(),
    lastVisitAt: Nullable(IsoTime),
    lastAssessment: Nullable(Type.Object({ id: Type.String(), assessedAt: IsoTime, assessorName: Type.String(), certificateNo: Nullable(Type.String()), level: Type.Integer({ minimum: 0, maximum: 4 }) }))
  }))
})
export type RosterDto = Static<typeof RosterDto>

/** GET/PUT /api/areas/:id/visit-rules: the rule in force and the area it comes from (null: the installation's defaults). */
export const VisitRulesDto = Type.Object({
  eligibleGroups: Type.Array(Type.String()),
  countingMethods: Type.Array(Type.String()),
  disabledFromLevel: Type.Integer({ minimum: 1, maximum: 4 }),
  /** a home visit is also required each calendar quarter (checked in the quarter's last month) */
  homeVisitEachQuarter: Type.Boolean(),
  fromAreaId: Nullable(Type.String())
})
export type VisitRulesDto = Static<typeof VisitRulesDto>

/** An item of GET /api/statements (and the answer of POST /api/statements, which adds `content`): one kept version. */
export const StatementSummaryDto = Type.Object({
  id: Type.String(),
  areaId: Type.String(),
  /** `YYYY-MM` */
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  version: Type.Integer({ minimum: 1 }),
  generatedAt: IsoTime,
  /** a username, or `system` for the monthly job */
  generatedBy: Type.String(),
  /** why it was regenerated; null for a first version */
  reason: Nullable(Type.String())
})
export type StatementSummaryDto = Static<typeof StatementSummaryDto>

/** An item of GET /api/assessments/due: a resident whose GB/T 42195-2022 reassessment is due or overdue (never assessed: overdue, dueAt null). */
export const AssessmentDueDto = Type.Object({
  residentId: Type.String(),
  name: Type.String(),
  /** the resident's own area (community) */
  areaId: Type.String(),
  lastAssessedAt: Nullable(IsoTime),
  level: Nullable(Type.Integer({ minimum: 0, maximum: 4 })),
  /** min(scheduledDueAt, the date of a change of condition since the latest assessment) */
  dueAt: Nullable(IsoTime),
  /** the date the latest assessment set for the next one */
  scheduledDueAt: Nullable(IsoTime),
  /** what made the resident due now (until a newer assessment): repeated falls/wandering, back from hospital, or marked with a reason */
  conditionChange: Nullable(Type.Object({
    at: IsoTime,
    kind: Type.Union([Type.Literal('repeated_care_risk_events'), Type.Literal('back_from_hospital'), Type.Literal('marked')]),
    reason: Type.String()
  })),
  /** the scheduled date has passed (never assessed: true); a change of condition alone makes it due, not overdue */
  overdue: Type.Boolean()
})
export type AssessmentDueDto = Static<typeof AssessmentDueDto>
