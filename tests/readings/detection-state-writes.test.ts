/**
 * The detection rules' records are written in statements of at most
 * DETECTION_STATE_ROWS_PER_STATEMENT rows (issue 11): on the embedded database statements run one
 * at a time and an alarm's waits for the one running — 500 rows took 7–12 ms, 100 rows ~2 ms. Real
 * PGlite; the statements are counted as they pass to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { DetectionStateStore, DETECTION_STATE_ROWS_PER_STATEMENT } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { watchedSql } from '../support/engines.ts'

let db: Db
beforeAll(async () => { db = await openDb({ dataDir: 'memory://' }); await migrate(db) })
afterAll(async () => { await db?.close() })

describe('detection state writes', () => {
  it('writes 1,050 changed records in statements of at most DETECTION_STATE_ROWS_PER_STATEMENT rows, every record once, nothing again when nothing changed', async () => {
    const { sql, statements: upserts } = watchedSql(db, /^insert into detection_state/)
    const at = Date.UTC(2026, 11, 1, 2, 0, 0)
    const state = new DetectionStateStore(sql, pino({ level: 'silent' }), () => at, { flushDelayMs: 0, writer: 'test' })
    try {
      for (let i = 0; i < 1050; i++) {
        state.set(`res-w${i}`, 'input:activity', { mem: { at: at + i, deviceId: `dev-w${i}` } })
        state.touch(`res-w${i}`, 'input:activity', 'now')
      }
      await state.flush(at)
      // the measured choice, 100, not only whatever the constant says
      expect(DETECTION_STATE_ROWS_PER_STATEMENT).toBe(100)
      expect(upserts.map((u) => u.rows)).toEqual([...Array(10).fill(100), 50])
      // the normal lane, as before: the clock pass waits for this flush, and the background lane's
      // readings batches could hold it back for a long time under load
      expect(upserts.every((u) => u.priority === undefined)).toBe(true)
      const { rows } = await db.query<{ n: number }>("select count(*)::int as n from detection_state where subject like 'res-w%' and rule = 'input:activity'")
      expect(rows[0]!.n).toBe(1050)
      await state.flush(at) // nothing changed since: nothing written
      expect(upserts.length).toBe(11)
    } finally {
      state.close()
    }
  })
})
