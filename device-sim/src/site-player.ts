/**
 * Plays one site (a home or a facility) from its credentials: connects its devices (a
 * facility's hub relays its children [P-1.5]) and makes them behave like a household's
 * devices in simulated time — vitals, bed and motion, blood pressure a few times a day,
 * falls, SOS presses and cancels, intercom calls, bed exits at night, hazards, low
 * batteries, dropped connections and reconnects, at configurable rates.
 */
import type { DeviceErrorMessage, EventType, UpstreamKind } from '@eldercare/protocols'
import { DAY_MS, SimTimers, hourOf, type SimClock } from './clock.ts'
import type { CredDevice, CredSite } from './credentials.ts'
import { bloodPressure, drawEpisode, drawProfile, isAsleep, residentVitals, type Episode, type ResidentProfile } from './models.ts'
import type { Rng } from './prng.ts'
import type { Stats } from './progress.ts'
import { SimDevice } from './sim-device.ts'

/** Rates of a `run`; every "per day" is per simulated day. */
export interface RunRates {
  /** falls per resident per day */
  fallsPerDay: number
  /** SOS presses per resident per day */
  sosPerDay: number
  /** share of falls and SOS presses cancelled at the device ("I'm OK") */
  cancelRatio: number
  /** intercom calls per site per day */
  callsPerDay: number
  /** simulated seconds an intercom rings before the call is missed */
  ringS: number
  /** bed exits per resident per night (in telemetry: occupied false, then back) */
  bedExitsPerNight: number
  /** share of bed exits that last so long the bed sensor raises `bed_exit` */
  bedExitAlarmRatio: number
  /** smoke, gas or water alarms per hazard sensor per day */
  hazardsPerDay: number
  /** deterioration episodes per resident per day */
  deteriorationsPerDay: number
  /** dropped connections per device per day (the client reconnects after 2 s) */
  dropsPerDay: number
  /** battery percentage points lost per device per day */
  batteryDrainPerDay: number
  /** simulated seconds between wearable readings */
  telemetryIntervalS: number
  /** simulated seconds between bed and motion sensor readings */
  sensorIntervalS: number
}

export const RUN_DEFAULTS: RunRates = {
  fallsPerDay: 0.02,
  sosPerDay: 0.05,
  cancelRatio: 0.3,
  callsPerDay: 0.2,
  ringS: 45,
  bedExitsPerNight: 1.5,
  bedExitAlarmRatio: 0.03,
  hazardsPerDay: 0.001,
  deteriorationsPerDay: 0.02,
  dropsPerDay: 0.2,
  batteryDrainPerDay: 2,
  telemetryIntervalS: 300,
  sensorIntervalS: 600
}

interface Channel { cred: CredDevice, sim: SimDevice, battery: number, lowReported: boolean }

interface ResidentState { key: string, profile: ResidentProfile, episode: Episode | null, rng: Rng, inBed: boolean, awayFromBed: boolean, steps: number }

export interface SitePlayerOptions {
  url: string
  site: CredSite
  clock: SimClock
  rates: RunRates
  /** this site's random stream (fork of the run's seed) */
  rng: Rng
  stats: Stats
  /** optional tap on every message sent */
  onSend?: (topic: string, body: unknown) => void
  onError?: (deviceId: string, e: DeviceErrorMessage) => void
}

const HAZARD: Partial<Record<string, EventType>> = { smoke_detector: 'smoke', gas_detector: 'gas', water_sensor: 'water_leak' }

export class SitePlayer {
  private readonly sims: SimDevice[] = []
  private readonly channels = new Map<string, Channel>()
  private readonly residents: ResidentState[]
  private readonly timers: SimTimers

  constructor (private readonly o: SitePlayerOptions) {
    this.timers = new SimTimers(o.clock)
    this.residents = o.site.residents.map((r) => {
      const rng = o.rng.fork(r.key)
      return { key: r.key, profile: drawProfile(rng), episode: null, rng, inBed: false, awayFromBed: false, steps: 0 }
    })
  }

  get devices (): SimDevice[] { return this.sims }

  async start (): Promise<void> {
    const { site, url, stats } = this.o
    const direct = site.devices.filter((d) => !d.parent)
    await Promise.all(direct.map(async (cred) => {
      const children = site.devices.filter((c) => c.parent === cred.key)
      const sim = new SimDevice({
        url, credentials: { id: cred.id, secret: cred.secret, type: cred.type },
        children: children.map((c) => c.id),
        onSend: (topic, body) => { stats.sent++; this.o.onSend?.(topic, body) },
        onError: (e) => { stats.refuse(e.code); this.o.onError?.(cred.id, e) }
      })
      await sim.connect()
      stats.connected++
      stats.connects++
      this.sims.push(sim)
      for (const d of [cred, ...children]) {
        this.channels.set(d.key, { cred: d, sim, battery: Math.round(this.o.rng.fork(d.key).between(30, 100)), lowReported: false })
      }
    }))
    for (const ch of this.channels.values()) {
      this.send(ch, 'status', { online: true, ts: Date.now(), battery: ch.battery, rssi: -45 - Math.round(this.o.rng.fork(`${ch.cred.key}/rssi`).between(0, 40)), fw: ch.cred.type === 'hub' ? '3.1.0' : '1.4.2' }, 1, true)
    }
    this.schedule()
  }

  async stop (): Promise<void> {
    this.timers.stop()
    await Promise.all(this.sims.map((s) => s.close().catch(() => {})))
    this.o.stats.connected -= this.sims.length
  }

  private send (ch: Channel, kind: UpstreamKind, body: Record<string, unknown>, qos: 0 | 1, retain = false): void {
    const message = kind === 'status' ? body : { id: ch.sim.nextId(kind[0]), ts: Date.now(), ...body }
    ch.sim.publishAs(ch.cred.id, kind, message, qos, retain).then(
      () => { if (qos > 0) this.o.stats.acked++ },
      () => { this.o.stats.errors++ })
  }

  private device (resident: string | null, ...types: string[]): Channel | undefined {
    for (const t of types) {
      for (const ch of this.channels.values()) if (ch.cred.type === t && (resident === null || ch.cred.resident === resident)) return ch
    }
    return undefined
  }

  private schedule (): void {
    const { rates, clock } = this.o
    const t = this.timers
    const perDay = (n: number) => (n > 0 ? DAY_MS / n : Infinity)
    const cancelLater = (ch: Channel, r: ResidentState, ref: string) => {
      if (!r.rng.chance(rates.cancelRatio)) return
      t.after(r.rng.between(10_000, 40_000), () => this.send(ch, 'events', { type: 'cancel', ref }, 1))
    }
    for (const r of this.residents) {
      const rng = r.rng
      const band = this.device(r.key, 'wearable')
      if (band) {
        t.every(rates.telemetryIntervalS * 1000, rng.next(), () => {
          const now = clock.now()
          const asleep = isAsleep(r.profile, now)
          // steps accrue while awake; a new day starts at wake-up
          if (!asleep) r.steps += Math.round(r.profile.stepsPerDay / ((24 - 9) * 3600 / rates.telemetryIntervalS) * rng.between(0, 2))
          if (asleep && hourOf(now) < r.profile.wake) r.steps = 0
          this.send(band, 'telemetry', { vitals: residentVitals(r.profile, now, rng, r.episode), activity: { steps: r.steps, motion: !asleep && rng.chance(0.5) } }, 0)
        })
      }
      const bed = this.device(r.key, 'bed_sensor')
      if (bed) {
        t.every(rates.sensorIntervalS * 1000, rng.next(), () => {
          const asleep = isAsleep(r.profile, clock.now())
          if (asleep && !r.inBed && !r.awayFromBed) r.inBed = true
          if (!asleep) r.inBed = false
          this.send(bed, 'telemetry', { bed: { occupied: r.inBed, movement: r.inBed ? rng.int(0, 3) : 0 } }, 0)
        })
        // bed exits happen at night: the sensor reports the empty bed, then the return
        t.poisson(perDay(rates.bedExitsPerNight * 24 / 9), rng.exp.bind(rng), () => {
          if (!isAsleep(r.profile, clock.now()) || !r.inBed) return
          r.inBed = false
          r.awayFromBed = true
          this.send(bed, 'telemetry', { bed: { occupied: false, movement: 6 } }, 0)
          const long = rng.chance(rates.bedExitAlarmRatio)
          t.after(long ? 30 * 60_000 : rng.between(3, 15) * 60_000, () => {
            if (long) this.send(bed, 'events', { type: 'bed_exit', confidence: 0.9, location: bed.cred.room ?? 'bedroom' }, 1)
            else this.send(bed, 'telemetry', { bed: { occupied: true, movement: 4 } }, 0)
            // after a long absence the resident is back by the next reading
            r.awayFromBed = false
            r.inBed = !long
          })
        })
      }
      const cuff = this.device(r.key, 'bp_monitor')
      if (cuff) {
        // a few readings a day, at about 08:00, 14:00 and 20:00
        t.every(3600_000, 0, () => {
          const h = Math.floor(hourOf(clock.now()))
          if ([8, 14, 20].includes(h)) this.send(cuff, 'telemetry', { vitals: bloodPressure(r.profile, clock.now(), rng, r.episode) }, 1)
        })
      }
      const fallDev = this.device(r.key, 'fall_detector') ?? this.device(null, 'fall_detector') ?? band
      if (fallDev) {
        t.poisson(perDay(rates.fallsPerDay), rng.exp.bind(rng), () => {
          const msg = { id: fallDev.sim.nextId('e'), ts: Date.now(), type: 'fall', confidence: Math.round(rng.between(0.75, 0.99) * 100) / 100, location: fallDev.cred.room ?? rng.pick(['bathroom', 'bedroom', 'kitchen']) }
          this.sendRaw(fallDev, 'events', msg)
          cancelLater(fallDev, r, msg.id)
        })
      }
      const sos = this.device(r.key, 'sos_button', 'wearable')
      if (sos) {
        t.poisson(perDay(rates.sosPerDay), rng.exp.bind(rng), () => {
          const msg = { id: sos.sim.nextId('e'), ts: Date.now(), type: 'sos' }
          this.sendRaw(sos, 'events', msg)
          cancelLater(sos, r, msg.id)
        })
      }
      t.poisson(perDay(rates.deteriorationsPerDay), rng.exp.bind(rng), () => {
        if (!r.episode || clock.now() > r.episode.endMs) r.episode = drawEpisode(rng, clock.now())
      })
    }
    const siteRng = this.o.rng.fork('site')
    const intercom = this.device(null, 'intercom')
    if (intercom) t.poisson(perDay(rates.callsPerDay), siteRng.exp.bind(siteRng), () => { void this.call(intercom) })
    for (const ch of this.channels.values()) {
      const rng = this.o.rng.fork(`${ch.cred.key}/device`)
      const hazard = HAZARD[ch.cred.type]
      if (hazard) t.poisson(perDay(rates.hazardsPerDay), rng.exp.bind(rng), () => this.send(ch, 'events', { type: hazard, confidence: 0.95, location: ch.cred.room ?? undefined }, 1))
      if (ch.cred.type === 'motion_sensor') {
        t.every(rates.sensorIntervalS * 1000, rng.next(), () => {
          const awake = this.residents.some((r) => !isAsleep(r.profile, clock.now()) || !r.inBed)
          this.send(ch, 'telemetry', { activity: { motion: awake ? rng.chance(0.7) : rng.chance(0.03) } }, 0)
        })
      }
      // battery drains; below 15 % the device says so once [P-3.2]
      t.every(3600_000, rng.next(), () => {
        ch.battery = Math.max(0, ch.battery - rates.batteryDrainPerDay / 24)
        if (ch.battery < 15 && !ch.lowReported) {
          ch.lowReported = true
          this.send(ch, 'status', { online: true, ts: Date.now(), battery: Math.round(ch.battery) }, 1, true)
          this.send(ch, 'events', { type: 'low_battery' }, 1)
        }
      })
      if (!ch.cred.parent) t.poisson(perDay(rates.dropsPerDay), rng.exp.bind(rng), () => ch.sim.drop())
    }
  }

  private sendRaw (ch: Channel, kind: UpstreamKind, msg: Record<string, unknown>): void {
    ch.sim.publishAs(ch.cred.id, kind, msg, 1).then(() => { this.o.stats.acked++ }, () => { this.o.stats.errors++ })
  }

  /** An intercom call: rings, and is missed unless the centre answers it (intercom.answer, firmware.ts). */
  private async call (ch: Channel): Promise<void> {
    if (ch.sim.activeCall) return
    const callId = ch.sim.nextId('c')
    ch.sim.activeCall = { callId, deviceId: ch.cred.id }
    this.send(ch, 'intercom', { type: 'call_request', callId }, 1)
    this.timers.after(this.o.rates.ringS * 1000, () => {
      const call = ch.sim.activeCall
      if (call?.callId !== callId) return
      if (!call.answered) {
        ch.sim.activeCall = null
        this.send(ch, 'intercom', { type: 'call_missed', callId }, 1)
      } else {
        // an answered call lasts a few minutes, then the elder hangs up
        this.timers.after(3 * 60_000, () => {
          if (ch.sim.activeCall?.callId !== callId) return
          ch.sim.activeCall = null
          this.send(ch, 'intercom', { type: 'call_ended', callId }, 1)
        })
      }
    })
  }
}
