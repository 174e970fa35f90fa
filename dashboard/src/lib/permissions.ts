/**
 * What each role may see and do in the console, mirroring the platform's checks
 * (platform/src/routes/*.ts: `requireRole`). The server still decides; this only keeps
 * screens and buttons a role cannot use out of the way.
 */
import type { Role } from '@eldercare/protocols'

export const SCREENS = ['queue', 'devices', 'residents', 'visits', 'reports', 'admin'] as const
export type Screen = (typeof SCREENS)[number]

export type Capability =
  /** GET /api/incidents (queue, incident history) */
  | 'incident.read'
  /** acknowledge, note, resolve, close (POST /api/incidents/:id/…) */
  | 'incident.act'
  /** POST /api/devices/:id/commands, GET /api/commands/:id */
  | 'device.command'
  /** GET /api/residents/:id/vitals */
  | 'vitals.read'
  /** POST /api/residents/:id/reveal/:field (phones, key-safe code; audited) */
  | 'resident.reveal'
  /** POST /api/areas, /sites, /residents, /devices, /users */
  | 'registry.write'
  /** POST /api/visits/:id/record */
  | 'visit.record'
  /** POST /api/visits, /api/visits/plan-month */
  | 'visit.plan'
  /** GET/PUT /api/residents/:id/detection (alarm thresholds) */
  | 'detection.write'

const SCREENS_BY_ROLE: Record<Role, readonly Screen[]> = {
  operator: ['queue', 'devices', 'residents', 'visits'],
  // Supervisors reach the admin screen for what the API lets them change: duty and policy.
  supervisor: ['queue', 'devices', 'residents', 'visits', 'reports', 'admin'],
  admin: ['queue', 'devices', 'residents', 'visits', 'reports', 'admin'],
  // Auditors read incidents but act on nothing.
  auditor: ['queue', 'devices', 'residents', 'visits', 'reports'],
  // Responders work from the field app; the console has registry reads for them only.
  responder: ['devices', 'residents']
}

const CAPABILITIES_BY_ROLE: Record<Role, readonly Capability[]> = {
  operator: ['incident.read', 'vitals.read', 'incident.act', 'device.command', 'resident.reveal', 'visit.record'],
  supervisor: ['incident.read', 'vitals.read', 'incident.act', 'device.command', 'resident.reveal', 'visit.record', 'visit.plan', 'detection.write'],
  admin: ['incident.read', 'vitals.read', 'incident.act', 'device.command', 'resident.reveal', 'registry.write', 'visit.record', 'visit.plan', 'detection.write'],
  auditor: ['incident.read', 'vitals.read'],
  responder: []
}

export const ADMIN_SECTIONS = ['areas', 'sites', 'residents', 'devices', 'import', 'users', 'responders', 'policy'] as const
export type AdminSection = (typeof ADMIN_SECTIONS)[number]

/** The admin sections a role may open (responders: on-duty; policy: PUT /api/policies/response). */
export function adminSectionsFor (role: Role): readonly AdminSection[] {
  if (role === 'admin') return ADMIN_SECTIONS
  if (role === 'supervisor') return ['responders', 'policy']
  return []
}

export function screensFor (role: Role): readonly Screen[] {
  return SCREENS_BY_ROLE[role] ?? []
}

export function can (role: Role, capability: Capability): boolean {
  return (CAPABILITIES_BY_ROLE[role] ?? []).includes(capability)
}
