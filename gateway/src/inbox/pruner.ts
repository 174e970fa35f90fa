/**
 * [P-2.4] The idempotency window: a (device, id) is remembered for `windowMs` (default 7 days);
 * processed inbox rows received before that are deleted, so an id reused after the window (a
 * device counter restarting) is a new message. The delete runs periodically in small batches,
 * one statement at a time with a pause between, so it never holds for long the lock an alarm
 * insert waits for (PGlite has a single one). Unprocessed rows are never deleted.
 */
import type { Logger } from 'pino'
import type { GatewayStore } from '../store.ts'

export interface InboxPrunerOptions {
  /** How long a message id is remembered, in ms. Default 604800000 (7 days). */
  windowMs?: number
  /** How often the prune runs, in ms. Default 600000 (10 min); 0 = never (tests call prune()). */
  intervalMs?: number
  /** Rows per delete statement. Default 500. */
  batchRows?: number
}

export const INBOX_PRUNER_DEFAULTS: Required<InboxPrunerOptions> = { windowMs: 7 * 86_400_000, intervalMs: 600_000, batchRows: 500 }

export class InboxPruner {
  private readonly opts: Required<InboxPrunerOptions>
  private timer?: NodeJS.Timeout
  private running: Promise<number> | null = null

  private readonly store: GatewayStore
  private readonly log: Logger
  private readonly now: () => number

  constructor ({ store, log, now, ...opts }: InboxPrunerOptions & { store: GatewayStore, log: Logger, now: () => number }) {
    this.store = store
    this.log = log
    this.now = now
    this.opts = { ...INBOX_PRUNER_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) }
  }

  start (): void {
    if (this.opts.intervalMs <= 0) return
    this.timer = setInterval(() => { this.prune().catch((err) => this.log.warn({ err }, 'inbox prune failed; will retry')) }, this.opts.intervalMs)
    this.timer.unref()
  }

  /** Deletes what is past the window, batch by batch; resolves with the number of rows deleted. */
  prune (): Promise<number> {
    this.running ??= this.pruneAll().finally(() => { this.running = null })
    return this.running
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.running?.catch(() => {})
  }

  private async pruneAll (): Promise<number> {
    const before = new Date(this.now() - this.opts.windowMs)
    let total = 0
    for (;;) {
      const n = await this.store.pruneInbox(before, this.opts.batchRows)
      total += n
      if (n < this.opts.batchRows) break
      // let alarms waiting for the database go first
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    if (total) this.log.info({ pruned: total, before }, 'inbox rows past the idempotency window pruned')
    return total
  }
}
