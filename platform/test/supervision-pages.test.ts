/**
 * The supervision reads a page of residents at a time (issue 11: on the embedded database a
 * statement holds the worker every alarm's insert waits for; on every engine a large answer holds
 * the event loop while it is turned into rows). Read in pages of 7 they must answer exactly what
 * they answer in one page: the residents with their level and history, the visits, the assessment
 * figures, the changes of condition and the due list. Real PGlite; 300 residents with assessments,
 * status changes, condition changes, care-risk incidents and visits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../src/db/db.ts'
import { migrate } from '../src/db/migrate.ts'
import { assessmentFigures, doneVisits, dueAssessments, supervisedResidents } from '../src/features/supervision/repository.ts'

const AS_OF = new Date('2025-12-31T15:59:59Z')
const ALL = 100_000
let db: Db
let ids: string[]

beforeAll(async () => {
  db = await openDb({ dataDir: 'memory://' })
  await migrate(db)
  await db.exec(`
    insert into areas (id, name, level, parent_id, path) values ('city', '市', 'city', null, '/city/'), ('d1', '区1', 'district', 'city', '/city/d1/'), ('d2', '区2', 'district', 'city', '/city/d2/');
    insert into sites (id, name, kind, area_id) select 'h' || i, '家' || i, 'home', case when i % 3 = 0 then 'd2' else 'd1' end from generate_series(1, 200) i;
    insert into residents (id, name, site_id, birth_date, capacity_level, lives_alone, flags, status, status_since, created_at)
      select 'r' || lpad(i::text, 4, '0'), '居民' || i, 'h' || (i % 200 + 1), date '1930-01-01' + i * 37, i % 5, i % 4 = 0,
             case when i % 3 = 0 then '["empty_nest"]' when i % 4 = 0 then '["lives_alone"]' else '[]' end::jsonb,
             case when i % 25 = 0 then 'deceased' when i % 25 = 1 then 'in_hospital' else 'active' end,
             case when i % 25 in (0, 1) then timestamptz '2025-06-01' + (i % 90) * interval '1 day' else timestamptz '2024-01-01' end, timestamptz '2024-01-01'
        from generate_series(1, 300) i;
    insert into resident_status_history (resident_id, status, since, recorded_by)
      select id, status, status_since, 'test' from residents where status <> 'active';
    insert into resident_status_history (resident_id, status, since, recorded_by)
      select id, 'active', status_since + interval '20 days', 'test' from residents where status = 'in_hospital' and substr(id, 2)::int % 2 = 0;
    insert into assessments (id, resident_id, assessed_at, assessor_name, scores, indicator_totals, total, preliminary_level, level, reassessment_due_at, recorded_by)
      select 'a' || i || '-' || k, 'r' || lpad(i::text, 4, '0'), timestamptz '2024-03-01' + (i % 300 + k * 200) * interval '1 day', '评估员', '{}', '{}', 60,
             (i + k) % 5, (i + k) % 5, timestamptz '2025-03-01' + (i % 300 + k * 200) * interval '1 day', 'test'
        from generate_series(1, 300) i, generate_series(0, 1) k where i % 5 < 3 and (k = 0 or i % 2 = 0);
    insert into condition_changes (id, resident_id, at, reason, marked_by)
      select 'cc' || i, 'r' || lpad(i::text, 4, '0'), timestamptz '2025-09-01' + i * interval '1 hour', '跌倒后', 'test' from generate_series(1, 300) i where i % 11 = 0;
    insert into incidents (id, type, priority, status, resident_id, site_id, area_id, alarm_count, opened_at, ack_due_at, updated_at, recorded_at, announced_at)
      select 'inc' || i, 'fall', 'P1', 'resolved', r.id, r.site_id, s.area_id, 1, timestamptz '2025-10-01' + i * interval '1 day', timestamptz '2025-10-01' + i * interval '1 day',
             timestamptz '2025-10-01', timestamptz '2025-10-01', timestamptz '2025-10-01'
        from generate_series(1, 60) i join residents r on r.id = 'r' || lpad((i * 5)::text, 4, '0') join sites s on s.id = r.site_id;
    insert into visits (id, resident_id, due_date, status, visited_at, outcome, method)
      select 'v' || i || '-' || m, 'r' || lpad(i::text, 4, '0'), make_date(2025, m, 20), 'done', make_timestamptz(2025, m, 1 + i % 27, 9, 0, 0, 'Asia/Shanghai'), 'well',
             (array['home', 'phone', 'video_call'])[(i + m) % 3 + 1]
        from generate_series(1, 300) i, generate_series(1, 12) m where (i + m) % 4 <> 0;
  `)
  ids = (await db.query<{ id: string }>('select id from residents order by id')).rows.map((r) => r.id)
})
afterAll(async () => { await db?.close() })

describe('supervision reads in pages', () => {
  it('the residents, with level as of a date and status history', async () => {
    const one = await supervisedResidents(db, '/city/', AS_OF, ALL)
    expect(await supervisedResidents(db, '/city/', AS_OF, 7)).toEqual(one)
    expect(one).toHaveLength(300)
    expect(one.filter((r) => r.statusHistory.length > 2).length).toBeGreaterThan(3)
    expect(await supervisedResidents(db, '/city/d2/', AS_OF, 7)).toEqual(await supervisedResidents(db, '/city/d2/', AS_OF, ALL))
  })

  it('the visits of the residents given', async () => {
    const from = new Date('2025-10-01T00:00:00Z')
    const one = await doneVisits(db, ids, from, AS_OF, ALL)
    expect(await doneVisits(db, ids, from, AS_OF, 7)).toEqual(one)
    expect(one.length).toBeGreaterThan(500)
  })

  it('assessment figures and the due list, changes of condition included', async () => {
    const one = await assessmentFigures(db, ids, AS_OF, 30, ALL)
    expect(await assessmentFigures(db, [...ids, ids[0]], AS_OF, 30, 7)).toEqual(one) // a repeated id counts once
    expect(one.assessedCurrent).toBeGreaterThan(100)
    expect(one.overdue).toBeGreaterThan(50)
    const due = await dueAssessments(db, '/city/', AS_OF, 30, ALL)
    expect(await dueAssessments(db, '/city/', AS_OF, 30, 7)).toEqual(due)
    expect(due.filter((d) => d.conditionChange).length).toBeGreaterThan(3)
    expect(due.length).toBeGreaterThan(50)
  })
})
