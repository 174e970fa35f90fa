/**
 * Dispatch: which responders to send, and the cascade of offers — the first candidate is
 * asked; a decline or no answer within the offer timeout asks the next. Every offer,
 * acceptance, decline, arrival and departure is a row in dispatch_offers and a timeline entry.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncidentPositionDto } from '@eldercare/protocols'
import type { Db, Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import type { Actor, IncidentService } from '../incidents/service.ts'
import type { PolicyStore } from './policy.ts'
import { distanceTarget, metresFrom } from '../positions/distance.ts'

export const RESPONDER_KINDS = ['care_worker', 'volunteer', 'family', 'medical'] as const

export interface ResponderDto {
  id: string
  name: string
  kind: (typeof RESPONDER_KINDS)[number]
  areaId: string
  areaName: string | null
  phone: string
  onDuty: boolean
  lat: number | null
  lng: number | null
  /** busy: holds an offer, acceptance or arrival on an active incident */
  busy: boolean
}

export interface CandidateDto extends ResponderDto {
  /** 0 same community, 1 same street, 2 same district, … (steps up the area tree) */
  treeDistance: number
  /** metres from the incident's position when it has one (issue 15), else from the home; null without coordinates */
  distanceM: number | null
  /** what `distanceM` is measured from */
  distanceFrom: 'position' | 'home'
}

export interface OfferDto {
  id: string
  incidentId: string
  responderId: string
  responderName: string
  status: 'offered' | 'accepted' | 'declined' | 'timed_out' | 'withdrawn' | 'arrived' | 'departed'
  offeredAt: string
  dueAt: string
  /** signed link to the responder page (only when just created) */
  link?: string
}

const BUSY = `exists (select 1 from dispatch_offers o join incidents x on x.id = o.incident_id
                      where o.responder_id = rp.id and o.status in ('offered', 'accepted', 'arrived')
                        and x.status not in ('resolved', 'closed_false_alarm'))`

export const RESPONDER_SELECT = `select rp.*, a.name as area_name, a.path as area_path, ${BUSY} as busy
  from responders rp join areas a on a.id = rp.area_id`

export function responderDto (r: Record<string, any>): ResponderDto {
  return {
    id: r.id, name: r.name, kind: r.kind, areaId: r.area_id, areaName: r.area_name ?? null, phone: r.phone,
    onDuty: r.on_duty, lat: r.lat ?? null, lng: r.lng ?? null, busy: r.busy === true
  }
}

/** Steps from `from` up to the nearest common ancestor with `to`, counting from the incident's area. */
export function treeDistance (incidentPath: string, responderPath: string): number {
  const a = incidentPath.split('/').filter(Boolean)
  const b = responderPath.split('/').filter(Boolean)
  let common = 0
  while (common < a.length && common < b.length && a[common] === b[common]) common++
  return a.length - common
}

/**
 * Orders responders for an incident: nearest in the area tree first (same community, then
 * street, then district), then by distance when coordinates exist, then by name. When the person
 * is somewhere else than at home (the incident has a position), the area tree of the home says
 * little: distance to where they are comes first (`byPosition`).
 */
export function rankCandidates<T extends { name: string, treeDistance: number, distanceM: number | null }> (list: T[], byPosition = false): T[] {
  const metres = (x: T, y: T) => (x.distanceM ?? Number.POSITIVE_INFINITY) - (y.distanceM ?? Number.POSITIVE_INFINITY)
  return [...list].sort((x, y) =>
    (byPosition ? metres(x, y) || x.treeDistance - y.treeDistance : x.treeDistance - y.treeDistance || metres(x, y)) ||
    x.name.localeCompare(y.name, 'zh'))
}

/** Signed, expiring link tokens for the responder page: `<offerId>.<expiresMs>.<hmac>`. */
export class LinkSigner {
  constructor (private readonly key: Buffer, private readonly now: () => number) {}

  sign (offerId: string, ttlMs: number): string {
    const exp = this.now() + ttlMs
    return `${offerId}.${exp}.${this.mac(`${offerId}.${exp}`)}`
  }

  /** The offer id of a valid token; throws LINK_INVALID / LINK_EXPIRED otherwise. */
  verify (token: string): string {
    const m = /^([A-Za-z0-9-]{1,64})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(token)
    if (!m) throw errors.LINK_INVALID('this link is not valid')
    const good = Buffer.from(this.mac(`${m[1]}.${m[2]}`))
    const given = Buffer.from(m[3])
    if (good.length !== given.length || !timingSafeEqual(good, given)) throw errors.LINK_INVALID('this link is not valid')
    if (Number(m[2]) < this.now()) throw errors.LINK_EXPIRED()
    return m[1]
  }

  private mac (s: string): string {
    return createHmac('sha256', this.key).update(s).digest('base64url')
  }
}

export interface DispatchOptions {
  /** how long a responder link stays valid, in ms. Default 12 h. */
  linkTtlMs?: number
  /** base URL put in front of responder links, e.g. `https://centre.example`. Default: a relative link. */
  publicUrl?: string
}

/** A change the caller announces after the commit. */
export interface OfferEvent { incidentId: string, offer: OfferDto, responder: ResponderDto }

export class DispatchService {
  private readonly linkTtlMs: number
  constructor (
    private readonly db: Db,
    private readonly incidents: IncidentService,
    private readonly policies: PolicyStore,
    readonly links: LinkSigner,
    private readonly now: () => number,
    private readonly opts: DispatchOptions = {}
  ) {
    this.linkTtlMs = opts.linkTtlMs ?? 12 * 3600_000
  }

  link (token: string): string {
    return `${this.opts.publicUrl ?? ''}/r/${token}`
  }

  /** Candidates for an incident: on duty, not busy, not yet asked for it, within its district. */
  /** The incident's area path, site position and own position, and the district (city → district: the first two levels) responders come from. */
  private async reach (incidentId: string, q: Queryable): Promise<{ path: string, lat: number | null, lng: number | null, position: IncidentPositionDto | string | null, scope: string }> {
    const { rows: inc } = await q.query<{ path: string, lat: number | null, lng: number | null, position: IncidentPositionDto | string | null }>(
      'select a.path, s.lat, s.lng, i.position from incidents i join areas a on a.id = i.area_id join sites s on s.id = i.site_id where i.id = $1', [incidentId])
    if (!inc[0]) throw errors.NOT_FOUND('incident')
    const parts = inc[0].path.split('/').filter(Boolean)
    return { ...inc[0], scope: '/' + parts.slice(0, Math.min(parts.length, 2)).join('/') + '/' }
  }

  async candidates (incidentId: string, q: Queryable = this.db): Promise<CandidateDto[]> {
    const inc = [await this.reach(incidentId, q)]
    const scope = inc[0].scope
    const { rows } = await q.query<Record<string, any>>(
      `${RESPONDER_SELECT}
        where a.path like $1 || '%' and rp.on_duty and not rp.disabled and not ${BUSY}
          and not exists (select 1 from dispatch_offers d where d.incident_id = $2 and d.responder_id = rp.id)`, [scope, incidentId])
    const site = inc[0]
    const target = distanceTarget(site.position, site)
    return rankCandidates(rows.map((r) => ({
      ...responderDto(r),
      treeDistance: treeDistance(site.path, r.area_path),
      distanceM: metresFrom(target, { lat: r.lat, lng: r.lng }),
      distanceFrom: target.from
    })), target.from === 'position')
  }

  /**
   * Offers the incident to `responderId` (or the best candidate). The caller has moved the
   * incident to `dispatched` in the same transaction. A pending offer to someone else is withdrawn.
   */
  async offer (tx: Queryable, incidentId: string, responderId: string | null, by: Actor | null, callerAreaPath = '/'): Promise<OfferEvent | null> {
    let responder: ResponderDto | undefined
    if (responderId) {
      // A chosen responder must be in the caller's area subtree and the incident's district, like
      // every candidate; anyone else is unknown to this caller (404, issue 13).
      const { scope } = await this.reach(incidentId, tx)
      const { rows } = await tx.query<Record<string, any>>(`${RESPONDER_SELECT} where rp.id = $1 and not rp.disabled and a.path like $2 || '%' and a.path like $3 || '%'`, [responderId, callerAreaPath, scope])
      if (!rows[0]) throw errors.NOT_FOUND('responder')
      if (!rows[0].on_duty) throw errors.RESPONDER_OFF_DUTY(rows[0].name)
      responder = responderDto(rows[0])
    } else {
      responder = (await this.candidates(incidentId, tx))[0]
      if (!responder) {
        await this.incidents.addTimeline(tx, incidentId, 'no_responder_available', null, '没有可派的响应人员 / no responder available', {})
        return null
      }
    }
    const at = new Date(this.now())
    await tx.query("update dispatch_offers set status = 'withdrawn', responded_at = $2 where incident_id = $1 and status = 'offered'", [incidentId, at])
    const policy = await this.policies.forIncident(incidentId, tx)
    const id = randomUUID()
    const due = new Date(at.getTime() + policy.sla.offerTimeoutMs)
    await tx.query(
      `insert into dispatch_offers (id, incident_id, responder_id, status, offered_at, due_at, offered_by) values ($1, $2, $3, 'offered', $4, $5, $6)`,
      [id, incidentId, responder.id, at, due, by?.name ?? null])
    await this.incidents.addTimeline(tx, incidentId, 'offered', by, null, { offerId: id, responderId: responder.id, responder: responder.name, dueAt: due.toISOString() })
    const link = this.link(this.links.sign(id, this.linkTtlMs))
    return {
      incidentId,
      responder,
      offer: { id, incidentId, responderId: responder.id, responderName: responder.name, status: 'offered', offeredAt: at.toISOString(), dueAt: due.toISOString(), link }
    }
  }

  async offerById (offerId: string, q: Queryable = this.db): Promise<Record<string, any> | null> {
    const { rows } = await q.query<Record<string, any>>(
      `select o.*, rp.name as responder_name, i.status as incident_status from dispatch_offers o
         join responders rp on rp.id = o.responder_id join incidents i on i.id = o.incident_id where o.id = $1`, [offerId])
    return rows[0] ?? null
  }

  /**
   * The responder (or an operator on their behalf) answers an offer. Accepting keeps it;
   * declining asks the next candidate. Answers to an offer no longer open are 409.
   */
  async respond (offerId: string, answer: 'accept' | 'decline', actor: Actor): Promise<{ incidentId: string, next: OfferEvent | null }> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ incident_id: string, status: string, responder_id: string }>('select incident_id, status, responder_id from dispatch_offers where id = $1 for update', [offerId])
      const o = rows[0]
      if (!o) throw errors.NOT_FOUND('offer')
      if (o.status !== 'offered') throw errors.OFFER_CLOSED(`this offer is already ${o.status.replaceAll('_', ' ')}`)
      const at = new Date(this.now())
      await tx.query('update dispatch_offers set status = $2, responded_at = $3 where id = $1', [offerId, answer === 'accept' ? 'accepted' : 'declined', at])
      await this.incidents.addTimeline(tx, o.incident_id, answer === 'accept' ? 'offer_accepted' : 'offer_declined', actor, null, { offerId, responderId: o.responder_id })
      await tx.query('update incidents set updated_at = $2 where id = $1', [o.incident_id, at])
      const next = answer === 'decline' ? await this.offer(tx, o.incident_id, null, null) : null
      return { incidentId: o.incident_id, next }
    })
  }

  /** Records arrival or departure of the responder of an accepted offer. */
  async markOffer (tx: Queryable, offerId: string, status: 'arrived' | 'departed'): Promise<void> {
    const col = status === 'arrived' ? 'arrived_at' : 'departed_at'
    await tx.query(`update dispatch_offers set status = $2, ${col} = $3 where id = $1`, [offerId, status, new Date(this.now())])
  }

  /** The offer currently accepted (or arrived) for an incident. */
  async activeOffer (tx: Queryable, incidentId: string, statuses: Array<OfferDto['status']> = ['offered', 'accepted']): Promise<{ id: string, responder_id: string, status: string } | null> {
    const list = statuses.map((st) => `'${st}'`).join(', ') // fixed vocabulary, never user input
    const { rows } = await tx.query<{ id: string, responder_id: string, status: string }>(
      `select id, responder_id, status from dispatch_offers where incident_id = $1 and status in (${list}) order by offered_at desc limit 1`, [incidentId])
    return rows[0] ?? null
  }
}
