/**
 * The alarm path's clock (issue 11, "make it fast and steady"): how long after its PUBLISH
 * reached the gateway an alarm passed each stage on its way to the operators' consoles —
 *   inbox_committed   its inbox row is durable (the PUBACK follows) — gateway/src/inbox/writer.ts
 *   engine_claimed    the incident engine took the row — engine.ts
 *   engine_committed  the incident change committed — engine.ts
 *   emitted           `incident:opened`/`updated` handed to socket.io — effects.ts
 * Only figures (histograms on /metrics), never a log line per alarm. Times are epoch ms at
 * sub-ms precision (`performance.timeOrigin + performance.now()`), so a row announced by
 * another process on the same machine is still measured.
 */
export const ALARM_STAGES = ['inbox_committed', 'engine_claimed', 'engine_committed', 'emitted'] as const
export type AlarmStage = typeof ALARM_STAGES[number]

/** Arrivals remembered at most (alarms on their way); the oldest is forgotten beyond it. */
const MAX_IN_FLIGHT = 4096

export const hrNow = (): number => performance.timeOrigin + performance.now()

export class AlarmTrace {
  private readonly arrived = new Map<string, number>()
  /** Set by the metrics (features/metrics/alarm-path-metrics.ts); while null nothing is kept. */
  observe: ((stage: AlarmStage, seconds: number) => void) | null = null

  /** The gateway's notice of a new inbox row. */
  noticed (n: { deviceId: string, msgId: string, arrivedAtMs?: number, committedAtMs?: number }): void {
    if (!this.observe || n.arrivedAtMs === undefined) return
    if (this.arrived.size >= MAX_IN_FLIGHT) this.arrived.delete(this.arrived.keys().next().value!)
    this.arrived.set(key(n.deviceId, n.msgId), n.arrivedAtMs)
    if (n.committedAtMs !== undefined) this.observe('inbox_committed', (n.committedAtMs - n.arrivedAtMs) / 1000)
  }

  /** The alarm `deviceId`/`msgId` reached `stage` now; `last` forgets it (nothing follows). */
  mark (deviceId: string, msgId: string, stage: AlarmStage, last = stage === 'emitted'): void {
    if (!this.observe) return
    const k = key(deviceId, msgId)
    const at = this.arrived.get(k)
    if (at === undefined) return
    this.observe(stage, (hrNow() - at) / 1000)
    if (last) this.arrived.delete(k)
  }
}

const key = (deviceId: string, msgId: string): string => `${deviceId}\u0000${msgId}`
