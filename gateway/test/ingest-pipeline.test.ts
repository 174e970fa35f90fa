/**
 * The ingest's steps run in order and the first Decision ends them (pipeline.ts). A step that
 * answers at once is not awaited (issue 11: a promise and a microtask per step and message), so
 * these hold the control flow to what it was with every step awaited: order, the first decision
 * wins, a step that throws or rejects means no PUBACK, the in-flight bound is always left. Pure:
 * the steps are stand-ins, the answer is the real one.
 */
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import type { Client, PublishPacket } from 'aedes'
import { Ingest } from '../src/ingest/pipeline.ts'
import type { Decision, IngestContext, Step } from '../src/ingest/types.ts'

const log = pino({ level: 'silent' })

function harness (steps: Array<[string, Step]>) {
  const left: number[] = []
  const ctx = {
    counters: { accepted: {}, rejected: {}, duplicates: 0 },
    events: { emit: () => true },
    load: { leave: () => { left.push(1) } },
    publish: async () => {}
  } as unknown as IngestContext
  const ingest = new Ingest(ctx, log, () => Date.now(), steps)
  const run = (topic = 'some/topic') => new Promise<{ err: Error | null | undefined, sync: boolean }>((resolve) => {
    let returned = false
    ingest.run(null as unknown as Client, { cmd: 'publish', topic, payload: Buffer.from('{}'), qos: 1, dup: false, retain: false } as PublishPacket,
      (err) => resolve({ err, sync: !returned }))
    returned = true
  })
  return { ctx, left, run }
}

const accepted: Decision = { ack: 'puback', outcome: 'accepted' }
const noted = (seen: string[], name: string): Step => () => { seen.push(name) }

describe('ingest pipeline', () => {
  it('runs the steps in order, synchronous and asynchronous mixed, until one decides', async () => {
    const seen: string[] = []
    const { run, ctx } = harness([
      ['a', noted(seen, 'a')],
      ['b', async () => { await new Promise((resolve) => setTimeout(resolve, 5)); seen.push('b') }],
      ['c', noted(seen, 'c')],
      ['d', () => { seen.push('d'); return accepted }],
      ['e', noted(seen, 'e')]
    ])
    expect(await run()).toEqual({ err: null, sync: false })
    expect(seen).toEqual(['a', 'b', 'c', 'd'])
    expect(Object.values(ctx.counters.accepted)).toEqual([1])
  })

  it('answers at once when every step up to the decision is synchronous, and an async decision after a wait', async () => {
    expect(await harness([['a', () => undefined], ['b', () => accepted]]).run()).toEqual({ err: null, sync: true })
    expect(await harness([['a', () => undefined], ['b', async () => accepted]]).run()).toEqual({ err: null, sync: false })
  })

  it('a step that throws or rejects: the error goes to aedes (no PUBACK, the connection closes) and no later step runs', async () => {
    for (const bad of [() => { throw new Error('bug') }, async () => { throw new Error('bug') }] as Step[]) {
      const seen: string[] = []
      const { run } = harness([['a', noted(seen, 'a')], ['bad', bad], ['c', noted(seen, 'c')]])
      const { err } = await run()
      expect(err?.message).toBe('bug')
      expect(seen).toEqual(['a'])
    }
  })

  it('no step decides: an error, not a PUBACK', async () => {
    const { err } = await harness([['a', () => undefined], ['b', async () => undefined]]).run()
    expect(err?.message).toBe('the record step returned no decision')
  })

  it('leaves the in-flight bound once, whichever way the ingest ends', async () => {
    const hold: Step = (m) => { m.loadHeld = true }
    const ends: Step[] = [() => accepted, async () => accepted, () => { throw new Error('bug') }, async () => { throw new Error('bug') },
      () => ({ ack: 'withhold', error: { code: 'GW_ERR_X', message: 'x', device: 'internal' }, close: true } as unknown as Decision)]
    for (const end of ends) {
      const { run, left } = harness([['hold', hold], ['end', end]])
      await run()
      expect(left).toHaveLength(1)
    }
  })
})
