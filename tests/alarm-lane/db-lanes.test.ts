/**
 * The embedded database off the event loop, with lanes (issue 11): PGlite runs in a worker thread
 * and serves one statement at a time, so while it is busy an alarm's statement passes everything
 * queued in the lanes below it; transactions (the writes someone waits for) go in the alarm lane
 * unless told otherwise; a transaction's own statements never queue behind statements waiting for
 * its lock. Real PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '@eldercare/platform'

let db: Db
beforeAll(async () => { db = await openDb({ dataDir: 'memory://' }) })
afterAll(async () => { await db?.close() })

/** Queues `n` slow statements in `priority`'s lane, recording when each finished. */
function flood (order: string[], n: number, priority: 'normal' | 'background', tag = priority) {
  return Array.from({ length: n }, (_, i) => db.query('select pg_sleep(0.005)', [], { priority }).then(() => { order.push(`${tag}${i}`) }))
}

describe('embedded database lanes', () => {
  it('[P-4.1] an alarm statement passes 40 queued background statements (at most the one already in the worker goes first)', async () => {
    const order: string[] = []
    const bg = flood(order, 40, 'background')
    const alarm = db.query('select 1 as one', [], { priority: 'alarm' }).then((r) => { order.push('alarm'); return r.rows[0] })
    await Promise.all([...bg, alarm])
    expect(await alarm).toEqual({ one: 1 })
    expect(order.indexOf('alarm')).toBeLessThanOrEqual(1)
    expect(order).toHaveLength(41)
  })

  it('[P-4.1] an alarm posted while one background statement runs and another waits in the worker runs before the waiting one', async () => {
    const order: string[] = []
    const slow = (tag: string) => db.query('select pg_sleep(0.05)', [], { priority: 'background' }).then(() => { order.push(tag) })
    const bg = [slow('bg0'), slow('bg1')]
    // both are in the worker by now (two lower statements are let in), the first running
    await new Promise((r) => setTimeout(r, 20))
    const alarm = db.query('select 1', [], { priority: 'alarm' }).then(() => { order.push('alarm') })
    await Promise.all([...bg, alarm])
    expect(order).toEqual(['bg0', 'alarm', 'bg1'])
  })

  it('normal statements go before background ones, and each lane keeps its order', async () => {
    const order: string[] = []
    const bg = flood(order, 20, 'background')
    const normal = flood(order, 5, 'normal')
    await Promise.all([...bg, ...normal])
    // only the two background statements already in the worker when the normal ones were queued
    // may run before (or, posted ahead of them, between) the normal ones
    const lastNormal = order.indexOf('normal4')
    expect(lastNormal).toBeLessThanOrEqual(2 + 4)
    expect(order.slice(0, lastNormal + 1).filter((o) => o.startsWith('background')).length).toBeLessThanOrEqual(2)
    expect(order.filter((o) => o.startsWith('normal'))).toEqual(['normal0', 'normal1', 'normal2', 'normal3', 'normal4'])
    const bgOnly = order.filter((o) => o.startsWith('background'))
    expect(bgOnly).toEqual(Array.from({ length: 20 }, (_, i) => `background${i}`))
  })

  it('a transaction goes in the alarm lane by default, and commits', async () => {
    await db.exec('create table if not exists lane_t (id int primary key)')
    const order: string[] = []
    const bg = flood(order, 30, 'background')
    const tx = db.transaction(async (q) => {
      await q.query('insert into lane_t (id) values (1)')
      await q.query('insert into lane_t (id) values (2)')
    }).then(() => { order.push('tx') })
    await Promise.all([...bg, tx])
    expect(order.indexOf('tx')).toBeLessThanOrEqual(2)
    expect((await db.query<{ n: number }>('select count(*)::int as n from lane_t')).rows[0].n).toBe(2)
  })

  it('statements queued while a transaction holds the lock wait for it, and the transaction is not held up by them (no deadlock)', async () => {
    await db.exec('create table if not exists lane_u (id int primary key)')
    let release!: () => void
    const gate = new Promise<void>((resolve) => { release = resolve })
    const tx = db.transaction(async (q) => {
      await q.query('insert into lane_u (id) values (1)')
      await gate
      await q.query('insert into lane_u (id) values (2)')
      return 'done'
    })
    // give the transaction time to begin, then fill every lane behind its lock
    await new Promise((r) => setTimeout(r, 50))
    const waiting = [
      db.query<{ n: number }>('select count(*)::int as n from lane_u', [], { priority: 'alarm' }),
      db.query<{ n: number }>('select count(*)::int as n from lane_u'),
      db.query<{ n: number }>('select count(*)::int as n from lane_u', [], { priority: 'background' })
    ]
    release()
    expect(await tx).toBe('done')
    // they ran after the commit: each sees both rows
    for (const r of await Promise.all(waiting)) expect(r.rows[0].n).toBe(2)
  })

  it('a failing transaction rolls back and keeps the PostgreSQL error fields across the thread', async () => {
    await db.exec('create table if not exists lane_v (id int primary key)')
    await db.query('insert into lane_v (id) values (1)')
    const err = await db.transaction(async (q) => {
      await q.query('insert into lane_v (id) values (2)')
      await q.query('insert into lane_v (id) values (1)')
    }).catch((e: Error & { code?: string, constraint?: string }) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as { code?: string }).code).toBe('23505')
    expect((await db.query<{ n: number }>('select count(*)::int as n from lane_v')).rows[0].n).toBe(1)
  })

  it('a transaction begins with its first statement in one message, in its lane; the rest go straight in (issue 11: one thread hop fewer)', async () => {
    await db.exec('create table if not exists lane_w (id int primary key)')
    const seen: string[] = []
    db.onStatement = (t) => { seen.push(t.lane) }
    try {
      await db.transaction(async (q) => {
        await q.query('insert into lane_w (id) values (1)')
        await q.query('insert into lane_w (id) values (2)')
      })
    } finally {
      db.onStatement = undefined
    }
    // begin + first insert (alarm lane), second insert, commit
    expect(seen).toEqual(['alarm', 'tx', 'tx'])
    expect((await db.query<{ n: number }>('select count(*)::int as n from lane_w')).rows[0].n).toBe(2)
  })

  it('a transaction whose first statement fails rolls back with the error fields; one that never queries costs nothing', async () => {
    await db.exec('create table if not exists lane_x (id int primary key)')
    await db.query('insert into lane_x (id) values (1)')
    const err = await db.transaction(async (q) => {
      await q.query('insert into lane_x (id) values (1)')
    }).catch((e: Error & { code?: string }) => e)
    expect((err as { code?: string }).code).toBe('23505')
    // the database is usable after it: the failed transaction ended
    await db.transaction(async (q) => { await q.query('insert into lane_x (id) values (2)') })
    const seen: string[] = []
    db.onStatement = (t) => { seen.push(t.lane) }
    try {
      expect(await db.transaction(async () => 'nothing to do')).toBe('nothing to do')
    } finally {
      db.onStatement = undefined
    }
    expect(seen).toEqual([])
    expect((await db.query<{ n: number }>('select count(*)::int as n from lane_x')).rows[0].n).toBe(2)
  })
})
