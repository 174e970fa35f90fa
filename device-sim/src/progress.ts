/**
 * Counters every command keeps, and the live progress line: on a terminal one line is
 * redrawn every second on stderr (connected devices, msg/s, errors); when stderr is not a
 * terminal (CI, pipes) nothing is printed.
 */
export class Stats {
  connected = 0
  connects = 0
  sent = 0
  acked = 0
  errors = 0
  /** gateway answers on `errors`, by code [P-3.7] */
  refused: Record<string, number> = {}
  /** messages received (record) */
  received = 0

  refuse (code: string): void {
    this.refused[code] = (this.refused[code] ?? 0) + 1
  }

  get refusedTotal (): number {
    return Object.values(this.refused).reduce((a, b) => a + b, 0)
  }
}

export interface ProgressOptions {
  /** default process.stderr */
  stream?: NodeJS.WriteStream
  /** force on/off; default: on when the stream is a TTY */
  enabled?: boolean
  intervalMs?: number
}

export class Progress {
  private timer?: NodeJS.Timeout
  private last = { at: Date.now(), sent: 0, received: 0 }
  private readonly stream: NodeJS.WriteStream
  readonly enabled: boolean

  constructor (private readonly stats: Stats, private readonly label: string, opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr
    this.enabled = opts.enabled ?? Boolean(this.stream.isTTY)
    if (!this.enabled) return
    this.timer = setInterval(() => this.draw(), opts.intervalMs ?? 1000)
    this.timer.unref()
  }

  line (extra = ''): string {
    const now = Date.now()
    const dt = Math.max(1, now - this.last.at) / 1000
    const s = this.stats
    const rate = (s.sent - this.last.sent) / dt
    const rx = (s.received - this.last.received) / dt
    this.last = { at: now, sent: s.sent, received: s.received }
    return `${this.label}: ${s.connected} connected · ${s.sent} sent (${rate.toFixed(0)} msg/s)` +
      (s.received ? ` · ${s.received} received (${rx.toFixed(0)} msg/s)` : '') +
      ` · ${s.errors} errors · ${s.refusedTotal} refused${extra ? ` · ${extra}` : ''}`
  }

  private draw (): void {
    this.stream.write(`\r\x1b[2K${this.line()}`)
  }

  stop (): void {
    clearInterval(this.timer)
    if (this.enabled) this.stream.write('\r\x1b[2K')
  }
}
