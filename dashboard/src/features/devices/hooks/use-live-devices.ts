/**
 * A fetched device list with live `device:status` events laid over it. Live statuses are kept
 * apart from the list, so an event that arrives while the list is still loading is not lost.
 */
import type { DeviceStatusDto } from '@eldercare/protocols'
import { useCallback, useMemo, useState } from 'react'
import { applyDeviceStatus, type DeviceSummary } from '../lib/device.ts'
import { useDeviceStatusEvents } from './use-device-status-events.ts'

export function useLiveDevices (fetched: readonly DeviceSummary[] | null, getToken: () => string | null): DeviceSummary[] | null {
  const [live, setLive] = useState<ReadonlyMap<string, DeviceStatusDto>>(() => new Map())
  const onStatus = useCallback((status: DeviceStatusDto) => { setLive((m) => new Map(m).set(status.id, status)) }, [])
  useDeviceStatusEvents(getToken, onStatus)
  return useMemo(() => fetched === null ? null : [...live.values()].reduce(applyDeviceStatus, [...fetched]), [fetched, live])
}
