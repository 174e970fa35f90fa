/**
 * The operators' incident list (GET /api/incidents, up to 5,000) is read as the ids in order, then
 * the rows a page per statement (issue 11: 5,000 incidents in one statement held PGlite's worker —
 * every fall's inbox insert — 320–420 ms; npm run bench:reports). It answers what one statement
 * would, in its order (newest first, ties by id), on PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIST_PAGE_ROWS } from '@eldercare/platform'
import { seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { describeOnPostgres } from '../registry/registry-support.ts'

const N = 1100

/** A home with N incidents resolved a year ago (nothing for the engine or the clocks to do), three to a minute: ties on opened_at. */
async function seedResolvedIncidents (p: TestPlatform): Promise<void> {
  await p.api.login()
  const home = await seedHome(p.api)
  await p.db.query(`insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, acknowledged_at, resolved_at, outcome, updated_at, recorded_at, announced_at)
    select 'ilp-' || k, 'fall', 'P1', 'resolved', $1, $2, $3, 1, o.at, o.at + interval '60 seconds', o.at + interval '30 seconds', o.at + interval '20 minutes', 'responder_no_injury', o.at + interval '20 minutes', o.at, o.at
      from generate_series(1, ${N}) k cross join lateral (select now() - interval '365 days' + ((k / 3) || ' minutes')::interval as at) o`,
  [home.residentId, home.siteId, home.communityId])
}

function listSuite (engine: string, start: () => Promise<TestPlatform>) {
  describe(`the incident list on ${engine}`, () => {
    let p: TestPlatform

    beforeAll(async () => {
      p = await start()
      await seedResolvedIncidents(p)
    })
    afterAll(async () => { await p?.close() })

    it('answers every incident of the scope newest first, ties by id, a page of rows per statement', async () => {
      const expected = (await p.db.query<{ id: string }>(`select id from incidents order by opened_at desc, id limit 5000`)).rows.map((r) => r.id)
      expect(expected.length).toBeGreaterThanOrEqual(N)
      const before = p.db.onStatement
      let statements = 0
      p.db.onStatement = (t) => { statements++; before?.(t) }
      try {
        const { items } = await p.api.get<{ items: Array<{ id: string, residentName: string, siteName: string }> }>('/api/incidents?status=all&limit=5000')
        expect(items.map((i) => i.id)).toEqual(expected)
        expect(items.find((i) => i.id === 'ilp-7')).toMatchObject({ residentName: expect.any(String), siteName: expect.any(String) })
        expect(statements).toBeGreaterThanOrEqual(1 + Math.ceil(expected.length / LIST_PAGE_ROWS))
      } finally {
        p.db.onStatement = before
      }
      // a limit cuts the same order
      expect((await p.api.get<{ items: Array<{ id: string }> }>('/api/incidents?status=closed&limit=250')).items.map((i) => i.id)).toEqual(
        (await p.db.query<{ id: string }>(`select id from incidents where status in ('resolved', 'closed_false_alarm') order by opened_at desc, id limit 250`)).rows.map((r) => r.id))
    })
  })
}

listSuite('PGlite', () => startTestPlatform({}, { app: { response: { autoTick: false } } }))

describeOnPostgres('incident_list_pages', (url) => listSuite('PostgreSQL 15', () => startTestPlatform({ DATABASE_URL: url() }, { app: { response: { autoTick: false } } })))
