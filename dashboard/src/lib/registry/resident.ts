/** The resident as GET /api/residents reports it (phones masked), and the guard that admits it. */

export interface ResidentContact {
  name: string
  /** Masked by the platform (`*******1234`) unless a server reveals it. */
  phone: string
  relation?: string
}

export interface Resident {
  id: string
  name: string
  siteId: string
  siteName: string | null
  /** `YYYY-MM-DD` */
  birthDate: string | null
  phone: string | null
  /** GB/T 42195-2022 capacity level, 0 (intact) to 4 (complete loss). */
  capacityLevel: number | null
  livesAlone: boolean
  conditions: string[]
  contacts: ResidentContact[]
  /** Issue 6 fields; empty or null from platforms that do not have them. */
  medications: string[]
  allergies: string[]
  accessNotes: string | null
  /** Whether a key-safe code is stored (revealed only on request, audited). */
  hasKeySafeCode: boolean
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((c): c is string => typeof c === 'string') : [])

export function toResident (value: unknown): Resident | null {
  const v = value as Record<string, unknown> | null
  if (typeof v?.id !== 'string' || typeof v.name !== 'string') return null
  const level = typeof v.capacityLevel === 'number' && Number.isInteger(v.capacityLevel) && v.capacityLevel >= 0 && v.capacityLevel <= 4 ? v.capacityLevel : null
  return {
    id: v.id,
    name: v.name,
    siteId: str(v.siteId) ?? '',
    siteName: str(v.siteName),
    birthDate: str(v.birthDate),
    phone: str(v.phone),
    capacityLevel: level,
    livesAlone: v.livesAlone === true,
    conditions: strings(v.conditions),
    medications: strings(v.medications),
    allergies: strings(v.allergies),
    accessNotes: str(v.accessNotes),
    hasKeySafeCode: v.hasKeySafeCode === true,
    contacts: Array.isArray(v.contacts)
      ? v.contacts.filter((c): c is ResidentContact => typeof (c as ResidentContact)?.name === 'string' && typeof (c as ResidentContact).phone === 'string')
      : []
  }
}

