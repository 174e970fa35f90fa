/**
 * Incidents arriving from the network are checked against the contract's schema
 * (`isIncidentDto`, protocols/src/dto-check.ts). Types are not validation: a malformed incident
 * must be dropped (and logged), not crash the operator's screen.
 */
import { isIncidentDto, type IncidentDto } from '@eldercare/protocols'
import { validItems } from '../../../lib/dto.ts'

/** Logs an incident that breaks the contract, with the first way it does. */
export function dropMalformedIncident (what: string, value: unknown): void {
  console.warn(`dashboard: dropped a malformed ${what} (${isIncidentDto.problem(value) ?? 'not an incident'})`, value)
}

/** Keeps the well-formed incidents of a list, logging what it drops. */
export function validIncidents (items: unknown): IncidentDto[] {
  return Array.isArray(items) ? validItems(items, isIncidentDto, 'incident') : []
}
