/**
 * The incident engine's batch (issue 11): inbox rows of different sites claimed together are
 * applied side by side in one transaction, rows of one site in their order — on the real stack
 * (PGlite in its worker thread, socket.io to an operator). The rows are written as the gateway
 * writes them, in one statement, so that one engine pass claims them all.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
const homes: SeededHome[] = []

beforeAll(async () => {
  // the safety-net poll once an hour: the test wakes the engine itself, once the rows are in
  p = await startTestPlatform({}, { app: { engine: { pollIntervalMs: 3_600_000 } } })
  await p.api.login()
  for (let i = 0; i < 6; i++) homes.push(await seedHome(p.api))
}, 60_000)

afterAll(async () => { await p?.close() })

interface Row { device_id: string, msg_id: string, kind: string, type: string, payload: Record<string, unknown> }
const event = (h: SeededHome, type: string, extra: Record<string, unknown> = {}): Row => {
  const id = `eb-${randomUUID()}`
  return { device_id: h.device.id, msg_id: id, kind: 'event', type, payload: { id, ts: Date.now(), type, ...extra } }
}

async function insert (rows: Row[]): Promise<void> {
  await p.db.query(
    `insert into inbox (device_id, msg_id, kind, type, payload)
     select x.device_id, x.msg_id, x.kind, x.type, x.payload from jsonb_to_recordset($1::jsonb) as x(device_id text, msg_id text, kind text, type text, payload jsonb)`,
    [JSON.stringify(rows)])
}

async function drained (): Promise<void> {
  p.app.engine.wake()
  await eventually(async () => (await p.app.engine.backlog()) === 0, 10_000, 'the inbox drained')
}

const linked = async (rows: Row[]): Promise<Array<{ msg_id: string, incident_id: string | null, site_id: string | null }>> =>
  (await p.db.query<{ msg_id: string, incident_id: string | null, site_id: string | null }>(
    `select i.msg_id, i.incident_id, n.site_id from inbox i left join incidents n on n.id = i.incident_id
      where i.msg_id = any($1::text[]) order by i.seq`, [rows.map((r) => r.msg_id)])).rows

describe('the incident engine applies a batch site by site', () => {
  it('[P-3.2] rows of different sites side by side, rows of one site in order: repeats join, a cancel finds its event, one announcement per incident', async () => {
    const [a, b, c, d, e, f] = homes
    const bFall = event(b, 'fall')
    // interleaved as a city's alarms arrive: one engine pass (batch of 16) claims all ten
    // (of different types that correlate: the one-active-incident-per-type index cannot rescue a wrong order)
    const rows = [event(a, 'fall'), bFall, event(c, 'fall'), event(a, 'sos'), event(b, 'cancel', { ref: bFall.msg_id }),
      event(d, 'fall'), event(e, 'fall'), event(f, 'fall'), event(a, 'inactivity'), event(c, 'sos')]
    const socket = await p.api.connectedSocket()
    const opened: string[] = []
    socket.on('incident:opened', (i) => { if (i.siteId && homes.some((h) => h.siteId === i.siteId)) opened.push(i.siteId) })
    try {
      await insert(rows)
      await drained()
      // every row linked to an incident of its own site (a cancel to the incident of its event)
      const links = await linked(rows)
      const siteOf = new Map(homes.map((h) => [h.device.id, h.siteId]))
      for (const [i, row] of rows.entries()) expect(links[i], row.type).toMatchObject({ msg_id: row.msg_id, site_id: siteOf.get(row.device_id) })
      // a site's later alarms joined its first: had one site's rows run side by side, each would
      // have found no open incident and opened its own
      const incidents = await p.db.query<{ site_id: string, alarm_count: number, cancelled_at: Date | null }>(
        'select site_id, alarm_count, cancelled_at from incidents where site_id = any($1::text[])', [homes.map((h) => h.siteId)])
      const bySite = new Map(incidents.rows.map((r) => [r.site_id, r]))
      expect(incidents.rows).toHaveLength(6)
      expect(bySite.get(a.siteId)!.alarm_count).toBe(3)
      expect(bySite.get(c.siteId)!.alarm_count).toBe(2)
      expect(bySite.get(b.siteId)!.cancelled_at).not.toBeNull()
      for (const h of [d, e, f]) expect(bySite.get(h.siteId)!.alarm_count).toBe(1)
      await eventually(async () => opened.length >= 6, 5000, 'six announcements')
      expect(opened.sort()).toEqual(homes.map((h) => h.siteId).sort())
    } finally {
      socket.close()
    }
  })

  it('a row that fails rolls back its whole batch, the other sites\' rows are applied row by row, and it is applied once the fault is gone', async () => {
    const [a, b, c] = homes
    // a real database fault for one site only: a trigger refusing its incidents
    await p.db.exec(`
      create function eb_refuse() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$;
      create trigger eb_refuse before insert or update on incidents for each row
        when (new.site_id = '${b.siteId}') execute function eb_refuse();`)
    const rows = [event(a, 'sos'), event(b, 'sos'), event(c, 'sos')]
    try {
      await insert(rows)
      p.app.engine.wake()
      // the row before the bad one is applied on its own once the batch failed
      await eventually(async () => (await linked(rows))[0].incident_id !== null, 10_000, 'the first row applied')
      const during = await linked(rows)
      expect(during[1].incident_id).toBeNull()
      expect((await p.db.query<{ n: number }>('select count(*)::int as n from incidents where site_id = $1 and type = $2', [b.siteId, 'sos'])).rows[0].n).toBe(0)
    } finally {
      await p.db.exec('drop trigger eb_refuse on incidents; drop function eb_refuse();')
    }
    await drained()
    const after = await linked(rows)
    expect(after.map((r) => r.site_id)).toEqual([a.siteId, b.siteId, c.siteId])
  })
})
