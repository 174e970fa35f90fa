/**
 * The detection clock pass's scans over every resident and device (issue 11): read in pages, so no
 * statement of the pass holds the embedded database long (an alarm statement waits for at most
 * the one running). Every resident and device comes exactly once, in order, whatever the page size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DetectionScans } from '@eldercare/gateway/testing'
import { migrate, openDb, type Db } from '@eldercare/platform'

let db: Db
const statements: string[] = []

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  // residents r01…r07 with a wearable each (r03 also a fall detector seen later, r05's never seen),
  // and fall detectors f01…f07
  const residents = Array.from({ length: 7 }, (_, i) => `r0${i + 1}`)
  await db.exec(`
    insert into areas (id, name, level, path) values ('a1', '市', 'city', '/a1/');
    insert into sites (id, name, kind, area_id) values ('s1', '家', 'home', 'a1');
    insert into residents (id, name, site_id) values ${residents.map((r) => `('${r}', '${r}', 's1')`).join(', ')};
    insert into devices (id, type, site_id, resident_id, secret_hash, last_seen_at) values
      ${residents.map((r, i) => `('w-${r}', 'wearable', 's1', '${r}', 'x', ${r === 'r05' ? 'null' : `'2026-11-29T08:00:0${i}Z'`})`).join(', ')},
      ${residents.map((r, i) => `('f0${i + 1}', 'fall_detector', 's1', ${r === 'r03' ? "'r03'" : 'null'}, 'x', '2026-11-29T09:00:0${i}Z')`).join(', ')};`)
  db.onStatement = () => { statements.push('statement') }
})
afterAll(async () => { await db?.close() })

const all = async <T>(pages: AsyncGenerator<T[]>): Promise<{ rows: T[], pages: number }> => {
  const rows: T[] = []
  let n = 0
  for await (const page of pages) { rows.push(...page); n++ }
  return { rows, pages: n }
}

describe('DetectionScans', () => {
  it.each([1, 2, 3, 6, 7, 1000])('residentsLastSeen in pages of %i: each resident seen once, in order, with their newest device', async (pageRows) => {
    statements.length = 0
    const { rows, pages } = await all(new DetectionScans(db, pageRows).residentsLastSeen())
    expect(rows.map((r) => r.residentId)).toEqual(['r01', 'r02', 'r03', 'r04', 'r06', 'r07'])
    // r03's fall detector was seen after its wearable
    expect(rows.find((r) => r.residentId === 'r03')!.lastSeen).toBe(Date.parse('2026-11-29T09:00:02Z'))
    expect(rows.find((r) => r.residentId === 'r01')!.lastSeen).toBe(Date.parse('2026-11-29T08:00:00Z'))
    expect(pages).toBe(Math.ceil(6 / pageRows))
    // one statement per page, one more when the last page was full (it cannot know it was the last)
    expect(statements.length).toBe(Math.floor(6 / pageRows) + 1)
  })

  it.each([1, 4, 7, 8])('devicesSeen in pages of %i: each device of the types once, in id order', async (pageRows) => {
    const { rows } = await all(new DetectionScans(db, pageRows).devicesSeen(['fall_detector']))
    expect(rows.map((d) => d.id)).toEqual(['f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07'])
    expect(rows.find((d) => d.id === 'f03')).toMatchObject({ type: 'fall_detector', residentId: 'r03', lastSeen: Date.parse('2026-11-29T09:00:02Z') })
    const wearables = await all(new DetectionScans(db, pageRows).devicesSeen(['wearable']))
    expect(wearables.rows.map((d) => d.id)).toEqual(['w-r01', 'w-r02', 'w-r03', 'w-r04', 'w-r06', 'w-r07']) // never seen: not listed
  })
})
