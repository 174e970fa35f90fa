import { describe, expect, it } from 'vitest'
import { BatchLookup } from '../src/batch-lookup.ts'

/** A fetch whose statements the test answers by hand, recording the keys of each. */
function manual () {
  const calls: Array<{ keys: string[], resolve: (m: Map<string, string>) => void, reject: (e: Error) => void }> = []
  const fetch = (keys: string[]) => new Promise<Map<string, string>>((resolve, reject) => { calls.push({ keys, resolve, reject }) })
  return { calls, fetch }
}
const turn = () => new Promise((resolve) => setImmediate(resolve))
const found = (keys: string[]) => new Map(keys.filter((k) => !k.startsWith('unknown')).map((k) => [k, `v-${k}`]))

describe('BatchLookup (issue 11: few statements for many devices)', () => {
  it('gathers the keys of one turn into one statement and answers each, null for a key not found', async () => {
    const m = manual()
    const l = new BatchLookup(m.fetch)
    const got = Promise.all(['a', 'b', 'a', 'unknown-1'].map((k) => l.get(k)))
    await turn()
    expect(m.calls.map((c) => c.keys)).toEqual([['a', 'b', 'unknown-1']])
    m.calls[0]!.resolve(found(m.calls[0]!.keys))
    expect(await got).toEqual(['v-a', 'v-b', 'v-a', null])
  })

  it('keeps one statement in flight: keys asked for meanwhile wait together for the next one', async () => {
    const m = manual()
    const l = new BatchLookup(m.fetch)
    const first = l.get('a')
    await turn()
    const later = Array.from({ length: 50 }, (_, i) => l.get(`k${i}`))
    await turn(); await turn()
    expect(m.calls).toHaveLength(1) // nothing new while the first is out
    m.calls[0]!.resolve(found(['a']))
    await first
    await turn(); await turn()
    expect(m.calls).toHaveLength(2)
    expect(m.calls[1]!.keys).toHaveLength(50)
    m.calls[1]!.resolve(found(m.calls[1]!.keys))
    expect(await Promise.all(later)).toEqual(Array.from({ length: 50 }, (_, i) => `v-k${i}`))
  })

  it('splits at maxBatch keys and fails only the keys of a failed statement', async () => {
    const m = manual()
    const l = new BatchLookup(m.fetch, 3)
    const all = ['a', 'b', 'c', 'd', 'e'].map((k) => l.get(k).then((v) => v, (e: Error) => `error: ${e.message}`))
    await turn()
    expect(m.calls[0]!.keys).toEqual(['a', 'b', 'c'])
    m.calls[0]!.reject(new Error('database away'))
    await turn(); await turn()
    expect(m.calls[1]!.keys).toEqual(['d', 'e'])
    m.calls[1]!.resolve(found(['d', 'e']))
    expect(await Promise.all(all)).toEqual(['error: database away', 'error: database away', 'error: database away', 'v-d', 'v-e'])
  })
})
