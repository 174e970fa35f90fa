/**
 * The registry and accountability routes (operator-api.md; docs/platform.md, "Registry, access,
 * audit, visits, reports"): areas, sites, residents, devices, accounts, CSV import, audit log,
 * visits and reports. Every list and read is confined to the caller's area subtree; a record
 * outside it answers 404.
 */
import type { FastifyPluginAsync } from 'fastify'
import { areaRoutes } from './areas.ts'
import { auditRoutes } from '../audit/routes.ts'
import { deviceRoutes } from './devices.ts'
import { importRoutes } from './imports.ts'
import { reportRoutes } from '../reports/routes.ts'
import { residentRoutes } from './residents.ts'
import { siteRoutes } from './sites.ts'
import { userRoutes } from './users.ts'
import { visitRoutes } from '../visits/routes.ts'
import type { ReportOptions } from '../reports/service.ts'

export { maskPhone } from './residents.ts'

export interface RegistryRoutesOptions {
  /** the clock for "today", "now" and overdue checks. Default Date.now. */
  now?: () => number
  /** Called after a device's registry record changed, so the gateway drops its cached copy. */
  invalidateDevice?: (deviceId: string) => void
  /** [P-4.4] the gateway's in-memory last sign of life of a device */
  deviceLastSeen?: (deviceId: string) => Date | null
  reports?: ReportOptions
  /** Calendar days and months of visits and reports are this zone's. Default Asia/Shanghai. */
  timeZone?: string
}

export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now
  await app.register(areaRoutes, { invalidateDevice: opts.invalidateDevice })
  await app.register(siteRoutes, { invalidateDevice: opts.invalidateDevice })
  await app.register(residentRoutes)
  await app.register(deviceRoutes, { invalidateDevice: opts.invalidateDevice, lastSeen: opts.deviceLastSeen })
  await app.register(userRoutes)
  await app.register(importRoutes, { invalidateDevice: opts.invalidateDevice })
  await app.register(auditRoutes)
  await app.register(visitRoutes, { now, timeZone: opts.timeZone })
  await app.register(reportRoutes, { now, timeZone: opts.timeZone, ...opts.reports })
}
