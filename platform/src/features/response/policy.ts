import { Type, type Static } from '@sinclair/typebox'
import {
  DEFAULT_PRIORITY_POLICY, DEFAULT_SLA_POLICY, ESCALATION_ACTIONS, PRIORITIES,
  type PriorityPolicy, type SlaPolicy
} from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'

export interface ResponsePolicy { priority: PriorityPolicy, sla: SlaPolicy }

const P = Type.Union(PRIORITIES.map((p) => Type.Literal(p)))
const Ms = Type.Integer({ minimum: 1000, maximum: 7 * 24 * 3600_000, description: 'milliseconds' })
const Step = Type.Object({
  afterMs: Ms,
  action: Type.Union(ESCALATION_ACTIONS.map((a) => Type.Literal(a))),
  until: Type.Union(['acknowledged', 'dispatched', 'on_scene', 'resolved'].map((s) => Type.Literal(s)))
}, { additionalProperties: false })
const TypeMap = Type.Record(Type.String({ pattern: '^[a-z_]{2,40}$' }), P)
const Types = Type.Array(Type.String({ pattern: '^[a-z_]{2,40}$' }), { maxItems: 50 })

/** The response policy as a supervisor may send it (PUT /api/policies/response). */
export const ResponsePolicySchema = Type.Object({
  priority: Type.Object({
    base: TypeMap, ifSevere: TypeMap, ifMild: TypeMap,
    raiseWhenLivesAlone: Types, raiseForCapacity: Types,
    raiseAtCapacityLevel: Type.Integer({ minimum: 0, maximum: 5, description: 'GB/T 42195 level; 5 = never' }),
    fallback: P
  }, { additionalProperties: false }),
  sla: Type.Object({
    ackDeadlineMs: Type.Object({ P1: Ms, P2: Ms, P3: Ms, P4: Ms }, { additionalProperties: false }),
    onSceneDeadlineMs: Ms,
    offerTimeoutMs: Ms,
    correlationWindowMs: Ms,
    escalation: Type.Object({
      P1: Type.Array(Step, { maxItems: 10 }), P2: Type.Array(Step, { maxItems: 10 }),
      P3: Type.Array(Step, { maxItems: 10 }), P4: Type.Array(Step, { maxItems: 10 })
    }, { additionalProperties: false })
  }, { additionalProperties: false })
}, { additionalProperties: false })
export type ResponsePolicyBody = Static<typeof ResponsePolicySchema>

export const DEFAULT_RESPONSE_POLICY: ResponsePolicy = { priority: DEFAULT_PRIORITY_POLICY, sla: DEFAULT_SLA_POLICY }

/**
 * The policy in force: the defaults from protocols/, overridden by what a supervisor stored.
 * Read from the database each time (one small row) so every platform process applies the same.
 */
export class PolicyStore {
  constructor (private readonly db: Queryable) {}

  async get (q: Queryable = this.db): Promise<ResponsePolicy> {
    const { rows } = await q.query<{ value: ResponsePolicy }>("select value from response_policies where key = 'response'")
    return rows[0]?.value ?? DEFAULT_RESPONSE_POLICY
  }

  async set (policy: ResponsePolicy, by: string): Promise<void> {
    await this.db.query(
      `insert into response_policies (key, value, updated_at, updated_by) values ('response', $1, now(), $2)
       on conflict (key) do update set value = excluded.value, updated_at = now(), updated_by = excluded.updated_by`,
      [JSON.stringify(policy), by])
  }

  async reset (): Promise<void> {
    await this.db.query("delete from response_policies where key = 'response'")
  }
}
