import { describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { InboxWriter } from '../src/inbox/writer.ts'
import { inboxKey, type GatewayStore, type InboxInsertResult, type InboxRecord } from '../src/store.ts'

/** A store keeping rows in memory by idempotency key; records every statement (group) it was given. */
function memoryStore (opts: { failWith?: (recs: readonly InboxRecord[]) => Error | null } = {}) {
  const keys = new Set<string>()
  const groups: string[][] = []
  const store = {
    async insertInboxMany (recs: readonly InboxRecord[]): Promise<InboxInsertResult[]> {
      groups.push(recs.map((r) => r.msgId))
      await new Promise((r) => setTimeout(r, 5))
      const err = opts.failWith?.(recs)
      if (err) throw err
      return recs.map((r) => {
        const k = inboxKey(r.deviceId, r.msgId, r.type, r.deviceTs)
        if (keys.has(k)) return 'duplicate'
        keys.add(k)
        return 'new'
      })
    }
  } as unknown as GatewayStore
  return { store, groups }
}

const rec = (deviceId: string, msgId: string): InboxRecord =>
  ({ deviceId, msgId, kind: 'event', type: 'fall', payload: {}, deviceTs: new Date(1000), receivedAt: new Date(2000), clockSkew: false })
const log = pino({ level: 'silent' })

describe('InboxWriter [P-4.1]', () => {
  it('writes alarms arriving within the window as one group, each settled after it', async () => {
    const { store, groups } = memoryStore()
    const w = new InboxWriter({ store, log, windowMs: 2 })
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.write(rec(`d${i}`, 'f'))))
    expect(results.every((r) => r === true)).toBe(true)
    expect(groups).toHaveLength(1)
    expect(groups[0]).toHaveLength(50)
  })

  it('with no group in flight a lone alarm is written in the same turn of the event loop, not after the window (issue 11)', async () => {
    const { store, groups } = memoryStore()
    const w = new InboxWriter({ store, log, windowMs: 60_000, maxInFlight: 1 })
    const first = w.write(rec('d1', 'f'))
    await new Promise((r) => setImmediate(r))
    expect(groups).toEqual([['f']]) // handed to the store already: the minute-long window did not hold it
    expect(await first).toBe(true)
    // while a group is in flight the next gathers behind it and goes when it commits
    const a = w.write(rec('d2', 'a'))
    await new Promise((r) => setImmediate(r))
    const b = [w.write(rec('d3', 'b')), w.write(rec('d4', 'c'))]
    expect(await Promise.all([a, ...b])).toEqual([true, true, true])
    expect(groups).toEqual([['f'], ['a'], ['b', 'c']])
  })

  it('caps a group at maxRows; groups gather while one is written', async () => {
    const { store, groups } = memoryStore()
    const w = new InboxWriter({ store, log, maxRows: 10, maxInFlight: 1 })
    await Promise.all(Array.from({ length: 35 }, (_, i) => w.write(rec(`d${i}`, 'f'))))
    expect(groups.map((g) => g.length)).toEqual([10, 10, 10, 5])
  })

  it('[P-2.4] the same message twice in one group is written once; the second is a duplicate', async () => {
    const { store, groups } = memoryStore()
    const w = new InboxWriter({ store, log })
    expect(await Promise.all([w.write(rec('d1', 'x')), w.write(rec('d1', 'x')), w.write(rec('d2', 'x'))])).toEqual([true, false, true])
    expect(groups).toEqual([['x', 'x']])
  })

  it('a data error (class 22/23) retries row by row so only the bad row fails; any other error fails the whole group once held holdMs', async () => {
    const dataError = Object.assign(new Error('check violation'), { code: '23514' })
    const { store } = memoryStore({ failWith: (recs) => (recs.some((r) => r.msgId === 'bad') ? dataError : null) })
    const w = new InboxWriter({ store, log })
    const settled = await Promise.allSettled([w.write(rec('d1', 'ok')), w.write(rec('d2', 'bad')), w.write(rec('d3', 'ok'))])
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])

    const away = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
    const downStore = memoryStore({ failWith: () => away })
    const down = new InboxWriter({ store: downStore.store, log, holdMs: 200, retryBackoffMs: [10, 40] })
    const started = performance.now()
    const all = await Promise.allSettled([down.write(rec('d1', 'a')), down.write(rec('d2', 'b'))])
    expect(all.map((s) => s.status)).toEqual(['rejected', 'rejected'])
    expect(performance.now() - started, 'held about holdMs before failing').toBeGreaterThanOrEqual(190)
    expect(downStore.groups.length, 'retried while held').toBeGreaterThan(2)
  })

  it('[P-4.1] while the database is away the PUBACK is held: a write that succeeds within holdMs settles the alarm once, not failed', async () => {
    let failures = 3
    const away = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
    const { store, groups } = memoryStore({ failWith: () => (failures-- > 0 ? away : null) })
    const w = new InboxWriter({ store, log, holdMs: 5000, retryBackoffMs: [10, 20] })
    expect(await Promise.all([w.write(rec('d1', 'a')), w.write(rec('d2', 'b'))])).toEqual([true, true])
    expect(groups).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b'], ['a', 'b']])
  })

  it('close() ends a hold at the next retry, so a stop during an outage does not wait out holdMs', async () => {
    const away = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
    const w = new InboxWriter({ store: memoryStore({ failWith: () => away }).store, log, holdMs: 60_000, retryBackoffMs: [10, 20] })
    const pending = w.write(rec('d1', 'a'))
    await new Promise((r) => setTimeout(r, 50))
    const started = performance.now()
    await w.close()
    await expect(pending).rejects.toThrow('connection refused')
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('tells onPosted each time an insert is handed to the store, before it is answered; row by row, each row', async () => {
    const dataError = Object.assign(new Error('check violation'), { code: '23514' })
    const { store, groups } = memoryStore({ failWith: (recs) => (recs.some((r) => r.msgId === 'bad') && recs.length > 1 ? dataError : null) })
    const seen: number[] = []
    const w = new InboxWriter({ store, log, onPosted: () => { seen.push(groups.length) } })
    let settled = false
    const one = w.write(rec('d1', 'a')).then((r) => { settled = true; return r })
    await new Promise((r) => setImmediate(r))
    // handed over (the store has the group) and told at once, while the store still works on it
    expect(seen).toEqual([1])
    expect(settled).toBe(false)
    expect(await one).toBe(true)
    // a group with a bad row: the group, then each of its rows
    await Promise.allSettled([w.write(rec('d2', 'ok')), w.write(rec('d3', 'bad'))])
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('a listener that throws is logged and does not fail the write', async () => {
    const { store } = memoryStore()
    const lines: Array<{ msg: string }> = []
    const w = new InboxWriter({ store, log: pino({ level: 'error' }, { write: (l: string) => { lines.push(JSON.parse(l)) } }), onPosted: () => { throw new Error('listener bug') } })
    expect(await w.write(rec('d1', 'a'))).toBe(true)
    expect(lines.map((l) => l.msg)).toEqual(['inbox: onPosted failed'])
  })
})
