/**
 * Issue 13: nobody acts outside their area. The response policy per area (inherited down the
 * tree, a supervisor only for their own subtree, audited with before and after), one root area
 * per installation, dispatch of a named responder confined like every read, usernames unique
 * whatever their case.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Api, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const status = (p: Promise<unknown>) => p.then(() => 200, (e) => e.status as number)

describe('area boundaries (issue 13)', () => {
  let p: TestPlatform
  let a: SeededHome
  let b: SeededHome
  const sup = () => { const api = new Api(p.httpUrl); return api.login('sup-a', 'supervisor-pass').then(() => api) }

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    a = await seedHome(p.api)
    b = await seedHome(p.api)
    await p.api.post('/api/users', { username: 'sup-a', password: 'supervisor-pass', role: 'supervisor', areaId: a.districtId })
  })
  afterAll(async () => { await p?.close() })

  /** An SOS of the home's resident; closed again unless `keepOpen`, so the next one opens a new incident. */
  const alarm = async (h: SeededHome, keepOpen = false) => {
    const msgId = `m-${randomUUID()}`
    const { rows } = await p.db.query<{ seq: string }>('insert into inbox (device_id, msg_id, kind, type, payload) values ($1, $2, $3, $4, $5) returning seq',
      [h.device.id, msgId, 'event', 'sos', JSON.stringify({ id: msgId, ts: Date.now(), type: 'sos' })])
    const id = (await p.app.engine.settled(rows[0].seq))!.incidentId!
    const inc = await p.api.get(`/api/incidents/${id}`)
    if (!keepOpen) {
      await p.api.post(`/api/incidents/${id}/acknowledge`, {})
      await p.api.post(`/api/incidents/${id}/resolve`, { outcome: 'false_alarm_user' })
    }
    return { id, ackMs: new Date(inc.ackDueAt).getTime() - new Date(inc.openedAt).getTime() }
  }

  it('a supervisor\'s policy applies to their own district only, and they cannot touch the default', async () => {
    const s = await sup()
    const policy = await s.get('/api/policies/response')
    expect(policy).toMatchObject({ areaId: a.districtId, overridden: false, inheritedFrom: null })
    const changed = { priority: policy.priority, sla: { ...policy.sla, ackDeadlineMs: { ...policy.sla.ackDeadlineMs, P1: 30_000 } } }
    const root = (await p.api.get('/api/areas')).items.find((x: { depth: number }) => x.depth === 0)
    expect(await status(s.request('PUT', `/api/policies/response?areaId=${root.id}`, changed))).toBe(404)
    expect(await status(s.request('PUT', `/api/policies/response?areaId=${b.districtId}`, changed))).toBe(404)
    expect(await status(s.request('DELETE', `/api/policies/response?areaId=${root.id}`))).toBe(404)
    const put = await s.request('PUT', '/api/policies/response', changed)
    expect(put).toMatchObject({ areaId: a.districtId, overridden: true })
    // inherited below, untouched beside
    expect(await s.get(`/api/policies/response?areaId=${a.communityId}`)).toMatchObject({ inheritedFrom: a.districtId, sla: { ackDeadlineMs: { P1: 30_000 } } })
    expect((await alarm(a)).ackMs).toBe(30_000)
    expect((await alarm(b)).ackMs).toBe(60_000)
    const audit = await p.db.query<{ area_path: string, data: any }>("select area_path, data from audit_log where action = 'policy.update' and target_id = $1", [a.districtId])
    expect(audit.rows).toHaveLength(1)
    expect(audit.rows[0].data.before.sla.ackDeadlineMs.P1).toBe(60_000)
    expect(audit.rows[0].data.after.sla.ackDeadlineMs.P1).toBe(30_000)
    expect(audit.rows[0].area_path).toContain(`/${a.districtId}/`)
  })

  it('the root administrator sets the default for every area without its own override', async () => {
    const policy = await p.api.get('/api/policies/response')
    const changed = { priority: policy.priority, sla: { ...policy.sla, ackDeadlineMs: { ...policy.sla.ackDeadlineMs, P1: 45_000 } } }
    await p.api.request('PUT', '/api/policies/response', changed)
    expect((await alarm(b)).ackMs).toBe(45_000)
    expect((await alarm(a)).ackMs).toBe(30_000) // the district's override wins below it
    await p.api.request('DELETE', '/api/policies/response')
    expect((await alarm(b)).ackMs).toBe(60_000)
  })

  it('one root per installation: a second city without a parent is refused, districts go under the root', async () => {
    const err = await p.api.post('/api/areas', { name: '另一个市', level: 'city' }).catch((e) => e)
    expect(err.status).toBe(400)
    expect(err.body.error.message).toMatch(/one root area/)
    const root = (await p.api.get('/api/areas')).items.find((x: { depth: number }) => x.depth === 0)
    const district = await p.api.post('/api/areas', { name: '新区', level: 'district', parentId: root.id })
    expect((await p.api.post('/api/areas', { name: '新街道', level: 'street', parentId: district.id })).id).toBeTruthy()
  })

  it('dispatch to a named responder of another district is 404, as for any record outside the area', async () => {
    await p.api.post('/api/users', { username: 'op-a', password: 'operator-pass', role: 'operator', areaId: a.districtId })
    const op = new Api(p.httpUrl)
    await op.login('op-a', 'operator-pass')
    const theirs = await p.api.post('/api/responders', { name: '他区护理员', kind: 'care_worker', areaId: b.communityId, phone: '13700005555' })
    const ours = await p.api.post('/api/responders', { name: '本区护理员', kind: 'care_worker', areaId: a.communityId, phone: '13700006666' })
    const { id } = await alarm(a, true)
    await op.post(`/api/incidents/${id}/acknowledge`, {})
    expect(await status(op.post(`/api/incidents/${id}/dispatch`, { responderId: theirs.id }))).toBe(404)
    // not even the root administrator sends a responder out of the incident's district
    expect(await status(p.api.post(`/api/incidents/${id}/dispatch`, { responderId: theirs.id }))).toBe(404)
    expect((await op.post(`/api/incidents/${id}/dispatch`, { responderId: ours.id })).offer.responderId).toBe(ours.id)
  })

  it('usernames are unique whatever their case', async () => {
    await p.api.post('/api/users', { username: 'Wang.Li', password: 'operator-pass', role: 'operator', areaId: a.communityId })
    const err = await p.api.post('/api/users', { username: 'wang.li', password: 'operator-pass', role: 'operator', areaId: b.communityId }).catch((e) => e)
    expect(err.status).toBe(409)
    expect(err.body.error.code).toBe('PLT_ERR_USERNAME_TAKEN')
  })
})
