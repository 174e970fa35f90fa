import type { Logger } from 'pino'
import type { DeviceStatusDto } from '@eldercare/protocols'
import type { GatewayStore, PresencePatch } from './store.ts'

export interface PresenceOptions {
  /** How often pending presence changes are written, in milliseconds. Default 1000. */
  flushIntervalMs?: number
}

/**
 * [P-4.4] Keeps device presence (online, last seen, battery, signal, firmware) in memory
 * and writes it in batches, so a chatty device costs no database write per message.
 * Reports a `DeviceStatusDto` whenever online or battery changes.
 */
export class Presence {
  private pending = new Map<string, PresencePatch>()
  private known = new Map<string, { online: boolean, battery: number | null }>()
  private timer: NodeJS.Timeout
  private flushing: Promise<void> = Promise.resolve()

  constructor (
    private readonly store: GatewayStore,
    private readonly log: Logger,
    private readonly onChange: (s: DeviceStatusDto) => void,
    opts: PresenceOptions = {}
  ) {
    this.timer = setInterval(() => { void this.flush() }, opts.flushIntervalMs ?? 1000)
    this.timer.unref()
  }

  mark (deviceId: string, patch: PresencePatch): void {
    const merged = { ...this.pending.get(deviceId) }
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v
    this.pending.set(deviceId, merged)
    const before = this.known.get(deviceId)
    const online = patch.online ?? before?.online ?? true
    const battery = patch.battery ?? before?.battery ?? null
    if (!before || before.online !== online || before.battery !== battery) {
      this.known.set(deviceId, { online, battery })
      this.onChange({ id: deviceId, online, battery, lastSeenAt: (patch.lastSeenAt ?? new Date()).toISOString() })
    }
  }

  /** Writes what is pending; a failed write is merged back and retried at the next flush. */
  flush (): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return
      const batch = this.pending
      this.pending = new Map()
      try {
        await this.store.writePresence(batch)
      } catch (err) {
        this.log.warn({ err, devices: batch.size }, 'presence write failed; will retry')
        for (const [id, p] of batch) this.pending.set(id, { ...p, ...this.pending.get(id) })
      }
    })
    return this.flushing
  }

  async close (): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}
