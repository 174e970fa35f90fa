import MemoryPersistence from 'aedes-persistence/asyncPersistence.js'
import { QlobberTrue } from 'qlobber'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { IndexedRetainedPersistence } from '../src/memory-persistence.ts'

const retained = (topic: string, payload = '{"online":true}') => ({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true })

async function topicsOf (stream: AsyncIterable<unknown>): Promise<string[]> {
  const out: string[] = []
  for await (const p of stream) out.push((p as { topic: string }).topic)
  return out
}

const TOPICS = [
  'care/v1/devices/dev-1/status', 'care/v1/devices/dev-2/status', 'care/v1/devices/dev-3/status',
  'care/v1/devices/dev-1/commands', 'care/v1/sites/s-1/status', 'other/a/b/c'
]

describe('IndexedRetainedPersistence: retained messages by topic (memory-persistence.ts)', () => {
  afterEach(() => { vi.restoreAllMocks() })

  it('answers a filter without wildcards by its topic alone, testing no other retained topic', async () => {
    const p = new IndexedRetainedPersistence()
    for (const t of TOPICS) await p.storeRetained(retained(t))
    const test = vi.spyOn(QlobberTrue.prototype, 'test')
    expect(await topicsOf(p.createRetainedStreamCombi(['care/v1/devices/dev-2/status']))).toEqual(['care/v1/devices/dev-2/status'])
    expect(await topicsOf(p.createRetainedStream('care/v1/devices/dev-9/commands'))).toEqual([])
    // aedes-persistence's memory store tests every retained topic for every filter
    expect(test).not.toHaveBeenCalled()
  })

  it('matches wildcard filters as aedes-persistence\'s memory store does', async () => {
    const ours = new IndexedRetainedPersistence()
    const theirs = new MemoryPersistence()
    for (const t of TOPICS) { await ours.storeRetained(retained(t)); await theirs.storeRetained(retained(t)) }
    for (const filter of ['care/v1/devices/+/status', 'care/v1/#', '#', 'care/+/+/dev-1/#', 'care/v1/devices/dev-1/+', '+/a/#', 'care/v1/nothing/+']) {
      expect((await topicsOf(ours.createRetainedStream(filter))).sort(), filter).toEqual((await topicsOf(theirs.createRetainedStream(filter))).sort())
    }
  })

  it('sends a topic matched by several filters of one SUBSCRIBE once', async () => {
    const p = new IndexedRetainedPersistence()
    for (const t of TOPICS) await p.storeRetained(retained(t))
    const got = await topicsOf(p.createRetainedStreamCombi(['care/v1/devices/dev-1/status', 'care/v1/devices/+/status', 'care/v1/devices/dev-1/status']))
    expect(got.sort()).toEqual(['care/v1/devices/dev-1/status', 'care/v1/devices/dev-2/status', 'care/v1/devices/dev-3/status'])
  })

  it('keeps the latest retained message of a topic, and forgets it on an empty payload [MQTT-3.3.1-10]', async () => {
    const p = new IndexedRetainedPersistence()
    await p.storeRetained(retained('care/v1/devices/dev-1/status', '{"online":true}'))
    await p.storeRetained(retained('care/v1/devices/dev-1/status', '{"online":false}'))
    const payloads: string[] = []
    for await (const packet of p.createRetainedStream('care/v1/devices/dev-1/status')) payloads.push((packet as { payload: Buffer }).payload.toString())
    expect(payloads).toEqual(['{"online":false}'])
    expect(p.retainedCount).toBe(1)
    await p.storeRetained(retained('care/v1/devices/dev-1/status', ''))
    expect(await topicsOf(p.createRetainedStream('care/v1/devices/dev-1/status'))).toEqual([])
    expect(await topicsOf(p.createRetainedStream('care/v1/#'))).toEqual([])
    expect(p.retainedCount).toBe(0)
  })
})
