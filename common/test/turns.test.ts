import { describe, expect, it } from 'vitest'
import { inTurns, mapInTurns } from '../src/turns.ts'

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
