import { describe, expect, it } from 'vitest'
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises'
import { inTurns, mapInTurns, spacedTurn } from '../src/turns.ts'

describe('inTurns', () => {
  const sum = (page: readonly number[]) => page.reduce((a, b) => a + b, 0)
  const add = (a: number, b: number) => a + b

  it('adds the parts of every page, in order, whatever the page size', async () => {
    const items = Array.from({ length: 2345 }, (_, i) => i)
    for (const size of [1, 7, 1000, 5000]) expect(await inTurns(items, sum, add, size)).toBe(2345 * 2344 / 2)
    const order: string[] = []
    await inTurns(['a', 'b', 'c', 'd', 'e'], (p) => { order.push(p.join('')); return p.length }, add, 2)
    expect(order).toEqual(['ab', 'cd', 'e'])
    expect(await inTurns([], sum, add)).toBe(0)
  })

  it('gives the event loop a turn between pages, none for a single page', async () => {
    const seen: string[] = []
    const tick = () => new Promise<void>((resolve) => setImmediate(() => { seen.push('turn'); resolve() }))
    const t = tick()
    await inTurns([1, 2, 3], (p) => { seen.push(`page ${p.join(',')}`); return 0 }, add, 2)
    await t
    expect(seen).toEqual(['page 1,2', 'turn', 'page 3'])
    seen.length = 0
    const u = tick()
    await inTurns([1, 2], (p) => { seen.push(`page ${p.join(',')}`); return 0 }, add, 2)
    await u
    expect(seen).toEqual(['page 1,2', 'turn'])
  })
})

describe('mapInTurns', () => {
  it('maps every item in order, a turn between pages', async () => {
    const items = Array.from({ length: 2345 }, (_, i) => i)
    for (const size of [1, 7, 1000, 5000]) expect(await mapInTurns(items, (x) => x * 2, size)).toEqual(items.map((x) => x * 2))
    expect(await mapInTurns([], (x: number) => x)).toEqual([])
    let turns = 0
    const count = () => { turns++; if (!done) setImmediate(count) }
    let done = false
    setImmediate(count)
    await mapInTurns(items, (x) => x, 100)
    done = true
    expect(turns).toBeGreaterThanOrEqual(20) // 24 pages: 23 turns between them
  })
})

describe('spacedTurn', () => {
  it('runs on the next turn after a quiet spell, not before', async () => {
    let ran = 0
    spacedTurn(performance.now() - 100, 50, () => { ran++ })
    expect(ran).toBe(0)
    await immediate()
    expect(ran).toBe(1)
  })

  it('within the spacing, waits until it has passed since the last run, never less', async () => {
    // a timer may fire up to a millisecond early against performance.now(): the spacing still holds in full
    for (const every of [40, 3, 1.5, 7.25]) {
      let ranAt = 0
      const last = performance.now()
      spacedTurn(last, every, () => { ranAt = performance.now() })
      await immediate()
      expect(ranAt).toBe(0)
      await sleep(every + 60)
      expect(ranAt).toBeGreaterThan(0)
      expect(ranAt - last).toBeGreaterThanOrEqual(every)
    }
  })

  it('answers a cancel, for either wait', async () => {
    let ran = 0
    spacedTurn(performance.now() - 100, 50, () => { ran++ })()
    spacedTurn(performance.now(), 20, () => { ran++ })()
    await sleep(60)
    expect(ran).toBe(0)
  })
})
