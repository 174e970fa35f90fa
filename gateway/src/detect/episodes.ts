/**
 * One active alarm per subject and rule (docs/readings.md): a repeat at the same or lower
 * severity updates the episode; a first trigger, or a rise in severity, starts a new one — and
 * only that is a new inbox row. Pure: state and trigger in, state and what changed out.
 */
import type { DerivedSeverity } from '@eldercare/protocols'
import type { ActiveEpisode, RuleState, Trigger } from './types.ts'

const RANK: Record<DerivedSeverity, number> = { low: 0, medium: 1, high: 2 }

export type TriggerOutcome =
  /** a new episode (or a rise in severity, recorded from the time it rose): write an inbox row */
  | { kind: 'new', state: RuleState, episode: ActiveEpisode, prev: ActiveEpisode | undefined }
  /** the active episode seen again: nothing to write to the inbox */
  | { kind: 'repeat', state: RuleState }

export function applyTrigger (st: RuleState, t: Trigger & { deviceId: string }): TriggerOutcome {
  const prev = st.active
  if (prev && RANK[t.severity] <= RANK[prev.severity]) {
    const active = { ...prev, lastAt: Math.max(prev.lastAt, t.at), repeats: prev.repeats + 1, details: t.details }
    return { kind: 'repeat', state: { ...st, active } }
  }
  const episode: ActiveEpisode = { start: t.at, severity: t.severity, deviceId: t.deviceId, lastAt: t.at, repeats: 0, details: t.details }
  return { kind: 'new', state: { ...st, active: episode }, episode, prev }
}

/** The inbox msg_id of an episode: re-raising the same episode (e.g. after a restart) is idempotent. */
export function episodeMsgId (rule: string, subject: string, start: number): string {
  return `derived:${rule}:${subject}:${start}`
}
