/**
 * Supervision reads in pages (issue 11): the population report, visit coverage, the roster, the
 * assessment due list and the month's statement read a subtree's residents' ids first and then a
 * page of 1,000 residents per statement — on the embedded database so that no statement holds the
 * worker every alarm's insert waits for, on both so that no answer holds the event loop long. The
 * same city — 2,500 residents, the bench's deterministic seed (tests/bench/supervision.ts) — on
 * PGlite and PostgreSQL must answer the same, figure for figure and list for list; and the
 * embedded one must have read in pages. (platform/test/supervision-pages.test.ts holds the pages
 * to one page, function by function.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedSql } from '../bench/supervision.ts'
import { startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { needsPostgres, startPostgres, type PostgresServer } from '../support/postgres.ts'

const NOW = Date.parse('2026-01-10T02:00:00Z')
const appOptions = { app: { now: () => NOW, statementJobMs: 0, response: { autoTick: false } } }
const pg = needsPostgres()

describe.skipIf(!pg.ok)('supervision reads in pages, on PGlite and PostgreSQL alike', () => {
  let server: PostgresServer | undefined
  let lite: TestPlatform
  let full: TestPlatform
  /** each engine's root area (made at its first start) */
  const roots = new Map<TestPlatform, string>()
  beforeAll(async () => {
    server = await startPostgres()
    lite = await startTestPlatform({}, appOptions)
    full = await startTestPlatform({ DATABASE_URL: await server.createDatabase('supervision_pages') }, appOptions)
    for (const p of [lite, full]) {
      await p.api.login()
      const { rows } = await p.db.query<{ id: string, path: string }>('select id, path from areas where parent_id is null')
      roots.set(p, rows[0]!.id)
      await p.db.exec(seedSql(rows[0]!, { residents: 2500, beds: 300 }))
    }
  }, 180_000)
  afterAll(async () => {
    await lite?.close()
    await full?.close()
    await server?.stop()
  })

  /** The answer on each engine (`ROOT` in the URL: each one's root area), and how many statements the embedded one ran for it. */
  const both = async (url: string) => {
    let statements = 0
    lite.db.onStatement = () => { statements++ }
    const onLite = await lite.api.get(url.replace('ROOT', roots.get(lite)!))
    lite.db.onStatement = undefined
    return { onLite: rooted(lite, onLite), onPg: rooted(full, await full.api.get(url.replace('ROOT', roots.get(full)!))), statements }
  }
  /** `answer` with its engine's root area id written ROOT */
  const rooted = (p: TestPlatform, answer: unknown) => JSON.parse(JSON.stringify(answer).replaceAll(roots.get(p)!, 'ROOT'))

  it('the city\'s population report: the same figures, read in pages', async () => {
    const { onLite, onPg, statements } = await both(`/api/reports/population?areaId=ROOT&date=2025-12-31`)
    expect(onLite).toEqual(onPg)
    expect(onLite.total).toBe(2500)
    expect(onLite.assessments.assessedCurrent).toBeGreaterThan(1000)
    // the ids, three pages of residents, three of assessments (each with its condition changes)
    expect(statements).toBeGreaterThan(12)
  })

  it('a district\'s population report, the city\'s visit coverage and roster of a month, the assessment due list', async () => {
    for (const url of [
      '/api/reports/population?areaId=bd3&date=2025-12-31',
      `/api/reports/visit-coverage?areaId=ROOT&month=2025-12`,
      `/api/reports/roster?areaId=ROOT&groups=lives_alone&month=2025-11`,
      `/api/assessments/due?areaId=ROOT`
    ]) {
      const { onLite, onPg } = await both(url)
      expect(onLite, url).toEqual(onPg)
    }
    const coverage = await lite.api.get(`/api/reports/visit-coverage?areaId=${roots.get(lite)}&month=2025-12`)
    expect(coverage.due).toBeGreaterThan(1000)
    expect(coverage.visited).toBeGreaterThan(0)
    expect((await lite.api.get(`/api/assessments/due?areaId=${roots.get(lite)}`)).items.length).toBeGreaterThan(100)
  })

  it('the city\'s statement of a month: the same content', async () => {
    const made = await Promise.all([lite, full].map((p) => p.api.post('/api/statements', { areaId: roots.get(p), month: '2025-12', reason: 'pages test' })))
    const [onLite, onPg] = await Promise.all([lite, full].map((p, i) => p.api.get(`/api/statements/${made[i].id}`)))
    expect(rooted(lite, onLite.content)).toEqual(rooted(full, onPg.content))
  })
})
