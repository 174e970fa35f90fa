/**
 * The VitalsStore contract (STYLE.md §12): one suite, run against every implementation on a
 * real server. `open` gives a fresh, empty store for the suite; `close` tears it down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { ReadingsWriter, type ReadingPoint, type VitalsStore } from '@eldercare/readings'

const MIN = 60_000
// a fixed, minute-aligned day so buckets are predictable
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0)

export function vitalsStoreContract (name: string, open: () => Promise<{ store: VitalsStore, close: () => Promise<void> }>): void {
  describe(`VitalsStore contract: ${name}`, () => {
    let store: VitalsStore
    let close: () => Promise<void>
    beforeAll(async () => {
      ({ store, close } = await open())
      await store.init()
      await store.init() // idempotent
    })
    afterAll(async () => { await close?.() })

    it('[P-3.1] downsamples each field to the step with mean, min and max, buckets aligned to the epoch', async () => {
      const pts: ReadingPoint[] = [
        { ts: T0 + 5_000, deviceId: 'w1', residentId: 'r-a', fields: { hr: 70, spo2: 97 } },
        { ts: T0 + 35_000, deviceId: 'w1', residentId: 'r-a', fields: { hr: 80 } },
        { ts: T0 + 50_000, deviceId: 'w1', residentId: 'r-a', fields: { hr: 90, temp: 36.6 } },
        { ts: T0 + MIN + 1_000, deviceId: 'w1', residentId: 'r-a', fields: { hr: 100, spo2: 95 } },
        // a bucket left empty, then one more
        { ts: T0 + 3 * MIN, deviceId: 'bp1', residentId: 'r-a', fields: { sbp: 128, dbp: 82 } },
        // another resident's readings never show
        { ts: T0 + 10_000, deviceId: 'w2', residentId: 'r-b', fields: { hr: 150 } }
      ]
      await store.write(pts)
      const s = await store.series('r-a', T0, T0 + 10 * MIN, MIN)
      expect(s.hr).toEqual([
        { t: T0, mean: 80, min: 70, max: 90 },
        { t: T0 + MIN, mean: 100, min: 100, max: 100 }
      ])
      expect(s.spo2).toEqual([{ t: T0, mean: 97, min: 97, max: 97 }, { t: T0 + MIN, mean: 95, min: 95, max: 95 }])
      expect(s.temp).toEqual([{ t: T0, mean: 36.6, min: 36.6, max: 36.6 }])
      expect(s.sbp).toEqual([{ t: T0 + 3 * MIN, mean: 128, min: 128, max: 128 }])
      expect(s.dbp).toEqual([{ t: T0 + 3 * MIN, mean: 82, min: 82, max: 82 }])
      expect(s.rr).toBeUndefined()
    })

    it('takes [from, to) and the step as asked', async () => {
      const s = await store.series('r-a', T0 + MIN, T0 + 3 * MIN, MIN)
      expect(s.hr).toEqual([{ t: T0 + MIN, mean: 100, min: 100, max: 100 }])
      expect(s.sbp).toBeUndefined() // at `to`, excluded
      const wide = await store.series('r-a', T0, T0 + 10 * MIN, 5 * MIN)
      expect(wide.hr).toEqual([{ t: T0, mean: 85, min: 70, max: 100 }])
      expect(await store.series('r-nobody', T0, T0 + 10 * MIN, MIN)).toEqual({})
    })

    it('stores bed and activity fields (booleans as 0/1) beside the vitals', async () => {
      await store.write([
        { ts: T0 + 2 * MIN, deviceId: 'bed1', residentId: 'r-a', fields: { bed_occupied: 1, bed_movement: 3 } },
        { ts: T0 + 2 * MIN + 30_000, deviceId: 'bed1', residentId: 'r-a', fields: { bed_occupied: 0, bed_movement: 0 } },
        { ts: T0 + 2 * MIN + 40_000, deviceId: 'm1', residentId: 'r-a', fields: { motion: 1, steps: 1200 } }
      ])
      const s = await store.series('r-a', T0 + 2 * MIN, T0 + 3 * MIN, MIN)
      expect(s.bed_occupied).toEqual([{ t: T0 + 2 * MIN, mean: 0.5, min: 0, max: 1 }])
      expect(s.bed_movement).toEqual([{ t: T0 + 2 * MIN, mean: 1.5, min: 0, max: 3 }])
      expect(s.motion).toEqual([{ t: T0 + 2 * MIN, mean: 1, min: 1, max: 1 }])
      expect(s.steps).toEqual([{ t: T0 + 2 * MIN, mean: 1200, min: 1200, max: 1200 }])
    })

    it('gives the latest value of each field, and the latest as of a time', async () => {
      const latest = await store.latest('r-a')
      expect(latest).toEqual({
        hr: { value: 100, at: T0 + MIN + 1_000 },
        spo2: { value: 95, at: T0 + MIN + 1_000 },
        temp: { value: 36.6, at: T0 + 50_000 },
        sbp: { value: 128, at: T0 + 3 * MIN },
        dbp: { value: 82, at: T0 + 3 * MIN },
        bed_occupied: { value: 0, at: T0 + 2 * MIN + 30_000 },
        bed_movement: { value: 0, at: T0 + 2 * MIN + 30_000 },
        motion: { value: 1, at: T0 + 2 * MIN + 40_000 },
        steps: { value: 1200, at: T0 + 2 * MIN + 40_000 }
      })
      const asOf = await store.latest('r-a', T0 + 40_000)
      expect(asOf.hr).toEqual({ value: 80, at: T0 + 35_000 })
      expect(asOf.sbp).toBeUndefined()
      expect(await store.latest('r-nobody')).toEqual({})
    })

    it('keeps readings of a device assigned to nobody out of every resident', async () => {
      await store.write([{ ts: T0 + 4 * MIN, deviceId: 'spare', residentId: null, fields: { hr: 61 } }])
      const s = await store.series('r-a', T0 + 4 * MIN, T0 + 5 * MIN, MIN)
      expect(s.hr).toBeUndefined()
    })

    it('[#12] a sample dated in the year 10000 inside a 1,000-point batch loses no other device\'s readings', async () => {
      // a telemetry batch without top-level ts: each sample keeps its own time, one of them absurd
      const pts: ReadingPoint[] = []
      for (let i = 0; i < 998; i++) pts.push({ ts: T0 + 2 * 3600_000 + i * 1000, deviceId: `w-batch-${i % 50}`, residentId: `r-batch-${i % 50}`, fields: { hr: 60 + (i % 50) } })
      pts.splice(400, 0, { ts: Date.UTC(10000, 0, 1), deviceId: 'w-batch-7', residentId: 'r-batch-7', fields: { hr: 200 } })
      pts.splice(700, 0, { ts: 9e15, deviceId: 'w-batch-8', residentId: 'r-batch-8', fields: { hr: 201 } }) // beyond any date
      const writer = new ReadingsWriter(store, pino({ level: 'silent' }), { batchSize: 1000, flushIntervalMs: 60_000 })
      writer.enqueue(pts)
      await writer.flush()
      expect(writer.stats).toMatchObject({ written: 998, rejected: 2, buffered: 0, failedWrites: 0, retrying: false })
      for (const k of [0, 7, 8, 49]) {
        const s = await store.series(`r-batch-${k}`, T0, T0 + 24 * 3600_000, 3600_000)
        expect(s.hr?.reduce((n, b) => n + 1, 0), `r-batch-${k}`).toBeGreaterThan(0)
        expect(s.hr!.every((b) => b.max === 60 + k), `r-batch-${k} has only its own readings, not the refused ones`).toBe(true)
      }
      const latest = await store.latest('r-batch-7')
      expect(latest.hr).toEqual({ value: 67, at: T0 + 2 * 3600_000 + 957_000 })
      await writer.close()
    })

    it('charts a day of readings every 10 s at 1-minute steps: 1440 buckets', async () => {
      const day = Date.UTC(2026, 10, 21)
      const pts: ReadingPoint[] = []
      for (let i = 0; i < 8640; i++) pts.push({ ts: day + i * 10_000, deviceId: 'w9', residentId: 'r-day', fields: { hr: 60 + (i % 6), spo2: 96 } })
      for (let i = 0; i < pts.length; i += 2000) await store.write(pts.slice(i, i + 2000))
      const s = await store.series('r-day', day, day + 24 * 3600_000, MIN)
      expect(s.hr).toHaveLength(1440)
      expect(s.hr![0]).toEqual({ t: day, mean: 62.5, min: 60, max: 65 })
      expect(s.spo2![1439]).toEqual({ t: day + 1439 * MIN, mean: 96, min: 96, max: 96 })
    })
  })
}
