import { describe, expect, it } from 'vitest'
import { Fifo } from '../src/fifo.ts'

describe('Fifo', () => {
  it('gives entries back in the order pushed, through growth and wrap-around', () => {
    const q = new Fifo<number>()
    const out: number[] = []
    let next = 0
    // interleaved so the head wraps before the ring grows (64 → 128 → 256)
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) q.push(next++)
      for (let i = 0; i < 2; i++) out.push(q.shift()!)
    }
    expect(q.length).toBe(next - out.length)
    while (q.length > 0) out.push(q.shift()!)
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i))
  })

  it('answers undefined when empty and keeps no reference to what it gave back', () => {
    const q = new Fifo<{ n: number }>()
    expect(q.shift()).toBeUndefined()
    const a = { n: 1 }
    q.push(a)
    expect(q.shift()).toBe(a)
    expect(q.length).toBe(0)
    expect((q as unknown as { items: unknown[] }).items.includes(a)).toBe(false)
    expect(q.shift()).toBeUndefined()
  })
})
