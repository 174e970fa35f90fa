/**
 * A simulated household: a wearable sending plausible vitals (per-resident baseline,
 * circadian rhythm, noise) and a fall detector that occasionally reports a fall.
 */
import type { Vitals } from '@eldercare/protocols'
import { positionAt, type LatLng } from './movement.ts'
import { SimDevice, type DeviceCredentials } from './sim-device.ts'

export interface HouseholdOptions {
  url: string
  wearable?: DeviceCredentials
  fallDetector?: DeviceCredentials
  /** Interval between vitals readings, in ms. Default 10000. */
  telemetryIntervalMs?: number
  /** Mean time between falls, in ms. Default 20 min. */
  meanTimeBetweenFallsMs?: number
  /** Delay of the first fall, in ms; default drawn like the others. */
  firstFallAfterMs?: number
  /** The home's coordinates: the wearable then reports where it is — at home, on walks, at the market (movement.ts). */
  home?: LatLng
  /** Length of one cycle of outings, ms (movement.ts). Default 2 h. */
  movementCycleMs?: number
  /** Deterministic randomness in [0,1). Default Math.random. */
  random?: () => number
  now?: () => number
}

/** Vitals for a resident with baseline heart rate `baseHr` at time `t`: lower at night, with noise. */
export function vitalsAt (t: number, baseHr: number, random: () => number): Vitals {
  const hour = new Date(t).getHours() + new Date(t).getMinutes() / 60
  const circadian = Math.sin(((hour - 9) / 24) * 2 * Math.PI) // peaks mid-afternoon, lowest before dawn
  const noise = () => (random() - 0.5) * 2
  return {
    hr: Math.round(baseHr + 6 * circadian + 3 * noise()),
    spo2: Math.min(100, Math.round(96 + noise())),
    rr: Math.round(15 + circadian + noise()),
    temp: Math.round((36.6 + 0.3 * circadian + 0.1 * noise()) * 10) / 10
  }
}

export class Household {
  private readonly devices: SimDevice[] = []
  private readonly timers: NodeJS.Timeout[] = []
  private readonly random: () => number
  private readonly baseHr: number

  constructor (private readonly opts: HouseholdOptions) {
    this.random = opts.random ?? Math.random
    this.baseHr = 62 + Math.round(this.random() * 16)
  }

  async start (): Promise<void> {
    const { url, wearable, fallDetector } = this.opts
    const now = this.opts.now ?? Date.now
    if (wearable) {
      const d = new SimDevice({ url, credentials: wearable, now })
      await d.connect()
      await d.status({ battery: 60 + Math.round(this.random() * 40), rssi: -50 - Math.round(this.random() * 30), fw: '1.4.2' })
      this.devices.push(d)
      const every = this.opts.telemetryIntervalMs ?? 10_000
      // each wearer keeps their own phase and market direction
      const move = this.opts.home ? { home: this.opts.home, cycleMs: this.opts.movementCycleMs, phase: this.random(), bearingDeg: Math.round(this.random() * 360) } : null
      const timer = setInterval(() => {
        const t = now()
        const geo = move ? (({ lat, lng, acc }) => ({ lat: Math.round(lat * 1e6) / 1e6, lng: Math.round(lng * 1e6) / 1e6, acc }))(positionAt(t, move)) : undefined
        d.telemetry({ ts: t, vitals: vitalsAt(t, this.baseHr, this.random), activity: { motion: this.random() < 0.4 }, ...(geo ? { geo } : {}) }).catch(() => {})
      }, every)
      timer.unref() // a household never keeps the process alive on its own
      this.timers.push(timer)
    }
    if (fallDetector) {
      const d = new SimDevice({ url, credentials: fallDetector, now })
      await d.connect()
      await d.status({ battery: 80 + Math.round(this.random() * 20), fw: '2.0.1' })
      this.devices.push(d)
      const mean = this.opts.meanTimeBetweenFallsMs ?? 20 * 60_000
      let first = this.opts.firstFallAfterMs
      const scheduleFall = () => {
        const delay = first ?? -Math.log(1 - this.random()) * mean // exponential inter-arrival
        first = undefined
        this.timers.push(setTimeout(() => {
          d.event('fall', { confidence: Math.round((0.8 + this.random() * 0.2) * 100) / 100, location: this.random() < 0.5 ? 'bathroom' : 'bedroom' }).catch(() => {})
          scheduleFall()
        }, delay))
        this.timers.at(-1)!.unref()
      }
      scheduleFall()
    }
  }

  async stop (): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    await Promise.all(this.devices.map((d) => d.close()))
  }
}
