/**
 * The device as GET /api/devices reports it (platform/src/routes/registry.ts `deviceDto`), the
 * guard that admits it, and the pure filtering the devices screen does.
 */
import type { DeviceStatusDto } from '@eldercare/protocols'

export interface DeviceSummary {
  id: string
  type: string
  siteId: string
  residentId: string | null
  parentId: string | null
  online: boolean
  lastSeenAt: string | null
  /** 0–100 %, or null when the device has not reported it. */
  battery: number | null
  rssi: number | null
  fw: string | null
  createdAt: string | null
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** A device from the API with every optional field present; null when `id`/`type`/`siteId` are missing. */
export function toDevice (value: unknown): DeviceSummary | null {
  const v = value as Record<string, unknown> | null
  if (typeof v?.id !== 'string' || typeof v.type !== 'string' || typeof v.siteId !== 'string') return null
  return {
    id: v.id,
    type: v.type,
    siteId: v.siteId,
    residentId: str(v.residentId),
    parentId: str(v.parentId),
    online: v.online === true,
    lastSeenAt: str(v.lastSeenAt),
    battery: num(v.battery),
    rssi: num(v.rssi),
    fw: str(v.fw),
    createdAt: str(v.createdAt)
  }
}

export function isDeviceStatus (value: unknown): value is DeviceStatusDto {
  const v = value as Partial<DeviceStatusDto> | null
  return typeof v?.id === 'string' && typeof v.online === 'boolean'
}

/** Folds a live `device:status` event into the list; unknown devices are left out (not ours to show). */
export function applyDeviceStatus (devices: readonly DeviceSummary[], status: DeviceStatusDto): DeviceSummary[] {
  let changed = false
  const next = devices.map((d) => {
    if (d.id !== status.id) return d
    changed = true
    return {
      ...d,
      online: status.online,
      battery: status.battery ?? d.battery,
      lastSeenAt: status.lastSeenAt ?? d.lastSeenAt
    }
  })
  return changed ? next : [...devices]
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
