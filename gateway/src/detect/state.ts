/**
 * The detection rules' memory, one record per (subject, rule): the active episode (one active
 * alarm per resident — or device — and rule at a time) and what the rule remembers between
 * readings. Loaded at start and written back when it changes, so it survives a restart.
 */
import type { Sql } from '../store.ts'
import type { RuleState } from './types.ts'

export type { ActiveEpisode, RuleState } from './types.ts'

export class DetectionStateStore {
  private readonly states = new Map<string, RuleState>()
  private readonly dirty = new Set<string>()

  constructor (private readonly sql: Sql) {}

  async load (): Promise<number> {
    const { rows } = await this.sql.query<{ subject: string, rule: string, state: RuleState | string }>('select subject, rule, state from detection_state')
    for (const r of rows) this.states.set(key(r.subject, r.rule), typeof r.state === 'string' ? JSON.parse(r.state) : r.state)
    return rows.length
  }

  get (subject: string, rule: string): RuleState {
    const k = key(subject, rule)
    let s = this.states.get(k)
    if (!s) { s = { mem: {} }; this.states.set(k, s) }
    return s
  }

  set (subject: string, rule: string, state: RuleState): void { this.states.set(key(subject, rule), state) }

  /** Every (subject, state) of a rule. */
  * all (rule: string): Generator<[string, RuleState]> {
    for (const [k, s] of this.states) {
      const i = k.lastIndexOf('|')
      if (k.slice(i + 1) === rule) yield [k.slice(0, i), s]
    }
  }

  touch (subject: string, rule: string): void { this.dirty.add(key(subject, rule)) }

  /** Writes changed records in one statement. */
  async flush (now: number): Promise<void> {
    if (this.dirty.size === 0) return
    const keys = [...this.dirty]
    this.dirty.clear()
    const rows = keys.map((k) => {
      const i = k.lastIndexOf('|')
      return { subject: k.slice(0, i), rule: k.slice(i + 1), state: this.states.get(k) ?? { mem: {} } }
    })
    try {
      await this.sql.query(
        `insert into detection_state (subject, rule, state, updated_at)
         select subject, rule, state, $2 from jsonb_to_recordset($1::jsonb) as x(subject text, rule text, state jsonb)
         on conflict (subject, rule) do update set state = excluded.state, updated_at = excluded.updated_at`,
        [JSON.stringify(rows), new Date(now)])
    } catch (err) {
      for (const k of keys) this.dirty.add(k)
      throw err
    }
  }
}

function key (subject: string, rule: string): string { return `${subject}|${rule}` }
