/**
 * A whole read of the detection rules' records (at start, and when a process takes the clock
 * lease) goes DETECTION_STATE_ROWS_PER_PAGE records a statement (issue 11), on both engines: in one statement,
 * 30,000 records held an alarm's statement ~0.4–0.5 s on the embedded database and the event loop
 * ~0.1 s. Each page is read by the primary key whatever the planner knows: PGlite is analyzed only
 * by the embedded maintenance pass, and a page's plan must not turn on it. Real PGlite; the
 * statements are the store's own, counted as they pass and explained as they were sent.
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { DetectionStateStore, DETECTION_STATE_ROWS_PER_PAGE } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { onEachEngine, watchedSql } from '../support/engines.ts'

const seed = async (db: Db) => {
  // 1,050 records: 350 residents, three rules
  await db.query(`insert into detection_state (subject, rule, state)
    select 'res-r' || i, r, jsonb_build_object('mem', jsonb_build_object('at', 1000 + i))
      from generate_series(1, 350) i, unnest(array['input:activity', 'inactivity', 'threshold']) r`)
}

onEachEngine('detection_state_reads', seed, (db) => {
  it('loads every record in pages of DETECTION_STATE_ROWS_PER_PAGE, and a reload keeps only the rules it asks for', async () => {
    const { sql, statements: pages } = watchedSql(db(), /^select subject, rule, state from detection_state/)
    const state = new DetectionStateStore(sql, pino({ level: 'silent' }), () => Date.now(), { flushDelayMs: 0, writer: 'test' })
    try {
      // the measured choice, 250, not only whatever the constant says
      expect(DETECTION_STATE_ROWS_PER_PAGE).toBe(250)
      expect(await state.load()).toBe(1050)
      expect(pages.map((p) => p.rows)).toEqual([250, 250, 250, 250, 50])
      for (const rule of ['input:activity', 'inactivity', 'threshold']) expect([...state.all(rule)].length).toBe(350)
      expect(state.peek('res-r7', 'inactivity')).toEqual({ mem: { at: 1007 } })

      // another process moves a record on; a reload of two rules takes theirs, the third rule's record is not read into memory
      await db().query(`update detection_state set state = '{"mem": {"at": 5000}}' where subject = 'res-r7'`)
      pages.length = 0
      expect(await state.reload(['input:activity', 'inactivity'])).toBe(700)
      expect(pages.map((p) => p.rows)).toEqual([250, 250, 250, 250, 50])
      expect(state.peek('res-r7', 'input:activity')).toEqual({ mem: { at: 5000 } })
      expect(state.peek('res-r7', 'inactivity')).toEqual({ mem: { at: 5000 } })
      expect(state.peek('res-r7', 'threshold')).toEqual({ mem: { at: 1007 } })
    } finally {
      state.close()
    }
  })
})

describe('detection state reads on PGlite', () => {
  it('reads every page of a city\'s records by the primary key, never analyzed and analyzed', async () => {
    // a table of a city's size (10,000 residents, three rules), where a sort of the whole of it for every page shows
    const city = await openDb({ dataDir: 'memory://' })
    try {
      await migrate(city)
      await city.query(`insert into detection_state (subject, rule, state)
        select 'res-c' || i, r, jsonb_build_object('mem', jsonb_build_object('at', 1000 + i))
          from generate_series(1, 10000) i, unnest(array['input:activity', 'inactivity', 'threshold']) r`)
      const { sql, statements: pages } = watchedSql(city, /^select subject, rule, state from detection_state/)
      const state = new DetectionStateStore(sql, pino({ level: 'silent' }), () => Date.now())
      expect(await state.reload(['input:activity', 'inactivity', 'threshold'])).toBe(30_000)
      expect(pages.length).toBe(121)
      const sample = [pages[0]!, pages[1]!, pages[60]!, pages[120]!]
      const plans = async () => {
        const out: string[] = []
        for (const p of sample) out.push((await city.query<{ 'QUERY PLAN': string }>(`explain ${p.text}`, p.params, { prepare: false })).rows.map((r) => r['QUERY PLAN']).join('\n'))
        return out
      }
      const byKey = (plan: string) => /Index Scan using detection_state_pkey/.test(plan) && !/Sort/.test(plan)
      for (const plan of await plans()) expect(plan, plan).toSatisfy(byKey)
      await city.query('analyze detection_state')
      for (const plan of await plans()) expect(plan, plan).toSatisfy(byKey)
      state.close()
    } finally {
      await city.close()
    }
  })
})
