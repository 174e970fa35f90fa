import { describe, expect, it } from 'vitest'
import { toSamples } from '../src/readings.ts'

describe('[P-3.1] telemetry as samples of numeric fields', () => {
  it('takes a single reading set: vitals as they are, booleans as 0/1, geo left out', () => {
    expect(toSamples({ id: 't1', ts: 1000, vitals: { hr: 72, temp: 36.6 }, bed: { occupied: true, movement: 2 }, activity: { steps: 10, motion: false }, geo: { lat: 1, lng: 2 } }, 1000, false))
      .toEqual([{ ts: 1000, fields: { hr: 72, temp: 36.6, bed_occupied: 1, bed_movement: 2, steps: 10, motion: 0 } }])
  })

  it('takes a batch sample by sample, skipping a sample with nothing to store', () => {
    expect(toSamples({ id: 't2', samples: [{ ts: 1, vitals: { spo2: 97 } }, { ts: 2, geo: { lat: 1, lng: 2 } }, { ts: 3, bed: { occupied: false } }] }, 5, false))
      .toEqual([{ ts: 1, fields: { spo2: 97 } }, { ts: 3, fields: { bed_occupied: 0 } }])
  })

  it('[P-2.3] shifts the samples of a skewed device clock onto the gateway\'s clock', () => {
    const received = 10 * 3600_000
    expect(toSamples({ id: 't3', ts: 1000, samples: [{ ts: 0, vitals: { hr: 60 } }, { ts: 1000, vitals: { hr: 61 } }] }, received, true).map((s) => s.ts))
      .toEqual([received - 1000, received])
  })
})
