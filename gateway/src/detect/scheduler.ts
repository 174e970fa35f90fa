/** Runs the clock-driven rules every `intervalMs`; passes never overlap, and a failed pass is logged and run again next time. */
import type { Logger } from 'pino'

export class TickScheduler {
  private timer?: NodeJS.Timeout
  private running: Promise<void> | null = null

  constructor (private readonly intervalMs: number, private readonly pass: () => Promise<void>, private readonly log: Logger) {}

  /** 0 = never on a timer (tests call tick()). */
  start (): void {
    if (this.intervalMs <= 0) return
    this.timer = setInterval(() => { void this.tick() }, this.intervalMs)
    this.timer.unref()
  }

  tick (): Promise<void> {
    if (this.running) return this.running
    this.running = this.pass().catch((err) => { this.log.error({ err }, 'detection tick failed; will run again') })
      .finally(() => { this.running = null })
    return this.running
  }

  /** Resolves when the pass under way (if any) has finished. */
  async idle (): Promise<void> { await this.running }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }
}

/**
 * Telemetry work is chunked (#11): a loop over every resident calls `pace()` per item, which
 * yields to the event loop once `sliceMs` has passed, so MQTT, HTTP and alarms get in between.
 */
export function pacer (sliceMs = 2): () => Promise<void> | undefined {
  let since = performance.now()
  return () => {
    if (performance.now() - since < sliceMs) return undefined
    return new Promise<void>((resolve) => setImmediate(() => { since = performance.now(); resolve() }))
  }
}
