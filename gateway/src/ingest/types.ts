/**
 * What the ingest steps share: the message in flight, the decision a step may return, and the
 * context (the gateway's parts) each step is given. See pipeline.ts for the list of steps.
 */
import type { Client, PublishPacket } from 'aedes'
import type { Logger } from 'pino'
import { ALARM_KINDS as PROTOCOL_ALARM_KINDS, type DroppedField, type ParsedTopic, type UpstreamKind, type UpstreamMessages } from '@eldercare/protocols'
import type { DeviceSession } from '../acl.ts'
import type { GatewayError } from '../errors.ts'
import type { HandlerContext } from '../handlers/types.ts'
import type { Observers } from '../observers.ts'
import type { RateLimiter } from '../rate-limit.ts'
import type { LoadLimit } from '../load-limit.ts'
import type { GatewayCounters, GatewayEmitter } from '../types/events.ts'

/** One upstream PUBLISH as it passes the steps; each step fills in what it learnt. */
export interface InFlight {
  client: Client | null
  packet: PublishPacket
  receivedAt: Date
  /** when the PUBLISH reached the ingest, epoch ms at sub-ms precision (the alarm path's figures, issue 11) */
  arrivedAtMs: number
  /** session: the authenticated device behind the connection */
  session?: DeviceSession
  /** a will published after its client went away (exempt from the rate step) */
  will?: boolean
  /** rate: the topic, parsed once (null: not a device topic of protocol v1); acl checks it */
  topic?: ParsedTopic | null
  /** rate: telemetry or status, which the load step may shed under overload */
  sheddable?: boolean
  /** load: this message counts towards the in-flight bound until it is answered */
  loadHeld?: boolean
  /** acl: the device the topic names (for a hub relaying, the child) and the topic kind */
  deviceId?: string
  kind?: UpstreamKind
  /** decode: the validated message, and its `id` as soon as it could be read */
  message?: UpstreamMessages[UpstreamKind]
  ref: string | null
  /** decode: protocols' verdict on an accepted message — fields dropped [P-2.3a], whether `ts` was usable [P-2.3] */
  verdict?: { dropped: readonly DroppedField[], tsUsable: boolean }
  /** normalise [P-2.3]: the device time the store keeps (null when unusable) and whether it is skewed */
  deviceTs?: Date | null
  clockSkew?: boolean
  /** normalise [P-2.3a]: answers for the fields decode dropped; they do not refuse the message */
  warnings: GatewayError[]
}

/**
 * How a PUBLISH ends — the three cases of docs/gateway.md, "PUBLISH → PUBACK":
 * - `puback` with outcome `accepted`/`duplicate`: recorded (durably, for alarms [P-4.1]), then PUBACKed;
 *   `superseded` (a will only, which has no PUBACK): no effect, and not passed on;
 * - `puback` with outcome `rejected`: answered on `errors` and PUBACKed, since resending cannot help;
 * - `withhold`: not PUBACKed, since resending can ([P-4.3] over an allowance; [P-4.1] the database
 *   is away — then `close` ends the connection so that the device resends at once).
 */
export type Decision =
  | { ack: 'puback', outcome: 'accepted' | 'duplicate' | 'superseded' }
  | { ack: 'puback', outcome: 'rejected', error: GatewayError, tell?: boolean }
  | { ack: 'withhold', error: GatewayError, close: boolean, tell?: boolean, shed?: boolean }

/** A step returns a Decision to end the ingest, or nothing to pass the message on. */
export type Step = (m: InFlight, ctx: IngestContext, log: Logger) => Decision | void | Promise<Decision | void>

export interface IngestContext {
  sessions: WeakMap<Client, DeviceSession>
  observers: Observers
  /** [P-4.3] separate allowances: telemetry (and status), and alarms */
  limits: { telemetry: RateLimiter, alarms: RateLimiter }
  /** the bound on telemetry work in progress (issue 11): over it, telemetry is shed, never an alarm */
  load: LoadLimit
  /** [P-2.3] tolerance of a device clock before a record is marked clockSkew, ms */
  skewMs: number
  handlers: HandlerContext
  events: GatewayEmitter
  counters: GatewayCounters
  /** publishes a body on a device's topic (errors answers) */
  publish: (topic: string, body: unknown, qos: 0 | 1) => Promise<void>
}

/** Kinds of the alarm lane (protocols' list): their own allowance [P-4.3], PUBACK only after the durable record [P-4.1]. */
export const ALARM_KINDS: ReadonlySet<string> = PROTOCOL_ALARM_KINDS
