/**
 * The responder page: a small server-rendered HTML page (Chinese first, works in any phone
 * browser, no script) reached by the signed, expiring link sent with an offer. The responder
 * accepts or declines, sees the dispatch pack once accepted, reports arrival and departure.
 * The link is the credential: no sign-in, so the page shows only this offer's pack — the
 * resident's name, address, access notes, conditions, what happened, and on request (audited)
 * the key-safe code — nothing more.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { distanceM, mapAppLinks, type IncidentPositionDto } from '@eldercare/protocols'
import { jsonColumn } from '@eldercare/common'
import { errors, PlatformError } from '../../errors.ts'
import { typeLabel } from './labels.ts'

const TokenParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) })
const ActionParams = Type.Object({
  token: Type.String({ minLength: 10, maxLength: 200 }),
  action: Type.Union([Type.Literal('accept'), Type.Literal('decline'), Type.Literal('arrive'), Type.Literal('depart'), Type.Literal('key-safe')])
})

const esc = (s: unknown): string => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const STATUS_ZH: Record<string, string> = {
  offered: '待接受', accepted: '已接受', declined: '已拒绝', timed_out: '已超时', withdrawn: '已撤回', arrived: '已到达', departed: '已离开'
}

function page (title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;padding:16px;max-width:520px;background:#f6f7f9;color:#1d1d1f}
h1{font-size:1.3em}section{background:#fff;border-radius:10px;padding:12px 14px;margin:12px 0}dt{color:#666;font-size:.85em}dd{margin:0 0 8px 0;font-size:1.05em}
button{font-size:1.1em;padding:12px;width:100%;border:0;border-radius:8px;margin:6px 0;background:#0a66c2;color:#fff}button.secondary{background:#8a8f98}
.code{font-size:2em;letter-spacing:.2em;font-weight:700}.muted{color:#666;font-size:.85em}
</style></head><body>${body}</body></html>`
}

const form = (token: string, action: string, label: string, secondary = false): string =>
  `<form method="post" action="/r/${esc(token)}/${action}"><button${secondary ? ' class="secondary"' : ''}>${label}</button></form>`

/** Within this many metres (plus the fix's accuracy) of the home, the person is at home. */
const AT_HOME_M = 100

/**
 * Where to go (issue 15): the home's address — with its access notes — or, when the incident's
 * position is away from home, that position with links that open it in the map apps responders
 * use (AMap, Baidu, Apple, any geo: app). Access notes only make sense at the home.
 */
function whereToGo (o: Record<string, any>): { atHome: boolean, html: string } {
  const address = `<dt>地址 / Address</dt><dd>${esc(o.address ?? o.site_name)}</dd>`
  const p = jsonColumn<IncidentPositionDto | null>(o.position)
  if (!p) return { atHome: true, html: address }
  const home = o.site_lat != null && o.site_lng != null ? { lat: Number(o.site_lat), lng: Number(o.site_lng) } : null
  const fromHome = home ? distanceM(home, p) : null
  const links = mapAppLinks(p, o.resident_name ?? '老人')
  const linkHtml = `<dd><a href="${esc(links.amap)}">高德地图</a> · <a href="${esc(links.baidu)}">百度地图</a> · <a href="${esc(links.apple)}">Apple 地图</a> · <a href="${esc(links.geo)}">其他地图应用</a></dd>`
  const when = new Date(p.at).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai' })
  if (fromHome != null && fromHome <= AT_HOME_M + (p.acc ?? 0)) {
    return { atHome: true, html: `${address}<dt>定位 / Position</dt><dd>在家附近（${when}）</dd>${linkHtml}` }
  }
  const html = `<dt>当前位置 / Where the person is</dt><dd>${p.lat.toFixed(5)}, ${p.lng.toFixed(5)}${p.acc != null ? `（误差约 ${Math.round(p.acc)} 米）` : ''} · ${when}` +
    `${fromHome != null ? `<br>距家约 ${fromHome >= 1000 ? `${(fromHome / 1000).toFixed(1)} 公里` : `${Math.round(fromHome)} 米`}` : ''}</dd>` +
    `<dt>在地图中打开 / Open in a map app</dt>${linkHtml}<dt>家庭地址 / Home</dt><dd>${esc(o.address ?? o.site_name)}</dd>`
  return { atHome: false, html }
}

export const responderPageRoutes: FastifyPluginAsync = async (app) => {
  // Phone browsers post forms urlencoded; the buttons carry no fields.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  const send = (reply: FastifyReply, status: number, html: string) => reply.code(status)
    // The token is in the URL: never cache, never leak it as a referrer, keep the page out of indexes.
    .header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('x-robots-tag', 'noindex')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
    .type('text/html; charset=utf-8').send(html)

  const fail = (reply: FastifyReply, err: unknown) => {
    if (!(err instanceof PlatformError)) throw err
    const msg = err.code === errors.LINK_EXPIRED.code ? '链接已过期，请联系中心。' : err.code === errors.LINK_INVALID.code ? '链接无效。' : '此操作现在不可用。'
    return send(reply, err.statusCode, page('应急响应', `<h1>${msg}</h1><p class="muted">${esc(err.message)} (${err.code})</p>`))
  }

  const render = async (token: string, keySafe?: string | null): Promise<string> => {
    const offerId = app.response.dispatch.links.verify(token)
    const { rows } = await app.db.query<Record<string, any>>(
      `select o.status as offer_status, o.due_at, rp.name as responder_name,
              i.id as incident_id, i.type, i.status, i.opened_at, i.alarm_count, i.cancelled_at, i.priority, i.position,
              r.name as resident_name, r.conditions, r.access_notes, (r.key_safe_code_enc is not null) as has_key_safe,
              s.name as site_name, s.address, s.lat as site_lat, s.lng as site_lng, a.name as area_name
         from dispatch_offers o join responders rp on rp.id = o.responder_id join incidents i on i.id = o.incident_id
         join sites s on s.id = i.site_id join areas a on a.id = i.area_id left join residents r on r.id = i.resident_id
        where o.id = $1`, [offerId])
    const o = rows[0]
    if (!o) throw errors.LINK_INVALID('this offer does not exist')
    const closed = o.status === 'resolved' || o.status === 'closed_false_alarm'
    const happened = `<section><dl><dt>事件 / What happened</dt><dd>${esc(typeLabel(o.type))} · ${esc(o.priority)}${o.alarm_count > 1 ? ` · ${o.alarm_count} 次警报` : ''}${o.cancelled_at ? ' · 老人已在设备上按“我没事”' : ''}</dd>
      <dt>时间 / When</dt><dd>${esc(new Date(o.opened_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' }))}</dd><dt>区域 / Area</dt><dd>${esc(o.area_name)}</dd></dl></section>`
    const open = ['accepted', 'arrived'].includes(o.offer_status) && !closed
    const where = whereToGo(o)
    const pack = open
      ? `<section><dl><dt>老人 / Resident</dt><dd>${esc(o.resident_name ?? o.site_name)}</dd>${where.html}
          ${where.atHome ? `<dt>进门说明 / Access</dt><dd>${esc(o.access_notes ?? '—')}</dd>` : ''}
          <dt>健康状况 / Conditions</dt><dd>${esc((o.conditions as string[] | null)?.join('，') || '—')}</dd>
          ${keySafe ? `<dt>钥匙盒密码 / Key safe</dt><dd class="code">${esc(keySafe)}</dd>` : ''}</dl>
          ${!keySafe && o.has_key_safe && where.atHome ? form(token, 'key-safe', '显示钥匙盒密码（会被记录）', true) : ''}</section>`
      : ''
    let actions = ''
    if (closed) actions = '<p>此事件已结束，感谢。</p>'
    else if (o.offer_status === 'offered') actions = form(token, 'accept', '接受出勤 / Accept') + form(token, 'decline', '无法前往 / Decline', true)
    else if (o.offer_status === 'accepted') actions = form(token, 'arrive', '我已到达 / I have arrived')
    else if (o.offer_status === 'arrived') actions = form(token, 'depart', '我已离开 / I have left', true)
    else actions = `<p>此派单${esc(STATUS_ZH[o.offer_status] ?? o.offer_status)}，无需操作。</p>`
    return page('应急响应 · 派单', `<h1>${esc(o.responder_name)}，您好</h1><p>派单状态：<b>${esc(STATUS_ZH[o.offer_status] ?? o.offer_status)}</b></p>${happened}${pack}${actions}`)
  }

  app.get<{ Params: Static<typeof TokenParams> }>('/r/:token', { schema: { tags: ['response'], summary: 'Responder page (HTML) behind a signed, expiring link', params: TokenParams } }, async (req, reply) => {
    try { return send(reply, 200, await render(req.params.token)) } catch (err) { return fail(reply, err) }
  })

  app.post<{ Params: Static<typeof ActionParams> }>('/r/:token/:action', { schema: { tags: ['response'], summary: 'Responder page actions (form posts)', params: ActionParams } }, async (req, reply) => {
    const { token, action } = req.params
    try {
      const offerId = app.response.dispatch.links.verify(token)
      const offer = await app.response.dispatch.offerById(offerId)
      if (!offer) throw errors.LINK_INVALID('this offer does not exist')
      const who = { id: null, name: `${offer.responder_name}（响应人员）` }
      if (action === 'accept' || action === 'decline') {
        const { next } = await app.response.dispatch.respond(offerId, action, who)
        app.response.notifyOffer(next)
      } else if (action === 'arrive') {
        if (offer.status !== 'accepted') throw errors.OFFER_CLOSED('accept the offer first')
        await app.response.effects.act(offer.incident_id, 'arrive', who, '/', { data: { offerId } }, (tx) => app.response.dispatch.markOffer(tx, offerId, 'arrived'))
      } else if (action === 'depart') {
        if (offer.status !== 'arrived') throw errors.OFFER_CLOSED('report arrival first')
        await app.db.transaction(async (tx) => {
          await app.response.dispatch.markOffer(tx, offerId, 'departed')
          await app.incidents.addTimeline(tx, offer.incident_id, 'responder_departed', who, null, { offerId })
        })
      } else {
        if (offer.status !== 'accepted' && offer.status !== 'arrived') throw errors.OFFER_CLOSED('the key-safe code is shown only after accepting')
        const { rows } = await app.db.query<{ id: string, key_safe_code_enc: string | null, path: string }>(
          'select r.id, r.key_safe_code_enc, a.path from incidents i join residents r on r.id = i.resident_id join areas a on a.id = i.area_id where i.id = $1', [offer.incident_id])
        const code = rows[0]?.key_safe_code_enc ? app.fieldCrypto.decrypt(rows[0].key_safe_code_enc) : null
        // Revealing a key-safe code is audited, and shown on the incident's timeline. The entry names
        // the responder and is filed under the incident's area, so that area's auditors see it (issue 13).
        await app.audit.write({ username: who.name, ip: req.ip, action: 'resident.key_safe_reveal', targetType: 'resident', targetId: rows[0]?.id ?? null, areaPath: rows[0]?.path ?? null, data: { incidentId: offer.incident_id, offerId, responderId: offer.responder_id, responderName: offer.responder_name } })
        await app.incidents.addTimeline(app.db, offer.incident_id, 'key_safe_revealed', who, null, { offerId })
        return send(reply, 200, await render(token, code))
      }
      // act() announced the arrival itself
      if (action !== 'arrive') await app.response.announce(offer.incident_id)
      return reply.code(303).header('location', `/r/${token}`).header('referrer-policy', 'no-referrer').send()
    } catch (err) { return fail(reply, err) }
  })
}
