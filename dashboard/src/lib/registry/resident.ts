/**
 * The resident as GET /api/residents reports it (`ResidentDto` in protocols/src/dto.ts: phones
 * masked), and the check that admits one.
 */
import { isResidentDto, RECORDED_GROUPS, RESIDENT_GROUPS, type ResidentContactDto, type ResidentDto } from '@eldercare/protocols'

export type ResidentContact = ResidentContactDto
export type Resident = ResidentDto

/** The resident when `value` keeps the contract, else null (logged). */
export function toResident (value: unknown): Resident | null {
  if (isResidentDto(value)) return value
  console.warn(`dashboard: dropped a malformed resident (${isResidentDto.problem(value) ?? ''})`, value)
  return null
}

/** The groups recorded by hand (each its own flag, not merged), in the plans' order; 失能 follows the assessment. */
export const GROUP_CHOICES = RESIDENT_GROUPS.filter((g) => (RECORDED_GROUPS as readonly string[]).includes(g.key))
