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
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)

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
    conditions: Array.isArray(v.conditions) ? v.conditions.filter((c): c is string => typeof c === 'string') : [],
    contacts: Array.isArray(v.contacts)
      ? v.contacts.filter((c): c is ResidentContact => typeof (c as ResidentContact)?.name === 'string' && typeof (c as ResidentContact).phone === 'string')
      : []
  }
}

