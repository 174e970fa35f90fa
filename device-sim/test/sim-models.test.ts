/** Pure parts of the simulator: seeded randomness, the region plan, vitals models, firmware answers, simulated time. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEVICE_ID_PATTERN, decodeUpstream } from '@eldercare/protocols'
import { MAX_TIMER_MS, SimClock, SimTimers } from '../src/clock.ts'
import { firmwareResponse } from '../src/firmware.ts'
import { bloodPressure, drawEpisode, drawProfile, isAsleep, residentVitals } from '../src/models.ts'
import { Rng } from '../src/prng.ts'
import { planRegion, PROVISION_DEFAULTS } from '../src/provision.ts'

const H = 3600_000
const at = (hour: number) => new Date(2026, 0, 10, hour, 0, 0).getTime()

describe('seeded randomness', () => {
  it('repeats a sequence for a seed, differs for another', () => {
    const a = new Rng(42)
    const b = new Rng(42)
    const seqA = Array.from({ length: 20 }, () => a.next())
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA)
    expect(Array.from({ length: 20 }, () => new Rng(43).next())).not.toEqual(seqA)
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true)
  })

  it('forks streams by name, independent of how far the parent has drawn', () => {
    const a = new Rng(7)
    const first = a.fork('H0001').next()
    a.next(); a.next()
    expect(a.fork('H0001').next()).toBe(first)
    expect(a.fork('H0002').next()).not.toBe(first)
  })
})

describe('region plan', () => {
  it('is the same for the same seed, with valid ids and hubs before their children', () => {
    const opts = { ...PROVISION_DEFAULTS, homes: 30, facilities: 2, residentsPerFacility: 4, seed: 5 }
    const plan = planRegion(opts)
    expect(planRegion(opts)).toEqual(plan)
    expect(planRegion({ ...opts, seed: 6 })).not.toEqual(plan)
    const devices = plan.flatMap((s) => s.devices)
    expect(new Set(devices.map((d) => d.id)).size).toBe(devices.length)
    expect(devices.every((d) => DEVICE_ID_PATTERN.test(d.id))).toBe(true)
    for (const site of plan.filter((s) => s.kind === 'institution')) {
      const hub = site.devices.find((d) => d.type === 'hub')!
      expect(site.devices.filter((d) => d.parent === hub.key).length).toBe(1 + 3 * 4) // [P-1.5] smoke detector + 3 per resident
    }
    for (const home of plan.filter((s) => s.kind === 'home')) {
      for (const r of home.residents) expect(home.devices.some((d) => d.type === 'wearable' && d.resident === r.key)).toBe(true)
    }
  })
})

describe('vitals model', () => {
  it('[P-3.1] stays inside the protocol ranges over two days, through deterioration episodes', () => {
    const rng = new Rng(1)
    for (let i = 0; i < 40; i++) {
      const p = drawProfile(rng)
      const episode = drawEpisode(rng, at(2) + i * H)
      for (let t = at(0); t < at(0) + 48 * H; t += 20 * 60_000) {
        for (const vitals of [residentVitals(p, t, rng, episode), bloodPressure(p, t, rng, episode)]) {
          const r = decodeUpstream('telemetry', Buffer.from(JSON.stringify({ id: 't', ts: t, vitals })))
          expect(r.ok, JSON.stringify(vitals)).toBe(true)
        }
      }
    }
  })

  it('has a circadian rhythm, sleep at night, and raises heart rate and temperature in an episode', () => {
    const rng = new Rng(2)
    const p = { ...drawProfile(rng), bedtime: 22, wake: 6.5 }
    const mean = (hour: number, ep = null as ReturnType<typeof drawEpisode> | null, key: 'hr' | 'temp' = 'hr') =>
      Array.from({ length: 200 }, () => residentVitals(p, at(hour), rng, ep)[key]!).reduce((a, b) => a + b) / 200
    expect(mean(4)).toBeLessThan(mean(15) - 5)
    expect(isAsleep(p, at(3))).toBe(true)
    expect(isAsleep(p, at(12))).toBe(false)
    const episode = { startMs: at(10), endMs: at(16), peak: 1 }
    expect(mean(12, episode)).toBeGreaterThan(mean(12) + 15)
    expect(mean(12, episode, 'temp')).toBeGreaterThan(mean(12, null, 'temp') + 1)
  })
})

describe('firmware answers to commands [P-3.5][P-3.6]', () => {
  const cmd = (type: string) => ({ id: 'c1', ts: 1, type }) as Parameters<typeof firmwareResponse>[0]
  it('acknowledges alarm.ack, and answers test.request with a test alarm', () => {
    expect(firmwareResponse(cmd('alarm.ack'), { type: 'fall_detector', activeCall: null })).toEqual({ ack: { ok: true } })
    expect(firmwareResponse(cmd('test.request'), { type: 'sos_button', activeCall: null })).toEqual({ ack: { ok: true }, then: { event: 'test' } })
  })
  it('answers and hangs up a ringing intercom call, refuses without one or on another device', () => {
    const call = { callId: 'k1' }
    expect(firmwareResponse(cmd('intercom.answer'), { type: 'intercom', activeCall: call })).toEqual({ ack: { ok: true }, then: { intercom: 'call_answered', callId: 'k1' } })
    expect(firmwareResponse(cmd('intercom.hangup'), { type: 'intercom', activeCall: call })).toEqual({ ack: { ok: true }, then: { intercom: 'call_ended', callId: 'k1' } })
    expect(firmwareResponse(cmd('intercom.answer'), { type: 'intercom', activeCall: null }).ack).toEqual({ ok: false, error: 'no_call' })
    expect(firmwareResponse(cmd('intercom.unlock'), { type: 'wearable', activeCall: null }).ack).toEqual({ ok: false, error: 'unsupported' })
  })
})

describe('simulated clock', () => {
  it('runs `speed` times faster than the wall clock', () => {
    let wall = 1000
    const clock = new SimClock(at(22), 60, () => wall)
    wall += 60_000 // one wall minute
    expect(clock.now()).toBe(at(23))
    expect(clock.wallDelay(H)).toBe(60_000)
  })
})

describe('simulated timers', () => {
  afterEach(() => { vi.useRealTimers() })

  it('wait out delays longer than setTimeout allows instead of firing at once (a rare event years away)', () => {
    vi.useFakeTimers()
    const timers = new SimTimers(new SimClock(0, 1))
    let fired = 0
    timers.after(3 * MAX_TIMER_MS, () => { fired++ })
    vi.advanceTimersByTime(1000)
    expect(fired).toBe(0)
    vi.advanceTimersByTime(2 * MAX_TIMER_MS)
    expect(fired).toBe(0)
    vi.advanceTimersByTime(MAX_TIMER_MS)
    expect(fired).toBe(1)
    timers.stop()
  })

  it('a Poisson process with a huge mean stays quiet', () => {
    vi.useFakeTimers()
    const timers = new SimTimers(new SimClock(0, 1000))
    let fired = 0
    timers.poisson(1e15, () => 1e15, () => { fired++ })
    vi.advanceTimersByTime(60_000)
    expect(fired).toBe(0)
    timers.stop()
  })
})
