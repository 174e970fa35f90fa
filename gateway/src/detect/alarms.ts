/**
 * Writes derived alarms into the durable inbox (kind 'derived', type = rule) through the
 * gateway's store, and tells the gateway's `inbox` listeners so the engine wakes at once.
 * Writes run in the background; `settled()` waits for them (tests, shutdown).
 */
import type { Logger } from 'pino'
import type { DerivedAlarmPayload, DerivedRule } from '@eldercare/protocols'
import type { GatewayStore } from '../store.ts'
import { episodeMsgId } from './episodes.ts'
import type { ActiveEpisode, DerivedNotice } from './types.ts'

export interface DerivedAlarm {
  rule: DerivedRule
  /** the resident, or the device for device-health rules */
  subject: string
  residentId: string | null
  episode: ActiveEpisode
  /** a rise in severity of an active episode */
  escalated: boolean
}

export class DerivedAlarmWriter {
  private readonly pending = new Set<Promise<void>>()

  constructor (
    private readonly store: GatewayStore,
    private readonly log: Logger,
    private readonly notify: (n: DerivedNotice) => void,
    private readonly now: () => number
  ) {}

  /**
   * Records the alarm; `then` runs after the row is written (or found already there), `failed`
   * when it could not be — the caller forgets the episode so the next trigger raises it again.
   */
  write (a: DerivedAlarm, then: () => Promise<void>, failed: () => void): void {
    const { rule, subject, residentId, episode } = a
    const msgId = episodeMsgId(rule, subject, episode.start)
    const payload: DerivedAlarmPayload = { rule, severity: episode.severity, residentId, at: episode.start, ...episode.details }
    const log = this.log.child({ rule, subject, deviceId: episode.deviceId })
    const write = this.store.insertInbox({
      deviceId: episode.deviceId, msgId, kind: 'derived', type: rule, payload, deviceTs: new Date(episode.start), receivedAt: new Date(this.now()), clockSkew: false
    })
      .then(async (isNew) => {
        log.info({ severity: episode.severity, msgId, escalated: a.escalated, isNew }, 'derived alarm raised')
        if (isNew) this.notify({ deviceId: episode.deviceId, msgId, kind: 'derived', type: rule })
        await then()
      })
      .catch((err) => {
        failed()
        log.error({ err, msgId }, 'derived alarm could not be recorded; will retry on the next trigger')
      })
      .finally(() => { this.pending.delete(write) })
    this.pending.add(write)
  }

  /** Resolves when every write started so far has finished. */
  async settled (): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }
}
