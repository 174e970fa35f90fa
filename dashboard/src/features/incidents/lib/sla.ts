/** The acknowledgement clock: how long is left (or how long overdue) until `ackDueAt`. */
import type { IncidentDto } from '@eldercare/protocols'

export type SlaState =
  | { kind: 'none' }
  | { kind: 'running', remainingMs: number }
  | { kind: 'overdue', overdueMs: number }

/** The clock runs only while an incident waits to be acknowledged and has a deadline. */
export function slaState (incident: Pick<IncidentDto, 'status' | 'ackDueAt'>, nowMs: number): SlaState {
  if (incident.status !== 'open' || incident.ackDueAt === null) return { kind: 'none' }
  const due = Date.parse(incident.ackDueAt)
  if (Number.isNaN(due)) return { kind: 'none' }
  const remainingMs = due - nowMs
  return remainingMs > 0 ? { kind: 'running', remainingMs } : { kind: 'overdue', overdueMs: -remainingMs }
}

const pad = (n: number): string => String(n).padStart(2, '0')

/**
 * `mm:ss`, or `h:mm:ss` from an hour up (P4 deadlines are a day). Remaining time rounds up, so
 * "00:00" never shows while time is left; overdue time rounds down.
 */
export function formatDuration (ms: number, round: 'up' | 'down' = 'down'): string {
  const totalS = Math.max(0, round === 'up' ? Math.ceil(ms / 1000) : Math.floor(ms / 1000))
  const h = Math.floor(totalS / 3600)
  const m = Math.floor((totalS % 3600) / 60)
  const s = totalS % 60
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`
}
