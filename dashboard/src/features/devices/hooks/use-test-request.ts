/**
 * "Send a test request" to a device ([P-3.5] `test.request`): 202 `sent`, then the command is
 * read again every `commandPollIntervalMs` until the device acknowledges it, it fails, or the
 * platform times it out ([P-3.6]). The console stops asking after `commandPollGiveUpMs`.
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { appConfig } from '../../../config/app-config.ts'
import { getCommand } from '../api/get-command.ts'
import { sendDeviceCommand, type CommandStatus } from '../api/send-device-command.ts'

export type TestRequestState =
  | { phase: 'idle' }
  | { phase: 'sending' }
  | { phase: 'waiting', commandId: string }
  | { phase: 'done', commandId: string, status: Exclude<CommandStatus, 'sent'> | 'unknown' }
  | { phase: 'error', error: Error }

export function useTestRequest (deviceId: string): { state: TestRequestState, send: () => void } {
  const [state, setState] = useState<TestRequestState>({ phase: 'idle' })
  const alive = useRef(true)
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  useEffect(() => {
    alive.current = true
    return () => {
      alive.current = false
      if (timer.current !== null) clearTimeout(timer.current)
    }
  }, [])

  const send = useCallback(() => {
    setState({ phase: 'sending' })
    sendDeviceCommand(deviceId, 'test.request').then((cmd) => {
      if (!alive.current) return
      const giveUpAt = Date.now() + appConfig.commandPollGiveUpMs
      setState({ phase: 'waiting', commandId: cmd.id })
      const poll = () => {
        timer.current = setTimeout(() => {
          getCommand(cmd.id).then((now) => {
            if (!alive.current) return
            if (now.status !== 'sent') setState({ phase: 'done', commandId: cmd.id, status: now.status })
            else if (Date.now() > giveUpAt) setState({ phase: 'done', commandId: cmd.id, status: 'unknown' })
            else poll()
          }, (err: unknown) => {
            if (alive.current) setState({ phase: 'error', error: err instanceof Error ? err : new Error(String(err)) })
          })
        }, appConfig.commandPollIntervalMs)
      }
      poll()
    }, (err: unknown) => {
      if (alive.current) setState({ phase: 'error', error: err instanceof Error ? err : new Error(String(err)) })
    })
  }, [deviceId])

  return { state, send }
}
