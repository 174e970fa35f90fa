/**
 * The embedded database's VACUUM pass (platform/src/db/vacuum.ts) on a real PGlite: PGlite has no
 * autovacuum, so without the pass a table that deletes grows for ever and transaction ids are never
 * frozen (PGlite, a single-user backend, would wrap rather than stop), and the planner has no
 * statistics. The time leaves of readings are left alone unless old enough to wrap.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EmbeddedVacuum, migrate, openDb, vacuumPass, type Db } from '@eldercare/platform'

const size = async (db: Db, table: string): Promise<number> => Number((await db.query<{ b: string }>(`select pg_relation_size('${table}')::bigint as b`)).rows[0]!.b)
const relAge = async (db: Db, table: string): Promise<number> => Number((await db.query<{ a: number }>(`select age(relfrozenxid)::float8 as a from pg_class where oid = '${table}'::regclass`)).rows[0]!.a)
const dbAge = async (db: Db): Promise<number> => Number((await db.query<{ a: number }>('select age(datfrozenxid)::float8 as a from pg_database where datname = current_database()')).rows[0]!.a)
/** Spends `n` transaction ids, one write statement each. */
async function spend (db: Db, n: number): Promise<void> {
  await db.exec('create table if not exists spent (n int)')
  for (let i = 0; i < n; i++) await db.query('insert into spent values ($1)', [i])
}

describe('embedded VACUUM pass (PGlite)', () => {
  let db: Db
  afterEach(async () => { await db?.close() })

  it('gives a deleted row\'s space back: a table deleted from and written again stays its size, and grows without the pass', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    const churn = async (table: string) => {
      await db.exec(`create table ${table} (id int primary key, body text)`)
      await db.query(`insert into ${table} select i, repeat('x', 200) from generate_series(1, 20000) i`)
      await db.query(`delete from ${table} where id <= 10000`)
    }
    await churn('with_pass')
    const before = await size(db, 'with_pass')
    await vacuumPass(db)
    await db.query(`insert into with_pass select i, repeat('y', 200) from generate_series(20001, 30000) i`)
    expect(await size(db, 'with_pass')).toBeLessThanOrEqual(before)
    // the same, made after the pass and not vacuumed since
    await churn('without_pass')
    await db.query(`insert into without_pass select i, repeat('y', 200) from generate_series(20001, 30000) i`)
    expect(await size(db, 'without_pass')).toBeGreaterThan(before * 1.3)
  })

  it('freezes every table past freezeAge, the catalogs included, but leaves the young time leaves of readings alone', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    const leaves = (await db.query<{ name: string }>(`select c.oid::regclass::text as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent in ('readings'::regclass, 'position_track'::regclass) and pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'`)).rows.map((r) => r.name)
    expect(leaves.length).toBeGreaterThan(0)
    await spend(db, 300)
    expect(await dbAge(db)).toBeGreaterThanOrEqual(300)
    const pass = await vacuumPass(db, { freezeAge: 300 })
    expect(pass.leavesSkipped).toBe(leaves.length)
    expect(pass.tables).toBeGreaterThan(50)
    // every table but the leaves: frozen up to the pass
    const { rows } = await db.query<{ name: string, age: number }>(`select c.oid::regclass::text as name, age(c.relfrozenxid)::float8 as age
      from pg_class c where c.relkind in ('r', 'm') and c.relpersistence <> 't'`)
    for (const r of rows) {
      if (leaves.includes(r.name)) expect(r.age, r.name).toBeGreaterThanOrEqual(300)
      else expect(r.age, r.name).toBeLessThan(10)
    }
    expect(await relAge(db, 'pg_class')).toBeLessThan(10)
    expect(await relAge(db, 'devices')).toBeLessThan(10)
    // the leaves hold the database's age until they are dropped …
    expect(pass.xidAgeAfter).toBeGreaterThanOrEqual(300)
    // … or are old enough to be frozen too
    const all = await vacuumPass(db, { freezeAge: 0, leafFreezeAge: 0 })
    expect(all.leavesSkipped).toBe(0)
    expect(all.xidAgeAfter).toBeLessThan(10)
    expect(await dbAge(db)).toBeLessThan(10)
  })

  it('vacuums only the tables due by autovacuum\'s rules: many dead rows, many rows inserted since, or old ids', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    await vacuumPass(db, { freezeAge: 0 })
    await db.exec('create table few_dead (id int primary key); create table many_dead (id int primary key); create table appended (id int primary key)')
    await db.query('insert into few_dead select generate_series(1, 1000)')
    await db.query('insert into many_dead select generate_series(1, 1000)')
    await vacuumPass(db, { freezeAge: 0 })
    await db.query('delete from few_dead where id <= 100') // 100 dead: under 50 + 20 % of 900
    await db.query('delete from many_dead where id <= 500') // 500 dead: past 50 + 20 % of 500
    await db.query('insert into appended select generate_series(1, 5000)') // past 1,000 inserted
    const pass = await vacuumPass(db)
    expect(pass.notDue).toBeGreaterThan(50)
    await db.query('select pg_stat_force_next_flush()')
    await db.query('select 1')
    const counts = Object.fromEntries((await db.query<{ relname: string, n: number }>(
      `select relname, vacuum_count::int as n from pg_stat_all_tables where relname in ('few_dead', 'many_dead', 'appended', 'safe_zones')`)).rows.map((r) => [r.relname, r.n]))
    expect(counts).toEqual({ few_dead: 1, many_dead: 2, appended: 2, safe_zones: 2 })
    expect(pass.tables).toBe(2)
  })

  it('analyzes the tables autovacuum would (rows changed past 50 + 10 %), so the planner plans from statistics; not the time leaves', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    await vacuumPass(db, { freezeAge: 0 })
    await db.exec('create table skewed (id int primary key, kind text); create index on skewed (kind); create table quiet (id int primary key)')
    // 20,000 rows, 10 of them 'rare'
    await db.query(`insert into skewed select i, case when i <= 10 then 'rare' else 'common' end from generate_series(1, 20000) i`)
    await db.query('insert into quiet select generate_series(1, 1000)')
    const estimate = async (kind: string) => {
      const { rows } = await db.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(`explain (format json) select * from skewed where kind = '${kind}'`, [], { prepare: false })
      return rows[0]!['QUERY PLAN'][0]!.Plan['Plan Rows']
    }
    // never analyzed: PostgreSQL's default guess for an equality, whatever the value
    expect(await estimate('common')).toBe(await estimate('rare'))
    const first = await vacuumPass(db)
    expect(first.analyzed).toBeGreaterThanOrEqual(2)
    expect(await estimate('rare')).toBeLessThan(50)
    expect(await estimate('common')).toBeGreaterThan(15_000)
    // 40 rows changed in 'quiet' (under 50 + 10 % of 1,000): left; 5,000 in 'skewed': analyzed again
    await db.query('delete from quiet where id <= 40')
    await db.query(`update skewed set kind = 'rare' where id <= 5000`)
    const second = await vacuumPass(db)
    // 'skewed', and pg_statistic, which the first pass's ANALYZEs wrote
    expect(second.analyzed).toBe(2)
    expect(await estimate('rare')).toBeGreaterThan(3_000)
    await db.query('select pg_stat_force_next_flush()')
    await db.query('select 1')
    const counts = Object.fromEntries((await db.query<{ relname: string, n: number }>(
      `select relname, analyze_count::int as n from pg_stat_all_tables where relname in ('skewed', 'quiet')`)).rows.map((r) => [r.relname, r.n]))
    expect(counts).toEqual({ skewed: 2, quiet: 1 })
    // the time leaves of readings: written to, never analyzed by the pass
    await db.query(`insert into readings (resident_id, device_id, ts, hr) select 'r1', 'd1', now() - (i || ' seconds')::interval, 70 from generate_series(1, 2000) i`)
    expect(Number((await db.query<{ n: string }>('select count(*) as n from readings_default')).rows[0]!.n)).toBe(0)
    await vacuumPass(db)
    await db.query('select pg_stat_force_next_flush()')
    await db.query('select 1')
    const leaves = (await db.query<{ name: string, n: number }>(`select c.relname as name, coalesce(s.analyze_count, 0)::int as n
      from pg_inherits i join pg_class c on c.oid = i.inhrelid left join pg_stat_all_tables s on s.relid = c.oid
      where i.inhparent = 'readings'::regclass and pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'`)).rows
    expect(leaves.length).toBeGreaterThan(0)
    expect(leaves.filter((l) => l.n > 0)).toEqual([])
  })

  it('runs a pass after firstAfterMs and then every intervalMs; stop() waits for the pass under way and no other starts', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    const passes: number[] = []
    const vacuum = new EmbeddedVacuum(db, { firstAfterMs: 10, intervalMs: 50, onPass: (p) => passes.push(p.tables + p.notDue) })
    vacuum.start()
    await expect.poll(() => passes.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    await vacuum.stop()
    const n = passes.length
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(passes.length).toBe(n)
    expect(passes.every((t) => t > 50)).toBe(true)
  })

  it('reports a failed pass and runs the next at its time', async () => {
    db = await openDb({ dataDir: 'memory://' })
    await migrate(db)
    let passes = 0
    const errors: unknown[] = []
    const vacuum = new EmbeddedVacuum(db, {
      firstAfterMs: 10,
      intervalMs: 50,
      onPass: () => { if (++passes === 1) throw new Error('the first pass is reported as failed') }
    }, (err) => errors.push(err))
    vacuum.start()
    await expect.poll(() => passes, { timeout: 20_000 }).toBeGreaterThanOrEqual(2)
    await vacuum.stop()
    expect(errors).toHaveLength(1)
    expect((errors[0] as Error).message).toBe('the first pass is reported as failed')
  })
})
