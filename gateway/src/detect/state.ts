/**
 * The detection rules' memory, one record per (subject, rule): the active episode (one active
 * alarm per resident — or device — and rule at a time) and what the rule remembers between
 * inputs. Kept in memory, loaded at start, and written to `detection_state` **when it changes**
 * (#11), not for every reading:
 *
 * - 'now' — an episode starts, escalates or clears, a pending condition begins or ends, an input
 *   the clock rules need moves on (bed occupancy, activity by ≥ a minute): written within
 *   `flushDelayMs`, in batches, and before every tick;
 * - 'memory' — everything else (a repeat of an active episode, the latest NEWS2 inputs, a
 *   threshold's last reading): kept in memory and written at shutdown.
 *
 * Rows named `input:<name>` (last activity, bed occupancy) are inputs that every gateway writes
 * for the one process that runs the clock rules (lease.ts): a write replaces the row only when it
 * is newer (`mem.at`), so gateways never overwrite each other's later input.
 */
import type { Logger } from 'pino'
import { jsonColumn } from '@eldercare/common'
import type { Sql } from '../store.ts'
import type { RuleState } from './types.ts'
import { readInKeyOrder } from './reads.ts'

export type { ActiveEpisode, RuleState } from './types.ts'

export type SaveWhen = 'now' | 'memory'

/**
 * Rows per statement, and per slice of event-loop time. On PGlite, where statements run one at a
 * time and an alarm's waits for the one running, 500 rows took p50 7–12 ms a statement and 100
 * rows 1.5–2.1 ms, the whole flush ~15 % more (10,000 residents' activity input and one threshold
 * rule each, measured from the main thread; eighteenth session). A city's 10,000 residents write
 * ~7,750 records before each clock tick (tests/bench/bench-detection-state.ts).
 */
export const DETECTION_STATE_ROWS_PER_STATEMENT = 100

interface StateRow extends Record<string, unknown> { subject: string, rule: string, state: RuleState | string }

const STATE_READ = { select: 'select subject, rule, state from detection_state', key: [{ column: 'subject', field: 'subject' }, { column: 'rule', field: 'rule' }] }

export interface DetectionStateOptions {
  /** This process, recorded with each row it writes (`written_by`). */
  writer?: string
  /** Longest a change waits before it is written, in ms. Default 1000; 0 = only on flush(). */
  flushDelayMs?: number
}

export interface DetectionStateStats {
  /** rows written to detection_state */
  rowsWritten: number
  /** write statements */
  writes: number
}

export class DetectionStateStore {
  /** rule → subject → state */
  private readonly byRule = new Map<string, Map<string, RuleState>>()
  private readonly changed = new Map<string, Set<string>>()
  private readonly memoryOnly = new Map<string, Set<string>>()
  private timer?: NodeJS.Timeout
  private writing: Promise<void> = Promise.resolve()
  readonly stats: DetectionStateStats = { rowsWritten: 0, writes: 0 }

  constructor (private readonly sql: Sql, private readonly log: Logger, private readonly now: () => number, private readonly opts: DetectionStateOptions = {}) {}

  /** Loads every record (at start). */
  load (): Promise<number> {
    return this.readPages((r) => this.map(r.rule).set(r.subject, jsonColumn<RuleState>(r.state)))
  }

  /**
   * Every record, a page a statement in the primary key's order (./reads.ts, where the figures
   * are). No rule in the statement: as an index condition or as an expression, it made PGlite,
   * unanalyzed, sort the whole table for every page (eighteenth and nineteenth sessions). A caller
   * wanting some rules drops the others' rows.
   */
  private readPages (each: (row: StateRow) => void): Promise<number> {
    return readInKeyOrder<StateRow>(this.sql, STATE_READ, each)
  }

  /**
   * Re-reads records of these rules that other processes may have written: inputs (`input:*`)
   * are kept when newer than the one in memory; other rules' records replace the one in memory
   * unless it has a change not yet written. `sinceMs` limits the read to rows updated since.
   */
  async reload (rules: string[], sinceMs?: number): Promise<number> {
    const take = (r: StateRow): void => {
      const mine = this.byRule.get(r.rule)?.get(r.subject)
      const theirs = jsonColumn<RuleState>(r.state)
      if (r.rule.startsWith('input:')) {
        if (!mine || (theirs.mem.at ?? 0) > (mine.mem.at ?? 0)) this.map(r.rule).set(r.subject, theirs)
      } else if (!this.changed.get(r.rule)?.has(r.subject) && !this.memoryOnly.get(r.rule)?.has(r.subject)) {
        this.map(r.rule).set(r.subject, theirs)
      }
    }
    if (sinceMs === undefined) {
      const wanted = new Set(rules)
      let n = 0
      await this.readPages((r) => { if (wanted.has(r.rule)) { take(r); n++ } })
      return n
    }
    // an incremental read (the rows updated since) skips this process's own rows: it has them in memory
    const { rows } = await this.sql.query<StateRow>(
      'select subject, rule, state from detection_state where rule = any($1::text[]) and updated_at >= $2 and written_by is distinct from $3',
      [rules, new Date(sinceMs), this.opts.writer ?? null])
    for (const r of rows) take(r)
    return rows.length
  }

  /**
   * Re-reads the records of these subjects and rules (a device that comes back from another
   * gateway): the database's replace the ones in memory, except a change not yet written.
   */
  async reloadSubjects (subjects: string[], rules: string[]): Promise<number> {
    const { rows } = await this.sql.query<StateRow>(
      'select subject, rule, state from detection_state where subject = any($1::text[]) and rule = any($2::text[])', [subjects, rules])
    for (const r of rows) {
      if (this.changed.get(r.rule)?.has(r.subject)) continue
      this.memoryOnly.get(r.rule)?.delete(r.subject)
      this.map(r.rule).set(r.subject, jsonColumn<RuleState>(r.state))
    }
    return rows.length
  }

  get (subject: string, rule: string): RuleState {
    const m = this.map(rule)
    let s = m.get(subject)
    if (!s) { s = { mem: {} }; m.set(subject, s) }
    return s
  }

  /** The record if there is one (no empty record is made). */
  peek (subject: string, rule: string): RuleState | undefined { return this.byRule.get(rule)?.get(subject) }

  set (subject: string, rule: string, state: RuleState): void { this.map(rule).set(subject, state) }

  /** Every (subject, state) of a rule. */
  all (rule: string): IterableIterator<[string, RuleState]> { return this.map(rule).entries() }

  /** Marks a record to be written: soon ('now'), or at shutdown ('memory'). */
  touch (subject: string, rule: string, when: SaveWhen = 'now'): void {
    if (when === 'now') {
      add(this.changed, rule, subject)
      this.memoryOnly.get(rule)?.delete(subject)
      if (!this.timer && this.opts.flushDelayMs !== 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined
          this.flush(this.now()).catch((err) => this.log.warn({ err }, 'detection state not saved; will retry'))
        }, this.opts.flushDelayMs ?? 1000)
        this.timer.unref()
      }
    } else if (!this.changed.get(rule)?.has(subject)) {
      add(this.memoryOnly, rule, subject)
    }
  }

  /** Writes the changed records ('now'). */
  flush (now: number): Promise<void> { return this.write(now, false) }

  /** Writes every record not yet written, memory-only ones too (shutdown). */
  flushAll (now: number): Promise<void> { return this.write(now, true) }

  close (): void { clearTimeout(this.timer); this.timer = undefined }

  private write (now: number, all: boolean): Promise<void> {
    // one write at a time, in order
    const next = this.writing.catch(() => {}).then(() => this.writeNow(now, all))
    this.writing = next
    return next
  }

  private async writeNow (now: number, all: boolean): Promise<void> {
    const keys = take(this.changed)
    if (all) keys.push(...take(this.memoryOnly))
    if (keys.length === 0) return
    for (let i = 0; i < keys.length; i += DETECTION_STATE_ROWS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + DETECTION_STATE_ROWS_PER_STATEMENT)
      const rows = chunk.map(([rule, subject]) => ({ subject, rule, state: this.byRule.get(rule)?.get(subject) ?? { mem: {} } }))
      try {
        const r = await this.sql.query(
          `insert into detection_state (subject, rule, state, updated_at, written_by)
           select subject, rule, state, $2, $3 from jsonb_to_recordset($1::jsonb) as x(subject text, rule text, state jsonb)
           on conflict (subject, rule) do update set state = excluded.state, updated_at = excluded.updated_at, written_by = excluded.written_by
           where detection_state.rule not like 'input:%'
              or coalesce((detection_state.state->'mem'->>'at')::float8, 0) <= coalesce((excluded.state->'mem'->>'at')::float8, 0)`,
          [JSON.stringify(rows), new Date(now), this.opts.writer ?? null])
        this.stats.rowsWritten += r.rowCount
        this.stats.writes++
      } catch (err) {
        // not written: marked again (as changed), the next flush retries
        for (const [rule, subject] of keys.slice(i)) add(this.changed, rule, subject)
        throw err
      }
      // telemetry work is chunked: let MQTT, HTTP and alarms in between
      if (i + DETECTION_STATE_ROWS_PER_STATEMENT < keys.length) await new Promise((resolve) => setImmediate(resolve))
    }
  }

  private map (rule: string): Map<string, RuleState> {
    let m = this.byRule.get(rule)
    if (!m) { m = new Map(); this.byRule.set(rule, m) }
    return m
  }
}

function add (sets: Map<string, Set<string>>, rule: string, subject: string): void {
  let s = sets.get(rule)
  if (!s) { s = new Set(); sets.set(rule, s) }
  s.add(subject)
}

function take (sets: Map<string, Set<string>>): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [rule, subjects] of sets) for (const subject of subjects) out.push([rule, subject])
  sets.clear()
  return out
}

