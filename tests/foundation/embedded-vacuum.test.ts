/**
 * The embedded platform vacuums its PGlite (platform/src/db/vacuum.ts; PGlite has no autovacuum):
 * a pass runs on its own, is logged, and the database's transaction-id age it reports is the one
 * `/metrics` shows (`eldercare_db_xid_age`). On PostgreSQL autovacuum does this, and the job does
 * not start.
 */
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { Writable } from 'node:stream'
import type { VacuumPass } from '@eldercare/platform'
import { startTestPlatform } from '../support/platform.ts'
import { needsPostgres, startPostgres } from '../support/postgres.ts'

function capture (): { logger: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb() } })
  return { logger: pino({ level: 'info' }, stream), lines }
}

describe('embedded database VACUUM', () => {
  it('runs a pass on PGlite on its own, and /metrics shows the database\'s transaction-id age', async () => {
    const passes: VacuumPass[] = []
    const p = await startTestPlatform({}, { vacuum: { firstAfterMs: 0, intervalMs: 3600_000, onPass: (x) => passes.push(x) } })
    try {
      await expect.poll(() => passes.length, { timeout: 20_000 }).toBe(1)
      expect(passes[0]!.tables + passes[0]!.notDue).toBeGreaterThan(50)
      expect(passes[0]!.leavesSkipped).toBeGreaterThan(0)
      const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text()
      const age = Number(/^eldercare_db_xid_age (\d+)/m.exec(metrics)?.[1])
      expect(age).toBeGreaterThanOrEqual(passes[0]!.xidAgeAfter)
    } finally {
      await p.close()
    }
  })

  it('logs each pass by default', async () => {
    const { logger, lines } = capture()
    const p = await startTestPlatform({}, { logger, vacuum: { firstAfterMs: 0 } })
    try {
      await expect.poll(() => lines.find((l) => l.msg === 'embedded database vacuumed'), { timeout: 20_000 }).toBeDefined()
      const line = lines.find((l) => l.msg === 'embedded database vacuumed')!
      expect(line).toMatchObject({ part: 'vacuum', tables: expect.any(Number), analyzed: expect.any(Number), leavesSkipped: expect.any(Number), xidAgeAfter: expect.any(Number) })
    } finally {
      await p.close()
    }
  })

  const pg = needsPostgres()
  it.skipIf(!pg.ok)('does not start on PostgreSQL (autovacuum does it there)', async () => {
    const server = await startPostgres()
    const passes: VacuumPass[] = []
    try {
      const p = await startTestPlatform({ DATABASE_URL: await server.createDatabase('no_embedded_vacuum') }, { vacuum: { firstAfterMs: 0, onPass: (x) => passes.push(x) } })
      try {
        // the same first pass took well under a second on PGlite above
        await new Promise((resolve) => setTimeout(resolve, 1500))
        expect(passes).toEqual([])
        expect(await (await fetch(`${p.httpUrl}/metrics`)).text()).toMatch(/^eldercare_db_xid_age \d+/m)
      } finally {
        await p.close()
      }
    } finally {
      await server.stop()
    }
  })
})
