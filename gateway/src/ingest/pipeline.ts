/**
 * The ingest of one upstream PUBLISH, as a list of named steps (as aedes' own `connectActions`).
 * It runs inside aedes' `authorizePublish` hook, which comes before aedes writes the QoS 1
 * PUBACK, so a step's Decision decides whether the device gets one (docs/gateway.md,
 * "PUBLISH → PUBACK"). Each step logs under its own name.
 */
import type { Client, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { acl } from './acl.ts'
import { answer } from './answer.ts'
import { area } from './area.ts'
import { decode } from './decode.ts'
import { load } from './load.ts'
import { normalise } from './normalise.ts'
import { rate } from './rate.ts'
import { record } from './record.ts'
import { session } from './session.ts'
import type { Decision, InFlight, IngestContext, Step } from './types.ts'

/** The steps, in order; the first to return a Decision ends the ingest, then `answer` carries it out. */
export const INGEST_STEPS: ReadonlyArray<readonly [name: string, step: Step]> = [
  ['session', session], //     [P-1.2][P-1.5] who is publishing
  ['rate', rate], //           [P-4.3] telemetry and alarm allowances, before any parsing
  ['load', load], //           in-flight bound: telemetry shed while the gateway is behind, never an alarm [P-4.1]
  ['acl', acl], //             [P-2.5] own topics only
  ['decode', decode], //       [P-2.1][P-3.x] size, JSON, schema
  ['normalise', normalise], // [P-2.3][P-2.3a] clock and strings
  ['area', area], //           observers' area filter primed before forwarding
  ['record', record] //        [P-4.1][P-2.4] handler per kind; alarms durable before the PUBACK
]

export class Ingest {
  private readonly steps: ReadonlyArray<readonly [Step, Logger]>
  private readonly answerLog: Logger

  constructor (private readonly ctx: IngestContext, log: Logger, private readonly now: () => number, steps = INGEST_STEPS) {
    this.steps = steps.map(([name, step]) => [step, log.child({ step: name })] as const)
    this.answerLog = log.child({ step: 'answer' })
  }

  /** aedes `authorizePublish`: `done(null)` lets aedes PUBACK (QoS 1) and forward; `done(err)` closes the connection. */
  run (client: Client | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    const m: InFlight = { client, packet, receivedAt: new Date(this.now()), arrivedAtMs: performance.timeOrigin + performance.now(), ref: null, warnings: [] }
    let d: Decision | Promise<Decision>
    try { d = this.decide(m, 0) } catch (err) { this.failed(m, err as Error, done); return }
    if (d instanceof Promise) d.then((x) => this.answer(m, x, done), (err: Error) => this.failed(m, err, done))
    else this.answer(m, d, done)
  }

  /**
   * The steps from `from` on. A step that answers at once is not awaited: most are synchronous,
   * and a promise and a microtask each per step and message were a fifth of what the ingest
   * allocated at 10,000 msg/s (issue 11); the first step that returns a promise continues there.
   */
  private decide (m: InFlight, from: number): Decision | Promise<Decision> {
    for (let i = from; i < this.steps.length; i++) {
      const [step, log] = this.steps[i]
      const d = step(m, this.ctx, log)
      if (d instanceof Promise) return d.then((r) => r ?? this.decide(m, i + 1))
      if (d) return d
    }
    throw new Error('the record step returned no decision')
  }

  private answer (m: InFlight, d: Decision, done: (err?: Error | null) => void): void {
    if (m.loadHeld) this.ctx.load.leave()
    done(answer(m, d, this.ctx, this.answerLog))
  }

  /** A step threw (a bug, not a refusal): nothing was recorded, so no PUBACK. */
  private failed (m: InFlight, err: Error, done: (err?: Error | null) => void): void {
    if (m.loadHeld) this.ctx.load.leave()
    this.answerLog.error({ err, topic: m.packet.topic }, 'ingest step failed')
    done(err)
  }
}
