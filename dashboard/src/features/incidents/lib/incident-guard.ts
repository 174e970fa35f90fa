/**
 * Incidents arriving from the network are checked against the contract's schema
 * (`isIncidentDto`, protocols/src/dto-check.ts). Types are not validation: a malformed incident
 * must be dropped (and logged), not crash the operator's screen.
 */
import { isIncidentDto, type IncidentDto } from '@eldercare/protocols'

/** Logs an incident that breaks the contract, with the first way it does. */
export function dropMalformedIncident (what: string, value: unknown): void {
  console.warn(`dashboard: dropped a malformed ${what} (${isIncidentDto.problem(value) ?? 'not an incident'})`, value)
}

/** Keeps the well-formed incidents of a list, logging what it drops. */
export function validIncidents (items: unknown): IncidentDto[] {
  if (!Array.isArray(items)) return []
  const valid: IncidentDto[] = []
  for (const item of items) {
    if (isIncidentDto(item)) valid.push(item)
    else dropMalformedIncident('incident', item)
  }
  return valid
}
