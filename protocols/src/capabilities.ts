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
  /** GET /api/residents/:id/vitals, /position, /track, /safe-zone */
  'vitals.read',
  /** POST /api/residents/:id/reveal/:field (phones, key-safe code; audited) */
  'resident.reveal',
  /** GET /api/areas, /sites, /residents, /devices, /visits (the caller's area subtree); GET /api/map (tile settings) */
  'registry.read',
  /** POST/PATCH/DELETE /api/areas, /sites, /residents, /devices, /users, /responders, /observers; CSV import */
  'registry.write',
  /** GET /api/users (accounts list) */
  'user.read',
  /** POST /api/visits/:id/record */
  'visit.record',
  /** POST /api/visits, /api/visits/plan-month, /api/visits/:id/cancel */
  'visit.plan',
  /** GET/PUT /api/residents/:id/detection (alarm thresholds); PUT/DELETE /api/residents/:id/safe-zone */
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
  'checkin.plan',
  /** GET /api/assessment-form, /api/residents/:id/assessments, /status-history, /api/assessments/:id/pdf, /api/assessments/due */
  'assessment.read',
  /** POST /api/residents/:id/assessments (GB/T 42195-2022 capacity assessment) */
  'assessment.record',
  /** POST /api/residents/:id/condition-changes (mark "condition changed" with a reason: the reassessment is due now; audited) */
  'condition.mark',
  /** PUT /api/residents/:id/capacity-level (manual override with a reason, audited) */
  'capacity.override',
  /** PUT /api/residents/:id/status (active, in hospital, moved out, deceased, with the date) */
  'resident.status',
  /** PUT /api/areas/:id/visit-rules, PUT /api/areas/:id/targets/:year */
  'target.write',
  /** POST /api/statements (generate or, with a reason, regenerate a month's statement) */
  'statement.generate',
  /** GET /api/reports/population[.csv], /api/reports/visit-coverage, /api/statements[/:id[/csv|/pdf]], GET targets and visit rules */
  'statistics.read'
] as const
export type Capability = (typeof CAPABILITIES)[number]

const READ: readonly Capability[] = ['incident.read', 'vitals.read', 'registry.read', 'responder.read', 'policy.read', 'call.read', 'welfare.read', 'assessment.read']
const ACT: readonly Capability[] = ['incident.act', 'device.command', 'resident.reveal', 'visit.record', 'call.make', 'checkin.plan', 'resident.status', 'condition.mark']
const SUPERVISE: readonly Capability[] = ['statistics.read', 'assessment.record', 'capacity.override', 'statement.generate']

export const CAPABILITIES_BY_ROLE: Readonly<Record<Role, readonly Capability[]>> = {
  operator: [...READ, ...ACT],
  supervisor: [...READ, ...ACT, ...SUPERVISE, 'visit.plan', 'detection.write', 'report.read', 'responder.duty', 'policy.write', 'call.settings', 'welfare.start'],
  admin: [...READ, ...ACT, ...SUPERVISE, 'visit.plan', 'detection.write', 'report.read', 'responder.duty', 'policy.write', 'call.settings', 'welfare.start', 'registry.write', 'user.read', 'audit.read', 'target.write'],
  // Auditors read everything and act on nothing.
  auditor: [...READ, 'report.read', 'user.read', 'audit.read', 'statistics.read'],
  // Responders work from their signed links (the responder page), not the API.
  responder: [],
  // GB/T 42195-2022 assessors: read the registry, record assessments (issue 16).
  assessor: ['registry.read', 'assessment.read', 'assessment.record', 'condition.mark'],
  // An upper-level platform's account: read-only statistics and statements of its subtree (issue 16).
  integration: ['statistics.read']
}

export function roleCan (role: Role, capability: Capability): boolean {
  return (CAPABILITIES_BY_ROLE[role] ?? []).includes(capability)
}

/** The roles holding a capability, e.g. for an error message. */
export function rolesWith (capability: Capability): Role[] {
  return (Object.keys(CAPABILITIES_BY_ROLE) as Role[]).filter((r) => roleCan(r, capability))
}
