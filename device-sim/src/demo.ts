/**
 * The simulated homes of `npm start`'s demo: one household per resident, each with its wearable
 * and fall detector, over real MQTT against the gateway — the same path as real homes. The
 * platform seeds the demo region and issues the devices' secrets; it hands them over here
 * (scripts/embedded-demo.mjs joins the two), so the platform never runs a simulator itself.
 */
import { Household } from './household.ts'
import type { DeviceCredentials } from './sim-device.ts'

export interface DemoHousehold {
  wearable?: DeviceCredentials
  fallDetector?: DeviceCredentials
}

/** Starts the households; resolves once each is connected, to a function that stops them all. */
export async function playDemoHomes (opts: { mqttUrl: string, households: DemoHousehold[] }): Promise<() => Promise<void>> {
  const households = opts.households.map((c, i) => new Household({
    url: opts.mqttUrl, wearable: c.wearable, fallDetector: c.fallDetector,
    telemetryIntervalMs: 15_000,
    meanTimeBetweenFallsMs: 30 * 60_000,
    // the first household falls soon after start, so a newcomer sees an alarm arrive
    firstFallAfterMs: i === 0 ? 20_000 : undefined
  }))
  await Promise.all(households.map((h) => h.start()))
  return async () => { await Promise.all(households.map((h) => h.stop())) }
}
