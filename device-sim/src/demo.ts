/**
 * The simulated homes of `npm start`'s demo: one household per resident, each with its wearable
 * and fall detector, over real MQTT against the gateway — the same path as real homes. The
 * platform seeds the demo region and issues the devices' secrets; it hands them over here
 * (scripts/embedded-demo.mjs joins the two), so the platform never runs a simulator itself.
 */
import { Household } from './household.ts'
import { SimIntercom } from './intercom.ts'
import { SimDevice, type DeviceCredentials } from './sim-device.ts'

export interface DemoHousehold {
  wearable?: DeviceCredentials
  fallDetector?: DeviceCredentials
}

/** A home's video intercom (issue 17), labelled with its residents' names for its test picture. */
export interface DemoIntercom {
  device: DeviceCredentials
  label: string
}

export interface DemoPlayOptions {
  mqttUrl: string
  households: DemoHousehold[]
  intercoms?: DemoIntercom[]
  /** When the first elder presses the intercom's call button, in ms after start. Default 45000. */
  firstCallAfterMs?: number
  /** Mean time between later calls, in ms. Default 40 min. */
  meanTimeBetweenCallsMs?: number
  /** Told when a demo intercom's call fails (e.g. no ffmpeg for the picture: the device refuses with `media_failed`). */
  onIntercomError?: (err: Error, deviceId: string) => void
}

/** Starts the households and intercoms; resolves once each is connected, to a function that stops them all. */
export async function playDemoHomes (opts: DemoPlayOptions): Promise<() => Promise<void>> {
  const households = opts.households.map((c, i) => new Household({
    url: opts.mqttUrl, wearable: c.wearable, fallDetector: c.fallDetector,
    telemetryIntervalMs: 15_000,
    meanTimeBetweenFallsMs: 30 * 60_000,
    // the first household falls soon after start, so a newcomer sees an alarm arrive
    firstFallAfterMs: i === 0 ? 20_000 : undefined
  }))
  await Promise.all(households.map((h) => h.start()))
  const stopIntercoms = await playDemoIntercoms(opts)
  return async () => { await stopIntercoms(); await Promise.all(households.map((h) => h.stop())) }
}

/**
 * The demo's video intercoms: the simulated intercom that really streams, so a newcomer sees and
 * hears an elder from the console in both directions — a care call from the resident card, and
 * an elder who presses the call button soon after start (then now and again).
 */
async function playDemoIntercoms (opts: DemoPlayOptions): Promise<() => Promise<void>> {
  const fail = opts.onIntercomError ?? (() => {})
  const intercoms: SimIntercom[] = []
  for (const ic of opts.intercoms ?? []) {
    const device = new SimDevice({ url: opts.mqttUrl, credentials: ic.device })
    await device.connect()
    intercoms.push(new SimIntercom(device, { label: ic.label, onError: (err) => fail(err, ic.device.id) }))
  }
  const timers: NodeJS.Timeout[] = []
  const callLater = (afterMs: number) => {
    timers.push(setTimeout(() => {
      const intercom = intercoms[Math.floor(Math.random() * intercoms.length)]
      intercom?.callCentre().catch((err: Error) => fail(err, intercom.device.id))
      callLater(-Math.log(1 - Math.random()) * (opts.meanTimeBetweenCallsMs ?? 40 * 60_000))
    }, afterMs))
  }
  if (intercoms.length) callLater(opts.firstCallAfterMs ?? 45_000)
  return async () => {
    for (const t of timers) clearTimeout(t)
    for (const intercom of intercoms) {
      await intercom.close()
      await intercom.device.close()
    }
  }
}
