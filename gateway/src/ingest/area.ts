import type { Step } from './types.ts'

/**
 * area: observers (read-only recorders, ../observers.ts) receive only messages of devices inside
 * their area, checked in aedes' synchronous authorizeForward; the publishing device's area is
 * looked up here, before the message is forwarded. Costs nothing while no observer is connected.
 */
export const area: Step = (m, ctx) => ctx.observers.prime(m.deviceId!)
