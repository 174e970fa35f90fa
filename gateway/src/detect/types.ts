/**
 * The vocabulary of detection: what a rule remembers (its state), what it is fed (samples), and
 * what it answers (a step: its new memory, and an alarm to raise or an episode to clear).
 * Rules are pure functions over these (rules/*.ts); the Detector applies their steps.
 */
import type { DerivedRule, DerivedSeverity, ReadingField } from '@eldercare/protocols'

/** One sample as the rules see it. */
export interface Sample { ts: number, fields: Partial<Record<ReadingField, number>> }

export interface ActiveEpisode {
  /** epoch ms the episode began; part of the inbox msg_id */
  start: number
  severity: DerivedSeverity
  deviceId: string
  /** last time the condition was seen again (repeats update this, not the inbox) */
  lastAt: number
  repeats: number
  details: Record<string, unknown>
}

/**
 * One (subject, rule) record: the active episode (one active alarm per resident — or device —
 * and rule at a time) and what the rule remembers between inputs.
 */
export interface RuleState<M = Record<string, any>> {
  active?: ActiveEpisode
  /** rule-specific memory (pending-since, latest readings, last activity, bed exit time) */
  mem: M
}

/** The condition holds: raise an alarm (or repeat the active one) at this severity. */
export interface Trigger {
  severity: DerivedSeverity
  /** epoch ms the condition was met (the episode start of a new alarm) */
  at: number
  /** the device the alarm names; default the device whose input was fed to the rule */
  deviceId?: string
  details: Record<string, unknown>
}

/**
 * What a rule answers to one input. `mem` is the rule's new memory (the same object when it did
 * not change); `raise` and `clear` are mutually exclusive.
 */
export interface RuleStep<M = Record<string, any>> {
  mem: M
  raise?: Trigger
  /** the condition ended at this epoch ms: the active episode clears */
  clear?: number
  /**
   * How soon the memory change must reach the database: 'now' (a pending condition began or
   * ended, an input the clock rules of another process need), 'memory' (kept in memory, written
   * at shutdown). Absent when the memory did not change.
   */
  save?: 'now' | 'memory'
}

/**
 * What a gateway feeds to a clock-driven rule from readings (last activity, bed occupancy): kept
 * in its own `input:<name>` record, because the process that runs the clock rules may not be the
 * one the device is connected to (lease.ts). `at` is the input's time: a newer one wins.
 */
export interface InputStep<I> {
  input: I
  /** 'now' when the process running the clock rules must see it; else 'memory' */
  save: 'now' | 'memory'
}

/** A derived alarm written to the inbox, as told to the gateway's `inbox` listeners. */
export interface DerivedNotice { deviceId: string, msgId: string, kind: 'derived', type: DerivedRule }
