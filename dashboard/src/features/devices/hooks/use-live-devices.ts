/**
 * A fetched device list with live `device:status` events laid over it. Live statuses are kept
 * apart from the list, so an event that arrives while the list is still loading is not lost.
 *
 * Statuses are taken into the screen at most once per STATUS_FLUSH_MS: a district's network cut
 * sends thousands in a few seconds (every device offline, then online again), and one state update
 * per status re-rendered the list thousands of times — on the same main thread as the alarm queue.
 */
import type { DeviceStatusDto } from '@eldercare/protocols'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { applyDeviceStatuses, type DeviceSummary } from '../lib/device.ts'
import { useDeviceStatusEvents } from './use-device-status-events.ts'

/** How long live statuses gather before the list takes them in, ms. */
export const STATUS_FLUSH_MS = 100

export function useLiveDevices (fetched: readonly DeviceSummary[] | null, getToken: () => string | null): DeviceSummary[] | null {
  const [live, setLive] = useState<ReadonlyMap<string, DeviceStatusDto>>(() => new Map())
  /** statuses received since the last flush, a device's newest only */
  const gathered = useRef(new Map<string, DeviceStatusDto>())
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const onStatus = useCallback((status: DeviceStatusDto) => {
    gathered.current.set(status.id, status)
    timer.current ??= setTimeout(() => {
      timer.current = null
      const batch = gathered.current
      gathered.current = new Map()
      setLive((m) => {
        const next = new Map(m)
        for (const [id, s] of batch) next.set(id, s)
        return next
      })
    }, STATUS_FLUSH_MS)
  }, [])
  useEffect(() => () => { if (timer.current) clearTimeout(timer.current) }, [])
  useDeviceStatusEvents(getToken, onStatus)
  return useMemo(() => fetched === null ? null : applyDeviceStatuses(fetched, live), [fetched, live])
}
