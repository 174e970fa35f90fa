/**
 * Checks the shape of incidents arriving from the network. Types are not validation: a malformed
 * event must be dropped (and logged), not crash the operator's screen.
 */
import { INCIDENT_STATUSES, PRIORITIES, type IncidentDto } from '@eldercare/protocols'

const isString = (v: unknown): v is string => typeof v === 'string'
const isStringOrNull = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string'

export function isIncidentDto (value: unknown): value is IncidentDto {
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return isString(v.id) && isString(v.type) &&
    (PRIORITIES as readonly unknown[]).includes(v.priority) &&
    (INCIDENT_STATUSES as readonly unknown[]).includes(v.status) &&
    isString(v.openedAt) && !Number.isNaN(Date.parse(v.openedAt)) &&
    isStringOrNull(v.ackDueAt) && isStringOrNull(v.residentName) && isStringOrNull(v.siteName) && isStringOrNull(v.areaName)
}

/** Fills optional fields an older or leaner server may leave out, so components can rely on them. */
export function normaliseIncident (incident: IncidentDto): IncidentDto {
  return {
    ...incident,
    residentId: incident.residentId ?? null,
    residentName: incident.residentName ?? null,
    siteName: incident.siteName ?? null,
    areaName: incident.areaName ?? null,
    deviceId: incident.deviceId ?? null,
    alarmCount: incident.alarmCount ?? 1,
    acknowledgedAt: incident.acknowledgedAt ?? null,
    acknowledgedBy: incident.acknowledgedBy ?? null,
    resolvedAt: incident.resolvedAt ?? null,
    ackDueAt: incident.ackDueAt ?? null,
    outcome: incident.outcome ?? null,
    updatedAt: incident.updatedAt ?? incident.acknowledgedAt ?? incident.openedAt
  }
}

/** Keeps the well-formed incidents of a list, logging what it drops. */
export function validIncidents (items: unknown): IncidentDto[] {
  if (!Array.isArray(items)) return []
  const valid: IncidentDto[] = []
  for (const item of items) {
    if (isIncidentDto(item)) valid.push(normaliseIncident(item))
    else console.warn('dashboard: dropped a malformed incident', item)
  }
  return valid
}
