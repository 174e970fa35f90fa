/**
 * Whole reads of the detector's tables (issue 11), on both engines: the rules' records (at start,
 * and when a process takes the clock lease), the residents' detection settings and safe zones (at
 * every tick). Each goes DETECTION_ROWS_PER_PAGE rows a statement — in one statement, 30,000
 * records held an alarm's statement ~0.4–0.5 s on the embedded database and the event loop ~0.1 s,
 * 10,000 residents' settings ~0.13 s and ~30 ms at every tick — and the settings and zones are read
 * only when their rows changed. Each page is read by its key whatever the planner knows: PGlite is
 * analyzed only by the embedded maintenance pass, and a page's plan must not turn on it. The
 * statements are the stores' own, counted as they pass and explained as they were sent.
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { DetectionSettingsCache, DetectionStateStore, DETECTION_ROWS_PER_PAGE, SafeZoneCache } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'
import { onEachEngine, watchedSql } from '../support/engines.ts'

const seed = async (db: Db) => {
  // 1,050 records: 350 residents, three rules
  await db.query(`insert into detection_state (subject, rule, state)
    select 'res-r' || i, r, jsonb_build_object('mem', jsonb_build_object('at', 1000 + i))
      from generate_series(1, 350) i, unnest(array['input:activity', 'inactivity', 'threshold']) r`)
  // 600 residents with detection settings (inactivity off), the first 300 with a safe zone
  await db.exec(`insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
    insert into residents (id, name, site_id) select 'res-s' || lpad(i::text, 3, '0'), '居民' || i, 's1' from generate_series(1, 600) i;
    insert into detection_settings (resident_id, overrides) select id, '{"inactivity": {"enabled": false}}' from residents where id like 'res-s%';
    insert into safe_zones (resident_id, zone) select id, '{"kind": "circle", "lat": 31.2, "lng": 121.4, "radiusM": 500}' from residents where id like 'res-s%' and substr(id, 6)::int <= 300;`)
}

onEachEngine('detection_state_reads', seed, (db) => {
  it('loads every record in pages of DETECTION_ROWS_PER_PAGE, and a reload keeps only the rules it asks for', async () => {
    const { sql, statements: pages } = watchedSql(db(), /^select subject, rule, state from detection_state/)
    const state = new DetectionStateStore(sql, pino({ level: 'silent' }), () => Date.now(), { flushDelayMs: 0, writer: 'test' })
    try {
      // the measured choice, 250, not only whatever the constant says
      expect(DETECTION_ROWS_PER_PAGE).toBe(250)
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

onEachEngine('detection_reads', seed, (db) => {
  it('reads the detection settings in pages, at a tick only when a row changed: another node\'s change and a delete are read at the next tick', async () => {
    const { sql, statements: pages } = watchedSql(db(), /^select resident_id, overrides from detection_settings/)
    const settings = new DetectionSettingsCache(sql)
    await settings.reload()
    expect(pages.map((p) => p.rows)).toEqual([250, 250, 100])
    expect(settings.get('res-s007').inactivity.enabled).toBe(false)
    // nothing changed: the next ticks read one row (the mark), no page
    await settings.reload()
    await settings.reload()
    expect(pages.length).toBe(3)
    // another node changes one resident's settings, and one is deleted, without telling this one
    await db().query(`update detection_settings set overrides = '{}' where resident_id = 'res-s007'`)
    await db().query(`delete from detection_settings where resident_id = 'res-s008'`)
    await settings.reload()
    expect(pages.map((p) => p.rows)).toEqual([250, 250, 100, 250, 250, 99])
    expect(settings.get('res-s007').inactivity.enabled).toBe(true)
    expect(settings.get('res-s008').inactivity.enabled).toBe(true)
    expect(settings.get('res-s009').inactivity.enabled).toBe(false)
    await settings.reload()
    expect(pages.length).toBe(6)
  })

  it('reads the safe zones in pages, at a tick only when a zone or its resident changed: a resident\'s dementia is read at the next tick', async () => {
    const { sql, statements: pages } = watchedSql(db(), /^select z\.resident_id, z\.zone/)
    const zones = new SafeZoneCache(sql)
    await zones.reload()
    expect(pages.map((p) => p.rows)).toEqual([250, 50])
    expect(zones.get('res-s010')).toMatchObject({ dementia: false })
    expect(zones.get('res-s301')).toBeUndefined()
    await zones.reload()
    expect(pages.length).toBe(2)
    // the resident's conditions, not the zone, change
    await db().query(`update residents set conditions = '["阿尔茨海默病"]' where id = 'res-s010'`)
    await zones.reload()
    expect(pages.length).toBe(4)
    expect(zones.get('res-s010')).toMatchObject({ dementia: true })
    // a resident without a zone changes: not a zone's
    await db().query(`update residents set conditions = '["高血压"]' where id = 'res-s400'`)
    await zones.reload()
    expect(pages.length).toBe(4)
  })

  it('keeps a change it was told of while a whole read is between pages: settings and zones', async () => {
    // the API's change and its notice land after the whole read has passed the residents' page
    // (the first) and before its next page: the whole read must not put the older rows back
    const toldBetweenPages = async <C extends { reload(residentId?: string): Promise<void> }> (
      make: (sql: Db) => C, pageText: RegExp, changes: string[], told: string[]): Promise<C> => {
      let pages = 0
      const sql = {
        async query (text: string, params?: unknown[], opts?: object) {
          if (pageText.test(text) && ++pages === 2) {
            for (const change of changes) await db().query(change)
            for (const id of told) await cache.reload(id)
          }
          return db().query(text, params, opts)
        }
      } as unknown as Db
      const cache = make(sql)
      await cache.reload()
      return cache
    }
    const settings = await toldBetweenPages((sql) => new DetectionSettingsCache(sql), /^select resident_id, overrides from detection_settings/, [
      `update detection_settings set overrides = '{"inactivity": {"enabled": true}}' where resident_id = 'res-s020'`,
      `delete from detection_settings where resident_id = 'res-s021'`
    ], ['res-s020', 'res-s021'])
    expect(settings.get('res-s020').inactivity.enabled).toBe(true)
    expect(settings.get('res-s021').inactivity.enabled).toBe(true)
    expect(settings.get('res-s022').inactivity.enabled).toBe(false)

    const zones = await toldBetweenPages((sql) => new SafeZoneCache(sql), /^select z\.resident_id, z\.zone/, [
      `update residents set conditions = '["阿尔茨海默病"]' where id = 'res-s030'`,
      `delete from safe_zones where resident_id = 'res-s031'`
    ], ['res-s030', 'res-s031'])
    expect(zones.get('res-s030')).toMatchObject({ dementia: true })
    expect(zones.get('res-s031')).toBeUndefined()
    expect(zones.get('res-s032')).toMatchObject({ dementia: false })
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
