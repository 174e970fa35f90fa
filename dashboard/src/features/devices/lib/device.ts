/**
 * The device as GET /api/devices reports it (`DeviceDto` in protocols/src/dto.ts), the check that
 * admits a list of them, and the pure filtering the devices screen does.
 */
import { isDeviceDto, type DeviceDto, type DeviceStatusDto } from '@eldercare/protocols'
import { validItems } from '../../../lib/dto.ts'

export type DeviceSummary = DeviceDto

/** Keeps the devices of a list that keep the contract, logging what it drops. */
export function validDevices (items: unknown): DeviceSummary[] {
  return Array.isArray(items) ? validItems(items, isDeviceDto, 'device') : []
}

/** A device with a live `device:status` laid over it. */
function withStatus (d: DeviceSummary, status: DeviceStatusDto): DeviceSummary {
  return { ...d, online: status.online, battery: status.battery ?? d.battery, lastSeenAt: status.lastSeenAt ?? d.lastSeenAt }
}

/**
 * Lays each device's latest live `device:status` over the list, one look-up per device, keeping what
 * an event leaves out; statuses of devices not in the list are left out (not ours to show). (Folding the statuses one by one walked the whole list per status:
 * after a district's reconnect storm, 10,000 statuses × 10,000 devices on every render.)
 */
export function applyDeviceStatuses (devices: readonly DeviceSummary[], live: ReadonlyMap<string, DeviceStatusDto>): DeviceSummary[] {
  if (live.size === 0) return [...devices]
  return devices.map((d) => {
    const status = live.get(d.id)
    return status ? withStatus(d, status) : d
  })
}

/** Below this battery level, in percent, a device is flagged. */
export const LOW_BATTERY_PERCENT = 20

export interface DeviceFilter {
  /** Case-insensitive match on id, type, firmware or site name. */
  text: string
  connection: 'all' | 'online' | 'offline'
  lowBatteryOnly: boolean
  siteId: string | null
}

export const NO_DEVICE_FILTER: DeviceFilter = { text: '', connection: 'all', lowBatteryOnly: false, siteId: null }

export function filterDevices (devices: readonly DeviceSummary[], filter: DeviceFilter, siteNames: ReadonlyMap<string, string> = new Map()): DeviceSummary[] {
  const text = filter.text.trim().toLowerCase()
  return devices.filter((d) => {
    if (filter.siteId !== null && d.siteId !== filter.siteId) return false
    if (filter.connection === 'online' && !d.online) return false
    if (filter.connection === 'offline' && d.online) return false
    if (filter.lowBatteryOnly && (d.battery === null || d.battery >= LOW_BATTERY_PERCENT)) return false
    if (text === '') return true
    return [d.id, d.type, d.fw ?? '', siteNames.get(d.siteId) ?? ''].some((s) => s.toLowerCase().includes(text))
  })
}

/** Offline first (they need attention), then lowest battery, then id. */
export function sortDevices (devices: readonly DeviceSummary[]): DeviceSummary[] {
  return [...devices].sort((a, b) =>
    Number(a.online) - Number(b.online) ||
    (a.battery ?? 101) - (b.battery ?? 101) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}
