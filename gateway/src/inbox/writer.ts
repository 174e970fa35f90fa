/**
 * [P-4.1] Group commit for the durable inbox. Alarms arriving together (in one turn of the event
 * loop when the database is idle; within `windowMs` or until the group in flight commits when it
 * is busy; at most `maxRows`) are written in one statement — one transaction — and each caller's
 * promise settles only after that commit, so every PUBACK still follows its durable record.
 * While a group is being written the next one gathers, so under load groups grow by themselves.
 *
 * - Idempotency is unchanged [P-2.4]: the same message twice in one group is written once and the
 *   second is a duplicate; across groups the unique key decides.
 * - A data error of one row (SQLSTATE class 22/23) must not refuse its neighbours: the group is
 *   retried row by row and only the bad row fails with its own error.
 * - Any other error (the database is away) holds the group's PUBACKs: the write is retried with
 *   backoff, and an alarm still unwritten `holdMs` after it arrived fails (no PUBACK; the record
 *   step closes its connection, so the device resends). Holding rather than failing at once keeps
 *   a short outage from closing a device's connection for every alarm it sends — a reconnect
 *   storm in which MQTT.js was seen to report publishes as failed and not resend them.
 */
import type { Logger } from 'pino'
import { dataErrorState, inboxKey, type GatewayStore, type InboxRecord } from '../store.ts'

export interface InboxWriterOptions {
  /**
   * While a group is being written, how long the first alarm of the next group waits for others,
   * in ms (it is written sooner when a group in flight commits). Default 1. With no group in
   * flight an alarm is written in the same turn of the event loop.
   */
  windowMs?: number
  /** Most rows in one statement. Default 500. */
  maxRows?: number
  /** Groups written at once (PGlite has one connection: 1; a pool may take more). Default 2. */
  maxInFlight?: number
  /**
   * [P-4.1] While the database is away, how long an alarm's PUBACK is held (its write retried)
   * before it fails and its connection is closed, in ms, counted from its arrival. Keep it below
   * the devices' keepalive (a held PUBLISH stops aedes reading that connection). Default 10000.
   */
  holdMs?: number
  /** First and longest pause between retries of a failed group write, in ms. Default [50, 500]. */
  retryBackoffMs?: readonly [first: number, max: number]
  /**
   * Called each time a group's insert (or a row's, when a group is retried row by row) has been
   * handed to the database, before its commit: the gateway's `inboxPosted` event.
   */
  onPosted?: () => void
}

export const INBOX_WRITER_DEFAULTS: Required<Omit<InboxWriterOptions, 'onPosted'>> = { windowMs: 1, maxRows: 500, maxInFlight: 2, holdMs: 10_000, retryBackoffMs: [50, 500] }

interface Waiter { rec: InboxRecord, since: number, resolve: (isNew: boolean) => void, reject: (err: unknown) => void }

export class InboxWriter {
  private readonly opts: Required<Omit<InboxWriterOptions, 'onPosted'>>
  private readonly onPosted: () => void
  private queue: Waiter[] = []
  private timer: NodeJS.Timeout | null = null
  private immediate: NodeJS.Immediate | null = null
  private inFlight = 0
  private readonly idle = new Set<() => void>()
  /** the last group write failed for a reason other than its data (logged once per outage) */
  private away = false
  /** close() was called: held alarms fail at their next retry instead of waiting out holdMs */
  private closing = false

  private readonly store: GatewayStore
  private readonly log: Logger

  constructor ({ store, log, onPosted, ...opts }: InboxWriterOptions & { store: GatewayStore, log: Logger }) {
    this.store = store
    this.log = log
    this.onPosted = onPosted ?? (() => {})
    this.opts = { ...INBOX_WRITER_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) }
  }

  /** Resolves after the commit of the group holding `rec`: true when new, false for a duplicate. */
  write (rec: InboxRecord): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rec, since: performance.now(), resolve, reject })
      if (this.queue.length >= this.opts.maxRows) this.flush()
      else if (this.inFlight === 0 && !this.timer && !this.immediate) {
        // Nothing being written: the group is what arrived in this turn of the event loop
        // (setImmediate runs after the turn's socket reads), not what a timer window gathers —
        // a lone alarm is not held `windowMs` (issue 11). Under load a group is in flight, and
        // the next one gathers behind it (below) until it commits.
        this.immediate = setImmediate(() => { this.immediate = null; this.flush() })
      } else if (!this.immediate) this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs)
    })
  }

  /** Waits until every queued alarm is written (or failed). */
  async close (): Promise<void> {
    this.closing = true
    this.flush()
    while (this.inFlight > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.idle.add(resolve))
  }

  private flush (): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null }
    if (this.immediate) { clearImmediate(this.immediate); this.immediate = null }
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
    let pending = [...byKey.values()]
    let [pause, longest] = this.opts.retryBackoffMs
    for (;;) {
      try {
        const written = this.store.insertInboxMany(pending.map((ws) => ws[0].rec))
        this.posted()
        const results = await written
        pending.forEach((ws, i) => this.settle(ws, results[i]))
        if (this.away) { this.away = false; this.log.info('inbox writes succeed again') }
        return
      } catch (err) {
        if (dataErrorState(err)) {
          // one bad row must not refuse the others: each row on its own
          if (pending.length === 1) return void reject(pending[0], err)
          await Promise.all(pending.map(async (ws) => {
            try {
              const written = this.store.insertInboxMany([ws[0].rec])
              this.posted()
              this.settle(ws, (await written)[0])
            } catch (e) { reject(ws, e) }
          }))
          return
        }
        // [P-4.1] the database is away: hold the PUBACKs and retry; fail only what waited holdMs
        if (!this.away) { this.away = true; this.log.error({ err, rows: pending.length }, 'inbox write failed; holding the PUBACKs and retrying') }
        const now = performance.now()
        const held = (ws: Waiter[]): boolean => !this.closing && now - ws[0].since < this.opts.holdMs
        for (const ws of pending) if (!held(ws)) reject(ws, err)
        pending = pending.filter(held)
        if (pending.length === 0) return
        const nextDeadline = Math.min(...pending.map((ws) => ws[0].since + this.opts.holdMs)) - now
        await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(pause, nextDeadline))))
        pause = Math.min(pause * 2, longest)
      }
    }
  }

  /** Tells `onPosted`; a listener's failure is logged, never taken for the write's. */
  private posted (): void {
    try { this.onPosted() } catch (err) { this.log.error({ err }, 'inbox: onPosted failed') }
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

function reject (ws: Waiter[], err: unknown): void {
  for (const w of ws) w.reject(err)
}
