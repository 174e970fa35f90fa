/**
 * [#12] The writer's handling of a batch the store refuses as a whole: split until only the bad
 * rows are dropped; a transient failure part-way puts back only what was not yet written. The
 * store here is a scripted in-memory VitalsStore (the writer's logic, not a database: the real
 * backends run the same case in the contract suite, vitals-store-contract.ts).
 */
import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { PermanentWriteError, ReadingsWriter, type ReadingPoint, type VitalsStore, type WriteOptions } from '@eldercare/readings'

/** Refuses, as a relational store does, any statement that holds a point marked bad; can be made to fail transiently. */
class ScriptedStore implements VitalsStore {
  readonly kind = 'sql' as const
  readonly rows: ReadingPoint[] = []
  writes = 0
  failTransientlyAt = -1
  readonly behind: boolean[] = []
  async init (): Promise<void> {}
  async write (points: ReadingPoint[], opts?: WriteOptions): Promise<void> {
    this.writes++
    this.behind.push(opts?.behind ?? false)
    if (this.writes === this.failTransientlyAt) throw new Error('connection reset')
    if (points.some((p) => p.fields.hr! < 0)) throw new PermanentWriteError('invalid input syntax for type timestamp with time zone')
    this.rows.push(...points)
  }
  async series (): Promise<never> { throw new Error('not used') }
  async latest (): Promise<never> { throw new Error('not used') }
  async prune (): Promise<never> { throw new Error('not used') }
  async close (): Promise<void> {}
}

const points = (n: number, bad: number[]): ReadingPoint[] =>
  Array.from({ length: n }, (_, i) => ({ ts: i, deviceId: `w${i % 7}`, residentId: `r${i % 7}`, fields: { hr: bad.includes(i) ? -1 : 60 + (i % 40) } }))

describe('[#12] readings writer isolates the rows a store refuses', () => {
  it('drops only the bad rows of a 1,000-point batch, writes the rest in order, with few extra writes', async () => {
    const store = new ScriptedStore()
    const writer = new ReadingsWriter(store, pino({ level: 'silent' }), { batchSize: 1000, flushIntervalMs: 60_000 })
    writer.enqueue(points(1000, [3, 500, 999]))
    await writer.flush()
    expect(writer.stats).toMatchObject({ written: 997, rejected: 3, buffered: 0, failedWrites: 0 })
    expect(store.rows.map((p) => p.ts)).toEqual([...Array(1000).keys()].filter((i) => ![3, 500, 999].includes(i)))
    expect(store.writes).toBeLessThan(70) // about 2·log2(1000) per bad row, not one write per row
  })

  it('a transient failure while isolating puts back only what was not written; nothing is lost or written twice', async () => {
    const store = new ScriptedStore()
    store.failTransientlyAt = 4
    const writer = new ReadingsWriter(store, pino({ level: 'silent' }), { batchSize: 100, flushIntervalMs: 60_000, retryMinMs: 1, retryMaxMs: 1 })
    writer.enqueue(points(100, [10]))
    await writer.flush() // stops at the failure
    expect(writer.stats).toMatchObject({ failedWrites: 1, retrying: true })
    await writer.flush()
    expect(writer.stats).toMatchObject({ written: 99, rejected: 1, buffered: 0, retrying: false })
    expect(store.rows.map((p) => p.ts)).toEqual([...Array(100).keys()].filter((i) => i !== 10))
  })

  it('a store that kept the rest and says how many it refused is not split', async () => {
    const store = new ScriptedStore()
    store.write = async (pts) => { store.writes++; store.rows.push(...pts.slice(1)); throw new PermanentWriteError('partial write: points beyond retention policy dropped=1', undefined, 1) }
    const writer = new ReadingsWriter(store, pino({ level: 'silent' }), { batchSize: 50, flushIntervalMs: 60_000 })
    writer.enqueue(points(50, []))
    await writer.flush()
    expect(writer.stats).toMatchObject({ written: 49, rejected: 1 })
    expect(store.writes).toBe(1)
  })

  it('[issue 11] tells the store it is behind while more than a quarter of its bound waits, and not once it has caught up', async () => {
    const store = new ScriptedStore()
    const writer = new ReadingsWriter(store, pino({ level: 'silent' }), { batchSize: 100, flushIntervalMs: 60_000, maxBufferedPoints: 1000 })
    writer.enqueue(points(800, []))
    await writer.flush()
    // 700 left after the first batch is taken (> 250): behind; the last batches leave ≤ 250 waiting
    expect(store.behind).toEqual([true, true, true, true, true, false, false, false])
    expect(writer.stats).toMatchObject({ written: 800, buffered: 0 })
  })
})
