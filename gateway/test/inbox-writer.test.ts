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

  it('a data error (class 22/23) retries row by row so only the bad row fails; any other error fails the whole group', async () => {
    const dataError = Object.assign(new Error('check violation'), { code: '23514' })
    const { store } = memoryStore({ failWith: (recs) => (recs.some((r) => r.msgId === 'bad') ? dataError : null) })
    const w = new InboxWriter({ store, log })
    const settled = await Promise.allSettled([w.write(rec('d1', 'ok')), w.write(rec('d2', 'bad')), w.write(rec('d3', 'ok'))])
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])

    const away = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' })
    const down = new InboxWriter({ store: memoryStore({ failWith: () => away }).store, log })
    const all = await Promise.allSettled([down.write(rec('d1', 'a')), down.write(rec('d2', 'b'))])
    expect(all.map((s) => s.status)).toEqual(['rejected', 'rejected'])
  })
})
