/**
 * Operator-facing shapes: REST bodies and the socket.io event maps
 * (`shared/design/operator-api.md`). Types only; the platform validates inbound bodies.
 */
import type { IncidentStatus, Priority } from './incident.ts'
import type { CallClientToServerEvents, CallServerToClientEvents } from './rtc.ts'

export const ROLES = ['operator', 'supervisor', 'admin', 'auditor', 'responder'] as const
export type Role = (typeof ROLES)[number]

export const AREA_LEVELS = ['city', 'district', 'street', 'community'] as const
export type AreaLevel = (typeof AREA_LEVELS)[number]

export const SITE_KINDS = ['home', 'institution'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

export interface UserDto {
  id: string
  username: string
  role: Role
  areaId: string
  displayName?: string | null
}

export interface LoginResponse {
  token: string
  /** ISO time the token stops working. */
  expiresAt: string
  user: UserDto
}

export interface TimelineEntryDto {
  at: string
  kind: string
  /** username of the operator, or null for the system/device */
  actor: string | null
  text: string | null
  data?: Record<string, unknown> | null
}

export interface IncidentDto {
  id: string
  type: string
  priority: Priority
  status: IncidentStatus
  residentId: string | null
  residentName: string | null
  siteId: string
  siteName: string | null
  areaId: string
  areaName: string | null
  deviceId: string | null
  /** how many alarms this incident gathers */
  alarmCount: number
  openedAt: string
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  resolvedAt: string | null
  ackDueAt: string | null
  outcome: string | null
  updatedAt: string
  /** Response engine (issue 5): dispatch and on-scene clocks, breaches, cancellation, responder. */
  dispatchedAt?: string | null
  onSceneAt?: string | null
  onSceneDueAt?: string | null
  ackBreached?: boolean
  onSceneBreached?: boolean
  /** the person pressed "I'm OK" at the device; an operator still confirms before closing */
  cancelled?: boolean
  cancelledAt?: string | null
  /** escalation steps run so far (skipped steps not counted) */
  escalationLevel?: number
  /** the responder currently offered, accepted or on scene */
  responder?: { id: string, name: string, offerStatus: string } | null
  /** set on `incident:updated` when operators should be alerted again (sound) */
  reAlert?: 'repeat' | 'escalation' | null
}

export interface IncidentDetailDto extends IncidentDto {
  timeline: TimelineEntryDto[]
}

export interface DeviceStatusDto {
  id: string
  online: boolean
  battery: number | null
  lastSeenAt: string | null
}

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

export interface IncidentEscalatedDto {
  incident: IncidentDto
  /** realert_area | alert_supervisor | widen_parent | next_responder */
  action: string
  /** 1-based number of the step */
  step: number
  /** the area whose centre is now asked (widen_parent), else the incident's area */
  areaId: string
}

/** socket.io: events an operator's client may send. */
export interface ClientToServerEvents extends CallClientToServerEvents {
  /** no client → server events yet; actions go through REST */
  ping: (cb: (at: string) => void) => void
}
