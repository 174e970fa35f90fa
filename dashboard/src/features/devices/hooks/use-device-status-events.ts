/**
 * Live `device:status` events for a screen that lists devices. The queue keeps its own
 * connection (it must stay up on every screen for alarms); this one lives only while a
 * device list is on screen.
 */
import { isDeviceStatusDto, type DeviceStatusDto } from '@eldercare/protocols'
import { useEffect, useRef } from 'react'
import { connectRealtime } from '../../../lib/socket.ts'

export function useDeviceStatusEvents (getToken: () => string | null, onStatus: (status: DeviceStatusDto) => void): void {
  const onStatusRef = useRef(onStatus)
  const getTokenRef = useRef(getToken)
  useEffect(() => {
    onStatusRef.current = onStatus
    getTokenRef.current = getToken
  })
  useEffect(() => {
    const socket = connectRealtime(() => getTokenRef.current())
    socket.on('device:status', (payload: unknown) => {
      if (isDeviceStatusDto(payload)) onStatusRef.current(payload)
      else console.warn(`dashboard: dropped a malformed device:status event (${isDeviceStatusDto.problem(payload) ?? ''})`, payload)
    })
    return () => {
      socket.removeAllListeners()
      socket.disconnect()
    }
  }, [])
}
