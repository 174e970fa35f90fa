/** Pure rules the resident screens use: age, search. */
import type { Resident } from '../../../lib/registry/resident.ts'

export type { Resident, ResidentContact } from '../../../lib/registry/resident.ts'

/** Whole years from `birthDate` (`YYYY-MM-DD`) to `now`, counted by the calendar; null when unknown. */
export function ageFrom (birthDate: string | null, now: Date = new Date()): number | null {
  const m = birthDate === null ? null : /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate)
  if (m === null) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  let age = now.getFullYear() - y
  if (now.getMonth() + 1 < mo || (now.getMonth() + 1 === mo && now.getDate() < d)) age--
  return age >= 0 ? age : null
}

/** Case-insensitive match on name, site, condition or the visible digits of a phone. */
export function matchesSearch (resident: Resident, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (q === '') return true
  const digits = q.replace(/\D/g, '')
  const hay = [resident.name, resident.siteName ?? '', ...resident.conditions].map((s) => s.toLowerCase())
  if (hay.some((s) => s.includes(q))) return true
  return digits.length >= 3 && [resident.phone, ...resident.contacts.map((c) => c.phone)].some((p) => p !== null && p.replace(/\D/g, '').includes(digits))
}
