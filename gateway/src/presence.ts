import type { Logger } from 'pino'
import { spacedTurn } from '@eldercare/common'
import type { DeviceStatusDto } from '@eldercare/protocols'
import type { GatewayStore, PresencePatch } from './store.ts'

export interface PresenceOptions {
  /** How often the coarse last-seen batch is written, in milliseconds. Default 1000. */
  flushIntervalMs?: number
  /** A device's `lastSeenAt` is written once it moved this far past the stored one, in ms. Default 60000. */
  lastSeenWriteMs?: number
  /**
   * While changes keep coming, change batches are handed to the store at least this far apart, in
   * ms; after a quiet spell a change is written on the next turn. Default PRESENCE_CHANGE_WRITE_EVERY_MS.
   */
  changeWriteEveryMs?: number
}

/**
 * How far apart change batches start while changes keep coming (a reconnect storm, a fleet that
 * connects together). Without it each batch took what came while the one before was written, and
 * on the embedded database a write is quick: the reconnects of a storm of 9,400 devices went in
 * ~2,500 batches of ~4 devices, each a statement and a message to the database's worker from the
 * main thread that answers the devices; now the storm's 18,800 changes (off, then on again) go in
 * 120–290 (issue 11, eighteenth session).
 * 50 ms is what the consoles' statuses are told by (STATUS_TELL_EVERY_MS, platform/src/plugins/realtime.ts).
 */
export const PRESENCE_CHANGE_WRITE_EVERY_MS = 50

/** What Presence handed to the store since start: batches and devices, of changes and of coarse last-seen. */
export interface PresenceStats {
  changeBatches: number
  changeDevices: number
  coarseBatches: number
  coarseDevices: number
}

/** What Presence holds per device: the last state told and stored, and when the device was last seen. */
interface DeviceState {
  online: boolean
  battery: number | null
  fw: string | null
  /** epoch ms of the latest sign of life; never goes backwards */
  seen: number
  /** epoch ms of the `seen` last handed to the store */
  written: number
}

/**
 * [P-4.4] Device presence (online, last seen, battery, signal, firmware), written on change
 * rather than per message (issue 11, "bookkeeping written on change"):
 * - online/offline, battery and firmware changes are told at once (`onChange` → consoles) and
 *   written at once — on the next turn after a quiet spell; while changes keep coming, one batch
 *   every `changeWriteEveryMs` with every change since the last (the store writes a batch a bounded
 *   number of devices a statement), so a reconnect storm of ten thousand devices is a few hundred
 *   statements, not ten thousand;
 * - `lastSeenAt` (and the signal strength) live in memory and are written coarsely: a device's
 *   row is updated once its last sign of life moved `lastSeenWriteMs` past the stored one, in
 *   one batch per `flushIntervalMs`. Readers that want the fresh value ask `lastSeen(id)`.
 * `lastSeenAt` never goes backwards: in memory it only grows, and the store keeps the greater.
 *
 * Memory: one small entry per connected device; an offline device's entry is dropped once its
 * state is written (the database holds it), so the map is bounded by connected devices.
 */
export class Presence {
  private readonly state = new Map<string, DeviceState>()
  /** written at once (next tick) */
  private urgent = new Map<string, PresencePatch>()
  /** written at the next coarse flush */
  private coarse = new Map<string, PresencePatch>()
  private urgentScheduled = false
  /** performance.now() when the last change batch was taken */
  private lastChangeBatchAt = -Infinity
  private readonly changeWriteEveryMs: number
  readonly stats: PresenceStats = { changeBatches: 0, changeDevices: 0, coarseBatches: 0, coarseDevices: 0 }
  private readonly timer: NodeJS.Timeout
  private flushing: Promise<void> = Promise.resolve()
  private readonly lastSeenWriteMs: number
  private closed = false

  constructor (
    private readonly store: GatewayStore,
    private readonly log: Logger,
    private readonly onChange: (s: DeviceStatusDto) => void,
    opts: PresenceOptions = {}
  ) {
    this.lastSeenWriteMs = opts.lastSeenWriteMs ?? 60_000
    this.changeWriteEveryMs = opts.changeWriteEveryMs ?? PRESENCE_CHANGE_WRITE_EVERY_MS
    this.timer = setInterval(() => { void this.flushCoarse() }, opts.flushIntervalMs ?? 1000)
    this.timer.unref()
  }

  /** The freshest sign of life of a connected (or just disconnected) device; null when not held. */
  lastSeen (deviceId: string): Date | null {
    const s = this.state.get(deviceId)
    return s && s.seen > 0 ? new Date(s.seen) : null
  }

  mark (deviceId: string, patch: PresencePatch): void {
    let s = this.state.get(deviceId)
    const first = !s
    if (!s) {
      // A device that speaks is connected: online unless the patch says otherwise.
      s = { online: true, battery: null, fw: null, seen: 0, written: 0 }
      this.state.set(deviceId, s)
    }
    const seen = patch.lastSeenAt?.getTime()
    if (seen !== undefined && seen > s.seen) s.seen = seen
    // a reading's patch (lastSeenAt alone, 10,000 a second at 10,000 devices) builds nothing: the
    // change object only when something changed (issue 11)
    let change: PresencePatch | null = null
    let tell = first
    if (patch.online !== undefined && (first || patch.online !== s.online)) { s.online = patch.online; (change ??= {}).online = patch.online; tell = true }
    if (patch.battery !== undefined && patch.battery !== s.battery) { s.battery = patch.battery; (change ??= {}).battery = patch.battery; tell = true }
    if (patch.fw !== undefined && patch.fw !== s.fw) { s.fw = patch.fw; (change ??= {}).fw = patch.fw }
    if (patch.rssi !== undefined) this.coarse.set(deviceId, { ...this.coarse.get(deviceId), rssi: patch.rssi })
    if (change) {
      // a change carries the device's last sign of life with it
      if (s.seen > s.written) { change.lastSeenAt = new Date(s.seen); s.written = s.seen }
      this.urgent.set(deviceId, { ...this.urgent.get(deviceId), ...change })
      this.scheduleUrgent()
    } else if (s.seen - s.written >= this.lastSeenWriteMs) {
      this.coarse.set(deviceId, { ...this.coarse.get(deviceId), lastSeenAt: new Date(s.seen) })
      s.written = s.seen
    }
    if (tell) this.onChange({ id: deviceId, online: s.online, battery: s.battery, lastSeenAt: new Date(s.seen || Date.now()).toISOString() })
  }

  /**
   * Lets go of a device another gateway now holds (scaled mode): its last sign of life here is
   * written with the next coarse flush (the store keeps the greater), and nothing is told.
   */
  forget (deviceId: string): void {
    const s = this.state.get(deviceId)
    if (!s) return
    this.queueLastSeen(deviceId, s)
    this.state.delete(deviceId)
  }

  /** Writes what is pending (changes and coarse last-seen alike). */
  flush (): Promise<void> {
    this.take(this.urgent, (m) => { this.urgent = m }, 'change')
    return this.take(this.coarse, (m) => { this.coarse = m }, 'coarse')
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    // on shutdown the exact last sign of life of every device held is written
    for (const [id, s] of this.state) this.queueLastSeen(id, s)
    await this.flush()
  }

  /** Queues a device's last sign of life for the next coarse flush when it is newer than the one written. */
  private queueLastSeen (deviceId: string, s: DeviceState): void {
    if (s.seen <= s.written) return
    this.coarse.set(deviceId, { ...this.coarse.get(deviceId), lastSeenAt: new Date(s.seen) })
    s.written = s.seen
  }

  /**
   * At most one change batch waits while another is being written, and it is taken no sooner than
   * `changeWriteEveryMs` after the one before, with every change that came meanwhile: under a
   * reconnect storm the batches grow in size, not in number. After a quiet spell it is taken on
   * the next turn.
   */
  private scheduleUrgent (): void {
    if (this.urgentScheduled || this.closed) return
    this.urgentScheduled = true
    const run = () => {
      this.urgentScheduled = false
      this.lastChangeBatchAt = performance.now()
      void this.take(this.urgent, (m) => { this.urgent = m }, 'change')
    }
    void this.flushing.then(() => { spacedTurn(this.lastChangeBatchAt, this.changeWriteEveryMs, run) })
  }

  private flushCoarse (): Promise<void> {
    return this.take(this.coarse, (m) => { this.coarse = m }, 'coarse')
  }

  /**
   * Hands `batch` to the store (writes run one after the other); a failed write is merged back
   * under newer patches and retried at the next flush. Offline devices whose state is written
   * leave memory.
   */
  private take (batch: Map<string, PresencePatch>, replace: (fresh: Map<string, PresencePatch>) => void, kind: 'change' | 'coarse'): Promise<void> {
    if (batch.size === 0) return this.flushing
    replace(new Map())
    if (kind === 'change') { this.stats.changeBatches++; this.stats.changeDevices += batch.size } else { this.stats.coarseBatches++; this.stats.coarseDevices += batch.size }
    this.flushing = this.flushing.then(async () => {
      try {
        await this.store.writePresence(batch)
      } catch (err) {
        this.log.warn({ err, devices: batch.size }, 'presence write failed; will retry')
        for (const [id, p] of batch) this.coarse.set(id, { ...p, ...this.coarse.get(id) })
        return
      }
      for (const id of batch.keys()) {
        const s = this.state.get(id)
        if (s && !s.online && s.seen <= s.written && !this.urgent.has(id) && !this.coarse.has(id)) this.state.delete(id)
      }
    })
    return this.flushing
  }
}
