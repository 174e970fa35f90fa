/**
 * The live queue as pure functions: ordering, and folding REST snapshots and socket events into
 * one map without ever letting an older copy of an incident replace a newer one.
 */
import { isActive, PRIORITIES, type IncidentDto, type IncidentStatus, type Priority } from '@eldercare/protocols'

export type IncidentMap = ReadonlyMap<string, IncidentDto>

const priorityRank = new Map<string, number>(PRIORITIES.map((p, i) => [p, i]))

/** Most urgent first: P1 before P4, then the longest-waiting first; id keeps the order stable. */
export function compareQueue (a: IncidentDto, b: IncidentDto): number {
  return (priorityRank.get(a.priority) ?? PRIORITIES.length) - (priorityRank.get(b.priority) ?? PRIORITIES.length) ||
    Date.parse(a.openedAt) - Date.parse(b.openedAt) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function sortQueue (incidents: Iterable<IncidentDto>): IncidentDto[] {
  return [...incidents].sort(compareQueue)
}

/** True when `incoming` is not older than `current` (by `updatedAt`); equal counts as fresh. */
function isFresh (current: IncidentDto | undefined, incoming: IncidentDto): boolean {
  if (current === undefined) return true
  const was = Date.parse(current.updatedAt)
  const now = Date.parse(incoming.updatedAt)
  return Number.isNaN(was) || Number.isNaN(now) || now >= was
}

/**
 * Applies one incident as the socket or an action reported it: added or replaced while active,
 * dropped once resolved or closed. Returns the same map when nothing changed.
 */
export function applyIncident (queue: IncidentMap, incident: IncidentDto): IncidentMap {
  const current = queue.get(incident.id)
  if (!isFresh(current, incident)) return queue
  if (!isActive(incident.status)) {
    if (current === undefined) return queue
    const next = new Map(queue)
    next.delete(incident.id)
    return next
  }
  return new Map(queue).set(incident.id, incident)
}

/** A fresh REST snapshot of the active incidents becomes the queue. */
export function queueFromSnapshot (items: readonly IncidentDto[]): IncidentMap {
  return new Map(items.filter((i) => isActive(i.status)).map((i) => [i.id, i]))
}

/** What the operator narrowed the queue to; `all` lets everything through. */
export interface QueueFilter {
  priority: Priority | 'all'
  status: IncidentStatus | 'all'
  /** An area id as the incidents carry it (`areaId`: the site's community). */
  areaId: string
}

export const NO_QUEUE_FILTER: QueueFilter = { priority: 'all', status: 'all', areaId: 'all' }

export function isFiltered (filter: QueueFilter): boolean {
  return filter.priority !== 'all' || filter.status !== 'all' || filter.areaId !== 'all'
}

/** Keeps the queue's order; returns the same array when nothing is filtered. */
export function filterQueue (incidents: IncidentDto[], filter: QueueFilter): IncidentDto[] {
  if (!isFiltered(filter)) return incidents
  return incidents.filter((i) =>
    (filter.priority === 'all' || i.priority === filter.priority) &&
    (filter.status === 'all' || i.status === filter.status) &&
    (filter.areaId === 'all' || i.areaId === filter.areaId))
}

/** The areas present in the queue, named, sorted by name, for the area filter. */
export function queueAreas (incidents: Iterable<IncidentDto>): Array<{ id: string, name: string }> {
  const names = new Map<string, string>()
  for (const i of incidents) if (!names.has(i.areaId)) names.set(i.areaId, i.areaName ?? i.areaId)
  return [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}
