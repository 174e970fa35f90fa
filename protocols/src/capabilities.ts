/**
 * Who may do what: the one role → capability table. The platform's route guards
 * (`app.requireCapability('incident.act')`) and the console's buttons and admin sections
 * (dashboard/src/lib/permissions.ts) both read it, so they cannot drift apart. A capability
 * names a group of routes (listed beside each below); a platform test checks every guarded
 * route against this table.
 */
import type { Role } from './dto.ts'

export const CAPABILITIES = [
  /** GET /api/incidents[/:id], /candidates, /offers (queue, incident history) */
  'incident.read',
  /** acknowledge, note, resolve, close, dispatch, decline, arrive, intercom (POST /api/incidents/:id/…) */
  'incident.act',
  /** POST /api/devices/:id/commands, GET /api/commands/:id */
  'device.command',
  /** GET /api/residents/:id/vitals */
  'vitals.read',
  /** POST /api/residents/:id/reveal/:field (phones, key-safe code; audited) */
  'resident.reveal',
  /** GET /api/areas, /sites, /residents, /devices, /visits (the caller's area subtree) */
  'registry.read',
  /** POST/PATCH/DELETE /api/areas, /sites, /residents, /devices, /users, /responders, /observers; CSV import */
  'registry.write',
  /** GET /api/users (accounts list) */
  'user.read',
  /** POST /api/visits/:id/record */
  'visit.record',
  /** POST /api/visits, /api/visits/plan-month, /api/visits/:id/cancel */
  'visit.plan',
  /** GET/PUT /api/residents/:id/detection (alarm thresholds) */
  'detection.write',
  /** GET /api/reports/… */
  'report.read',
  /** GET /api/audit */
  'audit.read',
  /** GET /api/responders[/:id] */
  'responder.read',
  /** PATCH /api/responders/:id (on duty, off duty) */
  'responder.duty',
  /** GET /api/policies/response */
  'policy.read',
  /** PUT/DELETE /api/policies/response */
  'policy.write',
  /** GET /api/calls/:id, /api/residents/:id/calls, /call-settings (care calls' record) */
  'call.read',
  /** POST /api/residents/:id/calls, /api/incidents/:id/call, /api/calls/:id/… (video calls with intercoms) */
  'call.make',
  /** PUT /api/residents/:id/call-settings (auto-answer for residents who cannot press a button) */
  'call.settings',
  /** GET /api/welfare-rounds[/:id], /api/residents/:id/daily-checkin */
  'welfare.read',
  /** POST /api/welfare-rounds (a round over an area subtree) */
  'welfare.start',
  /** PUT /api/residents/:id/daily-checkin (报平安 plan) */
  'checkin.plan'
] as const
export type Capability = (typeof CAPABILITIES)[number]

const READ: readonly Capability[] = ['incident.read', 'vitals.read', 'registry.read', 'responder.read', 'policy.read', 'call.read', 'welfare.read']
const ACT: readonly Capability[] = ['incident.act', 'device.command', 'resident.reveal', 'visit.record', 'call.make', 'checkin.plan']

export const CAPABILITIES_BY_ROLE: Readonly<Record<Role, readonly Capability[]>> = {
  operator: [...READ, ...ACT],
  supervisor: [...READ, ...ACT, 'visit.plan', 'detection.write', 'report.read', 'responder.duty', 'policy.write', 'call.settings', 'welfare.start'],
  admin: [...READ, ...ACT, 'visit.plan', 'detection.write', 'report.read', 'responder.duty', 'policy.write', 'call.settings', 'welfare.start', 'registry.write', 'user.read', 'audit.read'],
  // Auditors read everything and act on nothing.
  auditor: [...READ, 'report.read', 'user.read', 'audit.read'],
  // Responders work from their signed links (the responder page), not the API.
  responder: []
}

export function roleCan (role: Role, capability: Capability): boolean {
  return (CAPABILITIES_BY_ROLE[role] ?? []).includes(capability)
}

/** The roles holding a capability, e.g. for an error message. */
export function rolesWith (capability: Capability): Role[] {
  return (Object.keys(CAPABILITIES_BY_ROLE) as Role[]).filter((r) => roleCan(r, capability))
}
