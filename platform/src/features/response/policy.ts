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

/** An area's policy in force, and the area whose row it comes from (null: the built-in defaults). */
export interface PolicyInForce { policy: ResponsePolicy, fromAreaId: string | null }

/**
 * The policy in force for an area: the row of the nearest area on its path (itself, then each
 * ancestor up to the root), else the built-in defaults from protocols/ (issue 13: per area,
 * inherited down the tree, overridable below). Read from the database each time (small rows),
 * so every platform process applies the same.
 */
export class PolicyStore {
  constructor (private readonly db: Queryable) {}

  /** For the area with materialised path `areaPath` (`/root/district/…/`). */
  async forPath (areaPath: string, q: Queryable = this.db): Promise<PolicyInForce> {
    const { rows } = await q.query<{ value: ResponsePolicy, area_id: string }>(
      `select p.value, p.area_id from area_response_policies p join areas a on a.id = p.area_id
        where $1 like a.path || '%' order by length(a.path) desc limit 1`, [areaPath])
    return rows[0] ? { policy: rows[0].value, fromAreaId: rows[0].area_id } : { policy: DEFAULT_RESPONSE_POLICY, fromAreaId: null }
  }

  /** The policy for an incident's area. */
  async forIncident (incidentId: string, q: Queryable = this.db): Promise<ResponsePolicy> {
    const { rows } = await q.query<{ path: string }>('select a.path from incidents i join areas a on a.id = i.area_id where i.id = $1', [incidentId])
    return rows[0] ? (await this.forPath(rows[0].path, q)).policy : DEFAULT_RESPONSE_POLICY
  }

  /** The policy for a site's area (an alarm before it has an incident). */
  async forSite (siteId: string, q: Queryable = this.db): Promise<ResponsePolicy> {
    const { rows } = await q.query<{ path: string }>('select a.path from sites s join areas a on a.id = s.area_id where s.id = $1', [siteId])
    return rows[0] ? (await this.forPath(rows[0].path, q)).policy : DEFAULT_RESPONSE_POLICY
  }

  /** The area's own override, or null when it inherits. */
  async own (areaId: string, q: Queryable = this.db): Promise<ResponsePolicy | null> {
    const { rows } = await q.query<{ value: ResponsePolicy }>('select value from area_response_policies where area_id = $1', [areaId])
    return rows[0]?.value ?? null
  }

  async set (areaId: string, policy: ResponsePolicy, by: string, q: Queryable = this.db): Promise<void> {
    await q.query(
      `insert into area_response_policies (area_id, value, updated_at, updated_by) values ($1, $2, now(), $3)
       on conflict (area_id) do update set value = excluded.value, updated_at = now(), updated_by = excluded.updated_by`,
      [areaId, JSON.stringify(policy), by])
  }

  /** Drops the area's override: it inherits again. */
  async reset (areaId: string, q: Queryable = this.db): Promise<void> {
    await q.query('delete from area_response_policies where area_id = $1', [areaId])
  }
}
