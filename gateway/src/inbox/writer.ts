/**
 * [P-4.1] Group commit for the durable inbox. Alarms arriving within a short window (`windowMs`,
 * or `maxRows` of them) are written in one statement — one transaction — and each caller's
 * promise settles only after that commit, so every PUBACK still follows its durable record.
 * While a group is being written the next one gathers, so under load groups grow by themselves.
 *
 * - Idempotency is unchanged [P-2.4]: the same message twice in one group is written once and the
 *   second is a duplicate; across groups the unique key decides.
 * - A data error of one row (SQLSTATE class 22/23) must not refuse its neighbours: the group is
 *   retried row by row and only the bad row fails with its own error.
 * - Any other error (the database is away) fails the whole group: no PUBACK, the devices resend.
 */
import type { Logger } from 'pino'
import { dataErrorState, inboxKey, type GatewayStore, type InboxRecord } from '../store.ts'

export interface InboxWriterOptions {
  /** How long the first alarm of a group waits for others, in ms. Default 1. */
  windowMs?: number
  /** Most rows in one statement. Default 500. */
  maxRows?: number
  /** Groups written at once (PGlite has one connection: 1; a pool may take more). Default 2. */
  maxInFlight?: number
}

export const INBOX_WRITER_DEFAULTS: Required<InboxWriterOptions> = { windowMs: 1, maxRows: 500, maxInFlight: 2 }

interface Waiter { rec: InboxRecord, resolve: (isNew: boolean) => void, reject: (err: unknown) => void }

export class InboxWriter {
  private readonly opts: Required<InboxWriterOptions>
  private queue: Waiter[] = []
  private timer: NodeJS.Timeout | null = null
  private inFlight = 0
  private readonly idle = new Set<() => void>()

  private readonly store: GatewayStore
  private readonly log: Logger

  constructor ({ store, log, ...opts }: InboxWriterOptions & { store: GatewayStore, log: Logger }) {
    this.store = store
    this.log = log
    this.opts = { ...INBOX_WRITER_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) }
  }

  /** Resolves after the commit of the group holding `rec`: true when new, false for a duplicate. */
  write (rec: InboxRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rec, resolve, reject })
      if (this.queue.length >= this.opts.maxRows) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs)
    })
  }

  /** Waits until every queued alarm is written (or failed). */
  async close (): Promise<void> {
    this.flush()
    while (this.inFlight > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.add(resolve))
  }

  private flush (): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const group = this.queue.splice(0, this.opts.maxRows)
      this.inFlight++
      this.writeGroup(group).finally(() => {
        this.inFlight--
        if (this.queue.length > 0) this.flush()
        else if (this.inFlight === 0) for (const f of this.idle) { this.idle.delete(f); f() }
      })
    }
  }

  private async writeGroup (group: Waiter[]): Promise<void> {
    // the same message twice in one group: written once, the others wait for its result
    const byKey = new Map<string, Waiter[]>()
    for (const w of group) {
      const key = inboxKey(w.rec.deviceId, w.rec.msgId, w.rec.type, w.rec.deviceTs)
      const same = byKey.get(key)
      if (same) same.push(w)
      else byKey.set(key, [w])
    }
    const firsts = [...byKey.values()]
    try {
      const results = await this.store.insertInboxMany(firsts.map((ws) => ws[0].rec))
      firsts.forEach((ws, i) => this.settle(ws, results[i]))
    } catch (err) {
      if (firsts.length > 1 && dataErrorState(err)) {
        // one bad row must not refuse the others: each row on its own
        await Promise.all(firsts.map(async (ws) => {
          try { this.settle(ws, (await this.store.insertInboxMany([ws[0].rec]))[0]) } catch (e) { for (const w of ws) w.reject(e) }
        }))
        return
      }
      for (const ws of firsts) for (const w of ws) w.reject(err)
    }
  }

  private settle (ws: Waiter[], result: 'new' | 'reused' | 'duplicate'): void {
    if (result === 'reused') {
      const r = ws[0].rec
      this.log.warn({ deviceId: r.deviceId, msgId: r.msgId, type: r.type }, 'message id reused inside the idempotency window with another type or time: suspected counter reset, recorded as new')
    }
    ws[0].resolve(result !== 'duplicate')
    for (const w of ws.slice(1)) w.resolve(false)
  }
}
