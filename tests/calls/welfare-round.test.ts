/**
 * A welfare round over 1,000 residents (issue 17) on the real embedded platform, with a fake
 * clock for the round's deadline: the message goes to every device that can speak it in batches
 * within the gateway's command budget; confirmations of each kind (an "I'm OK" checkin over
 * MQTT [P-3.2], an answered call, a recorded visit); at the deadline every unconfirmed resident
 * becomes a P3 incident, and the round keeps its figures for the report.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PublishPacket } from 'aedes'
import { hashDeviceSecret } from '@eldercare/common'
import { SimDevice } from '@eldercare/device-sim'
import { eventually, startTestPlatform, type TestPlatform } from '../support/platform.ts'

const RESIDENTS = 1000
const BATCH = 100
const INTERVAL_MS = 300

describe('welfare round over 1,000 residents', () => {
  let p: TestPlatform
  /** the round's clock: real time plus an offset the test moves forward to reach the deadline */
  let offsetMs = 0
  const communities = [randomUUID(), randomUUID()]
  const residents: Array<{ id: string, siteId: string, community: string, device: { id: string, secret: string, type: string } | null }> = []
  let districtId: string
  /** when the gateway published each `commands` packet */
  const commandTimes: number[] = []

  beforeAll(async () => {
    p = await startTestPlatform({}, { app: { welfareRounds: { now: () => Date.now() + offsetMs, broadcastBatchSize: BATCH, broadcastIntervalMs: INTERVAL_MS, deadlineSweepMs: 3_600_000 } } })
    await p.api.login()
    const root = (await p.db.query<{ id: string, path: string }>(`select id, path from areas where level = 'city' limit 1`)).rows[0]
    districtId = randomUUID()
    const streetId = randomUUID()
    const dPath = `${root.path}${districtId}/`
    const sPath = `${dPath}${streetId}/`
    // The registry of a district, written in one transaction (the REST API would take minutes for 1,000 homes).
    await p.db.transaction(async (tx) => {
      await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, '高温区', 'district', $2, $3)`, [districtId, root.id, dPath])
      await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, '街道', 'street', $2, $3)`, [streetId, districtId, sPath])
      for (const [i, c] of communities.entries()) await tx.query(`insert into areas (id, name, level, parent_id, path) values ($1, $2, 'community', $3, $4)`, [c, `社区${i + 1}`, streetId, `${sPath}${c}/`])
      for (let i = 0; i < RESIDENTS; i++) {
        const siteId = randomUUID()
        const id = randomUUID()
        const community = communities[i < 600 ? 0 : 1]
        await tx.query(`insert into sites (id, name, kind, area_id) values ($1, $2, 'home', $3)`, [siteId, `家${i}`, community])
        await tx.query(`insert into residents (id, name, site_id, lives_alone) values ($1, $2, $3, true)`, [id, `老人${String(i).padStart(4, '0')}`, siteId])
        // residents 0–299 have an intercom, 300–599 an SOS button that can speak, the rest nothing
        const type = i < 300 ? 'intercom' : i < 600 ? 'sos_button' : null
        const device = type ? { id: `wr-${type.replace('_', '')}-${i}`, secret: `secret-${i}-${randomUUID()}`, type } : null
        if (device) await tx.query(`insert into devices (id, type, site_id, resident_id, secret_hash) values ($1, $2, $3, $4, $5)`, [device.id, device.type, siteId, id, hashDeviceSecret(device.secret)])
        residents.push({ id, siteId, community, device })
      }
    })
    p.gateway.broker.on('publish', (packet: PublishPacket) => { if (/^care\/v1\/devices\/[^/]+\/commands$/.test(packet.topic)) commandTimes.push(Date.now()) })
  })

  afterAll(async () => {
    await p?.close()
  })

  let roundId: string

  it('starts a round over the district: everyone in scope, the message spoken in batches within the gateway\'s budget', async () => {
    const deadline = new Date(Date.now() + 3 * 3600_000).toISOString()
    const round = await p.api.post('/api/welfare-rounds', { areaId: districtId, message: '今天高温，请多喝水；平安请按“我很好”', deadline })
    roundId = round.id
    expect(round).toMatchObject({ status: 'running', total: RESIDENTS, confirmed: 0, unconfirmed: RESIDENTS })
    const started = Date.now()
    await eventually(async () => commandTimes.length >= 600, 30_000, '600 speak commands published')
    const elapsed = Date.now() - started
    // [P-3.5] one speak per device; never more than a batch within one interval
    const { rows } = await p.db.query<{ n: string }>(`select count(*) as n from commands where type = 'speak' and args->>'welfareRound' = $1`, [roundId])
    expect(Number(rows[0].n)).toBe(600)
    // The platform sends at most a batch in any interval (each command is published right after its commit) …
    const sent = (await p.db.query<{ at: Date }>(`select created_at as at from commands where type = 'speak' order by created_at`)).rows.map((r) => new Date(r.at).getTime())
    let peak = 0
    for (const t of sent) peak = Math.max(peak, sent.filter((u) => u >= t && u < t + INTERVAL_MS).length)
    expect(peak).toBeLessThanOrEqual(BATCH)
    // … and the gateway, which saw all 600 go out, at no more than the budget's rate on the whole
    const published = commandTimes.at(-1)! - commandTimes[0]
    expect(published).toBeGreaterThanOrEqual(5 * INTERVAL_MS) // six batches, five pauses
    expect(600 / published).toBeLessThanOrEqual(BATCH / INTERVAL_MS)
    console.log(`welfare broadcast: 600 speak commands published over ${published} ms (${elapsed} ms after the start), peak ${peak} sent per ${INTERVAL_MS} ms (budget ${BATCH})`)
  })

  it('counts confirmations of each kind: a checkin over MQTT, an answered call, a recorded visit', async () => {
    // [P-3.2] ten elders press "I'm OK" on their intercoms
    for (const r of residents.slice(0, 10)) {
      const d = new SimDevice({ url: p.mqttUrl, credentials: r.device! })
      await d.connect()
      await d.event('checkin')
      await d.close()
    }
    // five answered care calls (recorded as the calls feature records them)
    for (const r of residents.slice(300, 305)) {
      await p.db.query(`insert into calls (id, direction, status, device_id, device_call_id, resident_id, started_at, answered_at, ended_at)
                        values ($1, 'outbound', 'ended', $2, $1, $3, now(), now(), now())`, [`call-${randomUUID()}`, r.device!.id, r.id])
    }
    // five visits recorded through the visits API (residents without any device)
    for (const r of residents.slice(900, 905)) {
      const planned = await p.api.post('/api/visits', { residentId: r.id, dueDate: new Date().toISOString().slice(0, 10) })
      await p.api.post(`/api/visits/${planned.id}/record`, { visitedAt: new Date().toISOString(), outcome: 'well', followUpNeeded: false })
    }
    const progress = await eventually(async () => {
      const g = await p.api.get(`/api/welfare-rounds/${roundId}`)
      return g.confirmed === 20 && g
    }, 10_000, 'twenty confirmations')
    expect(progress.byKind).toEqual({ checkin: 10, call: 5, visit: 5, phone: 0 })
    expect(progress.unconfirmed).toBe(980)
    expect(progress.unconfirmedResidents).toHaveLength(980)
    expect(progress.byCommunity).toEqual([
      { areaId: communities[0], name: '社区1', total: 600, confirmed: 15 },
      { areaId: communities[1], name: '社区2', total: 400, confirmed: 5 }
    ])
    expect(progress.speak).toMatchObject({ devices: 600, sent: 600 })
  })

  it('at the deadline the unconfirmed become P3 incidents, and the round keeps its figures for the report', async () => {
    offsetMs = 3 * 3600_000 + 1000
    await p.app.welfareRounds.sweepDeadlines()
    const { rows } = await p.db.query<{ n: string, priorities: string[] }>(
      `select count(*) as n, array_agg(distinct priority) as priorities from incidents where type = 'welfare_unconfirmed' and resident_id in (select resident_id from welfare_round_residents where round_id = $1)`, [roundId])
    expect(Number(rows[0].n)).toBe(980)
    expect(rows[0].priorities).toEqual(['P3'])
    const closed = await p.api.get(`/api/welfare-rounds/${roundId}`)
    expect(closed).toMatchObject({ status: 'closed', total: RESIDENTS, confirmed: 20, incidents: 980 })
    expect(closed.unconfirmedResidents.every((r: { incidentId: string | null }) => r.incidentId !== null)).toBe(true)
    const { rows: kept } = await p.db.query<{ figures: any }>('select figures from welfare_rounds where id = $1', [roundId])
    expect(kept[0].figures).toMatchObject({ total: RESIDENTS, confirmed: 20, unconfirmed: 980, incidents: 980, byKind: { checkin: 10, call: 5, visit: 5 } })
    // sweeping again raises nothing more
    await p.app.welfareRounds.sweepDeadlines()
    const again = await p.db.query<{ n: string }>(`select count(*) as n from incidents where type = 'welfare_unconfirmed'`)
    expect(Number(again.rows[0].n)).toBe(980)
    const list = await p.api.get('/api/welfare-rounds')
    expect(list.items[0]).toMatchObject({ id: roundId, status: 'closed', confirmed: 20 })
  })
})
