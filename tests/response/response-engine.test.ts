/**
 * The response engine on the real stack, once on PGlite and once on PostgreSQL: alarms (inbox
 * rows in the gateway's and issue 4's shape) become prioritised incidents, SLA clocks fire
 * exactly once on an injected clock (nothing sleeps), the dispatch cascade runs through the
 * responder's signed page, and family contacts are notified through a real webhook receiver.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentDetailDto, IncidentDto, IncidentEscalatedDto } from '@eldercare/protocols'
import { Api, ApiError, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'
import { makeTempDir } from '../support/process.ts'

const pg = needsPostgres()
const DATA_KEY = randomBytes(32).toString('base64')

interface Hook { url: string, got: Array<{ headers: IncomingMessage['headers'], body: any }>, failOnce: Array<(body: any) => boolean>, close(): Promise<void> }

/**
 * A real local HTTP server standing in for an SMS/WeChat provider: answers 500 once to the first
 * message each `failOnce` predicate matches, 200 otherwise. A predicate, not a queue of statuses: a
 * late message of an earlier test must not take the failure meant for this one's.
 */
async function webhookReceiver (): Promise<Hook> {
  const hook: Partial<Hook> = { got: [], failOnce: [] }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      const parsed = JSON.parse(body)
      hook.got!.push({ headers: req.headers, body: parsed })
      const fail = hook.failOnce!.findIndex((matches) => matches(parsed))
      if (fail >= 0) hook.failOnce!.splice(fail, 1)
      res.statusCode = fail >= 0 ? 500 : 200
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return Object.assign(hook, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }) as Hook
}

interface Backend {
  name: string
  /** env for a node on this backend's database (the same database every call) */
  env(): Promise<Record<string, string>>
  cleanup(): Promise<void>
}

function responseSuite (backend: Backend, opts: { twoEngines: boolean }) {
  let p: TestPlatform
  let hook: Hook
  let env: Record<string, string>
  const clock = { t: Date.now() }
  const now = () => clock.t
  const start = () => startTestPlatform(env, {
    app: { now, response: { autoTick: false, webhook: { url: hook.url, secret: 'test-webhook-secret-123', backoffMs: 5 } } }
  })

  beforeAll(async () => {
    hook = await webhookReceiver()
    env = { ...(await backend.env()), DATA_KEY }
    p = await start()
    await p.api.login()
  })
  afterAll(async () => {
    await p?.close()
    await hook?.close()
    await backend.cleanup()
  })

  /** Writes an inbox row the way the gateway (or issue 4's detection) does, and lets the engine take it. */
  const alarm = async (node: TestPlatform, deviceId: string, kind: string, type: string, payload: Record<string, unknown> = {}, opts: { msgId?: string, deviceTs?: Date } = {}) => {
    const msgId = opts.msgId ?? `m-${randomUUID()}`
    const { rows } = await node.db.query<{ seq: string }>('insert into inbox (device_id, msg_id, kind, type, payload, device_ts) values ($1, $2, $3, $4, $5, $6) returning seq',
      [deviceId, msgId, kind, type, JSON.stringify({ id: msgId, ts: opts.deviceTs?.getTime() ?? Date.now(), type, ...payload }), opts.deviceTs ?? null])
    // With two engines on one database the other may have claimed the row: wait until it is processed, by either.
    const settled = await node.app.engine.settled(rows[0].seq)
    return { msgId, incidentId: settled?.incidentId ?? null }
  }
  const detail = (id: string, api: Api = p.api) => api.get<IncidentDetailDto>(`/api/incidents/${id}`)
  const kinds = async (id: string) => (await detail(id)).timeline.map((t) => t.kind)
  const count = (list: string[], kind: string) => list.filter((k) => k === kind).length
  const at = (inc: IncidentDto, ms: number) => { clock.t = new Date(inc.openedAt).getTime() + ms }

  let home: SeededHome
  let fallId: string

  it('a fall becomes a P1 incident with a 60 s acknowledgement deadline', async () => {
    home = await seedHome(p.api)
    const { incidentId } = await alarm(p, home.device.id, 'event', 'fall', { confidence: 0.9 })
    const inc = await detail(incidentId!)
    expect(inc).toMatchObject({ type: 'fall', priority: 'P1', status: 'open', residentId: home.residentId, alarmCount: 1, ackBreached: false, cancelled: false, escalationLevel: 0 })
    expect(new Date(inc.ackDueAt!).getTime() - new Date(inc.openedAt).getTime()).toBe(60_000)
    fallId = inc.id
  })

  it('a second fall within the window joins it and re-alerts; an SOS of the same resident joins it too', async () => {
    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const updated = nextEvent(socket, 'incident:updated', (i) => i.id === fallId && i.reAlert === 'repeat')
    const second = await alarm(p, home.device.id, 'event', 'fall')
    expect(second.incidentId).toBe(fallId)
    expect((await updated).alarmCount).toBe(2)
    socket.close()
    const sos = await alarm(p, home.device.id, 'event', 'sos')
    expect(sos.incidentId).toBe(fallId)
    const inc = await detail(fallId)
    expect(inc.alarmCount).toBe(3)
    expect(count(inc.timeline.map((t) => t.kind), 'alarm_repeated')).toBe(2)
    const active = (await p.api.get<{ items: IncidentDto[] }>('/api/incidents?status=active')).items.filter((i) => i.residentId === home.residentId)
    expect(active).toHaveLength(1)
  })

  it('derived alarms in issue 4\'s shape: NEWS2 high → P1, medium → P2; a low battery is P4 beside them', async () => {
    const h = await seedHome(p.api)
    const news2 = await alarm(p, h.device.id, 'derived', 'news2', { rule: 'news2', severity: 'medium', residentId: h.residentId, at: new Date().toISOString(), score: 5 })
    expect((await detail(news2.incidentId!)).priority).toBe('P2')
    // The same situation getting worse: joins and raises the priority, moving the deadline.
    const worse = await alarm(p, h.device.id, 'derived', 'news2', { rule: 'news2', severity: 'high', residentId: h.residentId, at: new Date().toISOString(), score: 8 })
    expect(worse.incidentId).toBe(news2.incidentId)
    const inc = await detail(news2.incidentId!)
    expect(inc.priority).toBe('P1')
    expect(new Date(inc.ackDueAt!).getTime() - new Date(inc.openedAt).getTime()).toBe(60_000)
    expect(inc.timeline.map((t) => t.kind)).toContain('priority_changed')
    const battery = await alarm(p, h.device.id, 'derived', 'low_battery', { rule: 'low_battery', severity: 'low', residentId: h.residentId, at: new Date().toISOString() })
    expect(battery.incidentId).not.toBe(news2.incidentId)
    expect((await detail(battery.incidentId!)).priority).toBe('P4')
  })

  it('an unacknowledged P1 escalates at 60 s, exactly once, and operators get a re-alert', async () => {
    const inc = await detail(fallId)
    at(inc, 59_999)
    await p.app.response.sla.tick()
    expect(count(await kinds(fallId), 'escalated')).toBe(0)

    const socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const escalated = nextEvent(socket, 'incident:escalated', (e: IncidentEscalatedDto) => e.incident.id === fallId)
    const realert = nextEvent(socket, 'incident:updated', (i) => i.id === fallId && i.reAlert === 'escalation')
    at(inc, 60_000)
    await p.app.response.sla.tick()
    await p.app.response.sla.tick()
    expect(await escalated).toMatchObject({ action: 'realert_area', step: 1 })
    await realert
    socket.close()
    const after = await detail(fallId)
    expect(count(after.timeline.map((t) => t.kind), 'escalated')).toBe(1)
    expect(count(after.timeline.map((t) => t.kind), 'ack_breached')).toBe(1)
    expect(after).toMatchObject({ ackBreached: true, escalationLevel: 1 })
  })

  it('keeps escalating on schedule: alerts the supervisor, then widens to the parent area\'s centre', async () => {
    const h = await seedHome(p.api)
    await p.api.post('/api/users', { username: `sup-${h.streetId.slice(0, 8)}`, password: 'supervisor-pass', role: 'supervisor', areaId: h.streetId, displayName: '街道主管' })
    const streetOperator = new Api(p.httpUrl)
    await p.api.post('/api/users', { username: `op-${h.streetId.slice(0, 8)}`, password: 'operator-pass', role: 'operator', areaId: h.streetId })
    await streetOperator.login(`op-${h.streetId.slice(0, 8)}`, 'operator-pass')
    const socket = streetOperator.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    const inc = await detail(incidentId!)
    const widened = nextEvent(socket, 'incident:escalated', (e: IncidentEscalatedDto) => e.incident.id === incidentId && e.action === 'widen_parent')
    hook.got.length = 0
    at(inc, 180_000) // all three steps are due: each runs once, in order
    await p.app.response.sla.tick()
    expect(await widened).toMatchObject({ step: 3, areaId: h.streetId })
    socket.close()
    const steps = (await detail(incidentId!)).timeline.filter((t) => t.kind === 'escalated').map((t) => t.data?.action)
    expect(steps).toEqual(['realert_area', 'alert_supervisor', 'widen_parent'])
    await p.app.response.notifier.flush()
    expect(hook.got.filter((g) => g.body.incidentId === incidentId && g.body.kind === 'escalation').map((g) => g.body.to)).toEqual([{ name: '街道主管', role: 'supervisor' }])
    expect((await detail(incidentId!)).escalationLevel).toBe(3)
  })

  it('acknowledgement stops the escalation', async () => {
    const h = await seedHome(p.api)
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    const inc = await detail(incidentId!)
    at(inc, 30_000)
    await p.api.post(`/api/incidents/${inc.id}/acknowledge`, {})
    at(inc, 10 * 60_000)
    await p.app.response.sla.tick()
    const after = await detail(inc.id)
    expect(count(after.timeline.map((t) => t.kind), 'escalated')).toBe(0)
    expect(after).toMatchObject({ status: 'acknowledged', ackBreached: false, escalationLevel: 0 })
  })

  it('[P-3.2] a device cancel lowers urgency, but the incident stays until an operator closes it', async () => {
    const h = await seedHome(p.api)
    const fall = await alarm(p, h.device.id, 'event', 'fall')
    await alarm(p, h.device.id, 'event', 'cancel', { ref: fall.msgId })
    const inc = await detail(fall.incidentId!)
    expect(inc).toMatchObject({ status: 'open', priority: 'P2', cancelled: true })
    expect(inc.timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(['cancelled_at_device', 'priority_changed']))
    const err = await p.api.post(`/api/incidents/${inc.id}/resolve`, { outcome: 'false_alarm_user' }).catch((e) => e)
    expect(err.status).toBe(409)
    await p.api.post(`/api/incidents/${inc.id}/acknowledge`, {})
    expect((await p.api.post(`/api/incidents/${inc.id}/resolve`, { outcome: 'false_alarm_user', note: '对讲确认老人无碍' })).status).toBe('resolved')
  })

  it('[P-3.2][P-2.4] after a device counter reset two events share an id: a cancel naming it is recorded against the newest', async () => {
    const h = await seedHome(p.api)
    const msgId = `reset-${randomUUID()}`
    const before = await alarm(p, h.device.id, 'event', 'fall', {}, { msgId, deviceTs: new Date(Date.now() - 3_600_000) })
    await p.api.post(`/api/incidents/${before.incidentId}/acknowledge`, {})
    await p.api.post(`/api/incidents/${before.incidentId}/resolve`, { outcome: 'false_alarm_user' })
    // the device rebooted, its counter restarted: the same id again, another time (migration 0008 keeps both)
    const after = await alarm(p, h.device.id, 'event', 'fall', {}, { msgId, deviceTs: new Date() })
    expect(after.incidentId).not.toBe(before.incidentId)
    await alarm(p, h.device.id, 'event', 'cancel', { ref: msgId })
    expect(await detail(after.incidentId!)).toMatchObject({ status: 'open', cancelled: true })
    expect((await detail(before.incidentId!)).cancelled).toBe(false)
  })

  it('dispatch: nearest responder first; accepts, sees the pack, reveals the key-safe code (audited) and arrives on the phone page', async () => {
    const h = await seedHome(p.api)
    const other = await seedHome(p.api) // another district: never a candidate
    await p.db.query("update residents set access_notes = $2, key_safe_code_enc = $3, conditions = '[\"高血压\",\"糖尿病\"]' where id = $1",
      [h.residentId, '单元门密码 1234#，三楼左手', p.app.fieldCrypto.encrypt('4321')])
    const mk = (name: string, areaId: string, extra: Record<string, unknown> = {}) => p.api.post('/api/responders', { name, kind: 'care_worker', areaId, phone: '13700001111', ...extra })
    const street = await mk('街道志愿者', h.streetId)
    const near = await mk('社区护理员', h.communityId)
    const far = await mk('外区人员', other.communityId)
    await mk('休班人员', h.communityId, { onDuty: false })
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    const cands = await p.api.get(`/api/incidents/${incidentId}/candidates`)
    expect(cands.items.map((c: { id: string }) => c.id)).toEqual([near.id, street.id])
    expect(cands.items.map((c: { id: string }) => c.id)).not.toContain(far.id)

    const notOpen = await p.api.post(`/api/incidents/${incidentId}/dispatch`, {}).catch((e) => e)
    expect(notOpen.status).toBe(409) // dispatch needs an acknowledgement first
    await p.api.post(`/api/incidents/${incidentId}/acknowledge`, {})
    const dispatched = await p.api.post(`/api/incidents/${incidentId}/dispatch`, {})
    expect(dispatched).toMatchObject({ status: 'dispatched', responder: { id: near.id, offerStatus: 'offered' }, offer: { responderId: near.id } })
    expect(new Date(dispatched.onSceneDueAt).getTime() - new Date(dispatched.dispatchedAt).getTime()).toBe(45 * 60_000)

    // The link goes to the responder's channel (here the webhook), never back to the operator (issue 13).
    expect(dispatched.offer).not.toHaveProperty('link')
    await p.app.response.notifier.flush()
    const link: string = hook.got.filter((g) => g.body.kind === 'dispatch_offer' && g.body.data?.offerId === dispatched.offer.id)[0].body.link
    const page = async () => { const r = await fetch(p.httpUrl + link); return { status: r.status, html: await r.text(), headers: r.headers } }
    const before = await page()
    expect(before.status).toBe(200)
    expect(before.headers.get('referrer-policy')).toBe('no-referrer')
    expect(before.html).toContain('接受出勤')
    expect(before.html).not.toContain('三楼左手') // the pack only after accepting
    const post = (action: string) => fetch(`${p.httpUrl}${link}/${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' })
    expect((await post('accept')).status).toBe(303)
    const pack = await page()
    expect(pack.html).toContain('三楼左手')
    expect(pack.html).toContain('幸福路 1 号')
    expect(pack.html).toContain('高血压')
    expect(pack.html).not.toContain('4321')
    expect(pack.html).not.toContain('13800001234') // the resident's phone is not in the pack
    const reveal = await post('key-safe')
    expect(await reveal.text()).toContain('4321')
    const audit = await p.db.query<{ action: string, area_path: string, data: { responderId: string } }>("select action, area_path, data from audit_log where action = 'resident.key_safe_reveal' and target_id = $1", [h.residentId])
    expect(audit.rows).toHaveLength(1)
    // Attributed to the responder and filed under the incident's area, so that area's auditors see it (issue 13).
    expect(audit.rows[0].data.responderId).toBe(near.id)
    expect(audit.rows[0].area_path).toMatch(new RegExp(`/${h.communityId}/$`))
    expect((await post('arrive')).status).toBe(303)
    const onScene = await detail(incidentId!)
    expect(onScene).toMatchObject({ status: 'on_scene', responder: { id: near.id, offerStatus: 'arrived' } })
    expect(onScene.onSceneAt).not.toBeNull()
    expect((await post('depart')).status).toBe(303)
    const forged = await fetch(`${p.httpUrl}${link.slice(0, -3)}abc`)
    expect(forged.status).toBe(404)
    await p.api.post(`/api/incidents/${incidentId}/resolve`, { outcome: 'responder_no_injury' })
    const tl = await kinds(incidentId!)
    for (const k of ['offered', 'offer_accepted', 'key_safe_revealed', 'arrive', 'responder_departed', 'resolve']) expect(tl).toContain(k)
  })

  it('an unanswered offer cascades to the next candidate; the on-scene deadline breach is recorded once', async () => {
    const h = await seedHome(p.api)
    const first = await p.api.post('/api/responders', { name: '甲', kind: 'volunteer', areaId: h.communityId, phone: '13700002222' })
    const second = await p.api.post('/api/responders', { name: '乙', kind: 'volunteer', areaId: h.streetId, phone: '13700003333' })
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    const inc = await detail(incidentId!)
    at(inc, 20_000)
    await p.api.post(`/api/incidents/${incidentId}/acknowledge`, {})
    const d = await p.api.post(`/api/incidents/${incidentId}/dispatch`, { responderId: first.id })
    expect(d.offer.responderId).toBe(first.id)
    at(inc, 20_000 + 3 * 60_000)
    await p.app.response.sla.tick()
    const offers = (await p.api.get(`/api/incidents/${incidentId}/offers`)).items
    expect(offers.map((o: { responderId: string, status: string }) => [o.responderId, o.status])).toEqual([[first.id, 'timed_out'], [second.id, 'offered']])
    at(inc, 20_000 + 45 * 60_000)
    await p.app.response.sla.tick()
    await p.app.response.sla.tick()
    const after = await detail(incidentId!)
    expect(after.onSceneBreached).toBe(true)
    expect(count(after.timeline.map((t) => t.kind), 'on_scene_breached')).toBe(1)
    clock.t = Date.now()
  })

  it('an intercom call from a resident living alone is P1 and rings; the operator answers through the intercom', async () => {
    const h = await seedHome(p.api) // seedHome's resident lives alone
    const intercom = await p.api.post('/api/devices', { type: 'intercom', siteId: h.siteId, residentId: h.residentId })
    const { incidentId } = await alarm(p, intercom.id, 'intercom', 'call_request', { callId: 'c-900' })
    expect(await detail(incidentId!)).toMatchObject({ type: 'call_request', priority: 'P1' })
    const answered = await p.api.post(`/api/incidents/${incidentId}/intercom/answer`, {})
    const cmd = await p.api.get(`/api/commands/${answered.command.id}`)
    expect(cmd).toMatchObject({ type: 'intercom.answer', deviceId: intercom.id, args: { callId: 'c-900' } })
    await alarm(p, intercom.id, 'intercom', 'call_answered', { callId: 'c-900' })
    expect(await kinds(incidentId!)).toEqual(expect.arrayContaining(['intercom_call_request', 'intercom_answer', 'intercom_call_answered']))
  })

  it('family contacts who consented are told on opening and resolution through the webhook, after a 500 retry', async () => {
    const h = await seedHome(p.api)
    await p.db.query('update residents set contacts = $2 where id = $1', [h.residentId,
      JSON.stringify([{ name: '儿子', phone: '13900000000', relation: 'son', notify: true }, { name: '邻居', phone: '13900000001' }])])
    hook.got.length = 0
    hook.failOnce.push((b) => b.kind === 'incident_opened' && b.to?.phone === '13900000000')
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    await p.api.post(`/api/incidents/${incidentId}/acknowledge`, {})
    await p.api.post(`/api/incidents/${incidentId}/resolve`, { outcome: 'handled_by_call' })
    await p.app.response.notifier.flush()
    const family = hook.got.filter((g) => g.body.incidentId === incidentId)
    // Only the consenting contact; the opening is delivered on its second attempt (order may vary).
    expect(family.map((g) => [g.body.kind, g.body.to.name, g.headers['x-eldercare-attempt']]).sort()).toEqual([
      ['incident_opened', '儿子', '1'], ['incident_opened', '儿子', '2'], ['incident_resolved', '儿子', '1']])
    expect(family[0].headers['x-eldercare-signature']).toMatch(/^sha256=[0-9a-f]{64}$/)
    expect(count(await kinds(incidentId!), 'notified')).toBe(2)
  })

  it('[P-4.1] a family message that cannot be stored fails its transaction: no incident (the alarm stays in the inbox), no resolution, until it can be', async () => {
    const h = await seedHome(p.api)
    await p.db.query('update residents set contacts = $2 where id = $1', [h.residentId, JSON.stringify([{ name: '存不下', phone: '13900000002', notify: true }])])
    // a real database fault on the outbox row only (it goes with the COMMIT, Transaction.beforeCommit)
    await p.db.exec(`
      create function re_refuse() returns trigger language plpgsql as $$
      begin raise exception 'outbox refused for the test'; end $$;
      create trigger re_refuse before insert on notification_outbox for each row
        when (new.payload->'to'->>'name' = '存不下') execute function re_refuse();`)
    const outboxRows = (incidentId: string) => p.db.query<{ kind: string }>(
      "select payload->>'kind' as kind from notification_outbox where incident_id = $1 order by created_at", [incidentId])
    let incidentId: string
    try {
      const { rows } = await p.db.query<{ seq: string }>("insert into inbox (device_id, msg_id, kind, type, payload) values ($1, $2, 'event', 'fall', $3) returning seq",
        [h.device.id, `m-${randomUUID()}`, JSON.stringify({ ts: Date.now(), type: 'fall' })])
      expect(await p.app.engine.settled(rows[0].seq, 1500)).toBeNull()
      expect((await p.db.query('select 1 from incidents where resident_id = $1', [h.residentId])).rows).toHaveLength(0)
      await p.db.exec('drop trigger re_refuse on notification_outbox')
      incidentId = (await p.app.engine.settled(rows[0].seq))!.incidentId!
      expect(incidentId).toBeTruthy()
      expect((await outboxRows(incidentId)).rows.map((r) => r.kind)).toEqual(['incident_opened'])
      await p.api.post(`/api/incidents/${incidentId}/acknowledge`, {})
      await p.db.exec(`create trigger re_refuse before insert on notification_outbox for each row
        when (new.payload->'to'->>'name' = '存不下') execute function re_refuse();`)
      const refused = await p.api.post(`/api/incidents/${incidentId}/resolve`, { outcome: 'handled_by_call' }).catch((e: ApiError) => e)
      expect(refused).toBeInstanceOf(ApiError)
      expect((refused as ApiError).status).toBe(500)
      expect((await detail(incidentId)).status).toBe('acknowledged')
    } finally {
      await p.db.exec('drop trigger if exists re_refuse on notification_outbox; drop function re_refuse();')
    }
    await p.api.post(`/api/incidents/${incidentId}/resolve`, { outcome: 'handled_by_call' })
    expect((await detail(incidentId)).status).toBe('resolved')
    expect((await outboxRows(incidentId)).rows.map((r) => r.kind)).toEqual(['incident_opened', 'incident_resolved'])
  })

  it('responders are confined to their area: operators list their subtree, supervisors only set onDuty', async () => {
    const h = await seedHome(p.api)
    const other = await seedHome(p.api)
    const mine = await p.api.post('/api/responders', { name: '本社区护理员', kind: 'care_worker', areaId: h.communityId, phone: '13700004444', geo: { lat: 32.99, lng: 112.53 } })
    const theirs = await p.api.post('/api/responders', { name: '他区护理员', kind: 'medical', areaId: other.communityId, phone: '13700005555' })
    const tag = h.streetId.slice(0, 8)
    await p.api.post('/api/users', { username: `rop-${tag}`, password: 'operator-pass', role: 'operator', areaId: h.streetId })
    await p.api.post('/api/users', { username: `rsup-${tag}`, password: 'supervisor-pass', role: 'supervisor', areaId: h.streetId })
    const op = new Api(p.httpUrl)
    await op.login(`rop-${tag}`, 'operator-pass')
    const listed = (await op.get('/api/responders')).items
    expect(listed.map((r: { id: string }) => r.id)).toEqual([mine.id])
    expect(listed[0].phone).not.toBe('13700004444') // masked for operators
    expect((await op.get(`/api/responders/${theirs.id}`).catch((e) => e)).status).toBe(404)
    expect((await op.request('PATCH', `/api/responders/${mine.id}`, { onDuty: false }).catch((e) => e)).status).toBe(403)
    const sup = new Api(p.httpUrl)
    await sup.login(`rsup-${tag}`, 'supervisor-pass')
    expect((await sup.request('PATCH', `/api/responders/${mine.id}`, { onDuty: false })).onDuty).toBe(false)
    expect((await sup.request('PATCH', `/api/responders/${mine.id}`, { phone: '13700009999' }).catch((e) => e)).status).toBe(400)
    expect((await p.api.post('/api/responders', { name: 'x', kind: 'robot', areaId: h.communityId, phone: '1' }).catch((e) => e)).status).toBe(400)
    // The consent flag is part of a resident's contacts.
    const r = await p.api.post('/api/residents', { name: '李爷爷', siteId: h.siteId, contacts: [{ name: '女儿', phone: '13900000002', notify: true }] })
    const { rows } = await p.db.query<{ contacts: Array<{ notify?: boolean }> }>('select contacts from residents where id = $1', [r.id])
    expect(rows[0].contacts[0].notify).toBe(true)
  })

  it('supervisors override the policy: a shorter P1 deadline applies to the next alarm', async () => {
    const policy = await p.api.get('/api/policies/response')
    const changed = { priority: policy.priority, sla: { ...policy.sla, ackDeadlineMs: { ...policy.sla.ackDeadlineMs, P1: 30_000 } } }
    const bad = await p.api.request('PUT', '/api/policies/response', { ...changed, sla: { ...changed.sla, offerTimeoutMs: 5 } }).catch((e) => e)
    expect(bad.status).toBe(400)
    await p.api.request('PUT', '/api/policies/response', changed)
    const h = await seedHome(p.api)
    const { incidentId } = await alarm(p, h.device.id, 'event', 'sos')
    const inc = await detail(incidentId!)
    expect(new Date(inc.ackDueAt!).getTime() - new Date(inc.openedAt).getTime()).toBe(30_000)
    await p.api.request('DELETE', '/api/policies/response')
  })

  it('documents the response endpoints in OpenAPI under the response tag', async () => {
    const doc = await (await fetch(`${p.httpUrl}/docs/json`)).json()
    for (const path of ['/api/incidents/{id}/dispatch', '/api/incidents/{id}/arrive', '/api/incidents/{id}/candidates', '/api/responders', '/api/policies/response', '/api/incidents/{id}/intercom/{action}']) {
      expect(Object.values(doc.paths[path] ?? {}).some((op: any) => op.tags?.includes('response')), path).toBe(true)
    }
  })

  it('deadlines survive a restart of the engine', async () => {
    const h = await seedHome(p.api)
    const { incidentId } = await alarm(p, h.device.id, 'event', 'fall')
    const inc = await detail(incidentId!)
    await p.close()
    p = await start()
    await p.api.login()
    at(inc, 61_000)
    await p.app.response.sla.tick()
    const after = await detail(incidentId!)
    expect(after.ackBreached).toBe(true)
    expect(count(after.timeline.map((t) => t.kind), 'escalated')).toBe(1)
  })

  // PGlite is one process's database: two engines sharing one exist only on PostgreSQL.
  if (opts.twoEngines) it('two engines on one database escalate an unacknowledged P1 exactly once', async () => {
    const q = await start()
    try {
      const h = await seedHome(p.api)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await alarm(p, h.device.id, 'event', i % 2 ? 'gas' : 'fall')).incidentId!)
      const incs = await Promise.all(ids.map((id) => detail(id)))
      clock.t = Math.max(...incs.map((i) => new Date(i.openedAt).getTime())) + 60_000
      const fired = await Promise.all([p.app.response.sla.tick(), q.app.response.sla.tick()])
      await Promise.all([p.app.response.sla.tick(), q.app.response.sla.tick()])
      for (const id of new Set(ids)) {
        const tl = await kinds(id)
        expect(count(tl, 'escalated')).toBe(1)
        expect(count(tl, 'ack_breached')).toBe(1)
      }
      expect(fired[0] + fired[1]).toBe(new Set(ids).size * 2)
    } finally {
      await q.close()
    }
  })
}

describe('response engine on PGlite', () => {
  const tmp = makeTempDir('response-pglite')
  responseSuite({
    name: 'pglite',
    env: async () => ({ DATA_DIR: `${tmp.dir}/data` }),
    cleanup: async () => tmp.remove()
  }, { twoEngines: false })
})

describe.skipIf(!pg.ok)('response engine on PostgreSQL', () => {
  let server: PostgresServer | undefined
  responseSuite({
    name: 'postgres',
    env: async () => {
      server ??= await startPostgres()
      return { DATABASE_URL: await server.createDatabase('response_engine') }
    },
    cleanup: async () => { await server?.stop() }
  }, { twoEngines: true })
})
