/**
 * What each role may see and do in the console. What a role may DO is the platform's own
 * role → capability table (protocols/src/capabilities.ts), which the route guards check
 * (`app.requireCapability`), so buttons and the server cannot drift. Which screens a role
 * sees is the console's own choice, below. The server still decides.
 */
import { roleCan, type Capability, type Role } from '@eldercare/protocols'

export type { Capability }

export const SCREENS = ['queue', 'devices', 'residents', 'visits', 'reports', 'supervision', 'admin'] as const
export type Screen = (typeof SCREENS)[number]

const SCREENS_BY_ROLE: Record<Role, readonly Screen[]> = {
  // Operators reach the supervision screen for the reassessments due in their area (issue 16).
  operator: ['queue', 'devices', 'residents', 'visits', 'supervision'],
  // Supervisors reach the admin screen for what the API lets them change: duty and policy.
  supervisor: ['queue', 'devices', 'residents', 'visits', 'reports', 'supervision', 'admin'],
  admin: ['queue', 'devices', 'residents', 'visits', 'reports', 'supervision', 'admin'],
  // Auditors read incidents but act on nothing.
  auditor: ['queue', 'devices', 'residents', 'visits', 'reports', 'supervision'],
  // Responders work from the field app; the console has registry reads for them only.
  responder: ['devices', 'residents'],
  // Assessors find residents and record GB/T 42195-2022 assessments on their card.
  assessor: ['residents', 'supervision'],
  // Upper platforms read through the API only.
  integration: []
}

export const ADMIN_SECTIONS = ['areas', 'sites', 'residents', 'devices', 'import', 'users', 'responders', 'policy', 'integrations'] as const
export type AdminSection = (typeof ADMIN_SECTIONS)[number]

/** The capability each admin section needs (responders: on-duty; policy: PUT /api/policies/response). */
const SECTION_CAPABILITY: Record<AdminSection, Capability> = {
  areas: 'registry.write', sites: 'registry.write', residents: 'registry.write', devices: 'registry.write',
  import: 'registry.write', users: 'registry.write', responders: 'responder.duty', policy: 'policy.write',
  // upper platforms' accounts: the /api/integrations routes' guard
  integrations: 'registry.write'
}

/** The admin sections a role may open. */
export function adminSectionsFor (role: Role): readonly AdminSection[] {
  return ADMIN_SECTIONS.filter((s) => roleCan(role, SECTION_CAPABILITY[s]))
}

export const SUPERVISION_SECTIONS = ['targets', 'rules', 'statements', 'due', 'roster'] as const
export type SupervisionSection = (typeof SUPERVISION_SECTIONS)[number]

/** What each supervision section reads (issue 16): targets, rules and statements are statistics; the due list and the roster (names) are assessments. */
const SUPERVISION_CAPABILITY: Record<SupervisionSection, Capability> = {
  targets: 'statistics.read', rules: 'statistics.read', statements: 'statistics.read', due: 'assessment.read', roster: 'assessment.read'
}

/** The supervision sections a role may open (operators and assessors: the due list and the roster only). */
export function supervisionSectionsFor (role: Role): readonly SupervisionSection[] {
  return SUPERVISION_SECTIONS.filter((s) => roleCan(role, SUPERVISION_CAPABILITY[s]))
}

export function screensFor (role: Role): readonly Screen[] {
  return SCREENS_BY_ROLE[role] ?? []
}

export function can (role: Role, capability: Capability): boolean {
  return roleCan(role, capability)
}
