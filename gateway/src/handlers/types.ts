import type { Client } from 'aedes'
import type { Logger } from 'pino'
import type { UpstreamKind, UpstreamMessages } from '@eldercare/protocols'
import type { InboxWriter } from '../inbox/writer.ts'
import type { GatewayStore } from '../store.ts'
import type { Presence } from '../presence.ts'
import type { Readings } from '../readings.ts'
import type { GatewayEmitter } from '../types/events.ts'

/** What one accepted upstream message carries through the handlers. */
export interface Accepted<K extends UpstreamKind = UpstreamKind> {
  /** the device the topic names (for a hub relaying, the child) */
  deviceId: string
  kind: K
  message: UpstreamMessages[K]
  receivedAt: Date
  /** when the PUBLISH reached the ingest (epoch ms, sub-ms precision), for the alarm path's figures */
  arrivedAtMs?: number
  /** [P-2.3] the device time the store keeps; null when outside what it holds (recorded at receivedAt) */
  deviceTs: Date | null
  /** [P-2.3] device clock more than the tolerance away from ours, or absurd */
  clockSkew: boolean
  /** a will, published as the connection `from` closed (null: after it was gone) */
  will?: { from: Client | null }
}

export interface HandlerContext {
  store: GatewayStore
  /** [P-4.1] the durable inbox, written in groups */
  inbox: InboxWriter
  presence: Presence
  log: Logger
  /** readings store and detection rules (absent: readings are only counted) */
  readings?: Readings
  events: GatewayEmitter
  /** the device's connection to this broker now, if it has one */
  connectionOf: (deviceId: string) => Client | undefined
  /** scaled mode: the connection was closed because its device connected to another gateway */
  movedAway: (client: Client) => boolean
}

/**
 * `accepted`: a new effect; `duplicate`: already recorded, acknowledged again with no effect [P-2.4];
 * `superseded`: a will of a connection the device has since replaced — no effect, and kept from
 * subscribers and from the retained status, which the newer connection owns.
 */
export type HandlerResult = 'accepted' | 'duplicate' | 'superseded'

/** A handler may answer at once (telemetry, most of the time: issue 11, no promise per message). */
export type Handler<K extends UpstreamKind> = (ctx: HandlerContext, msg: Accepted<K>) => HandlerResult | Promise<HandlerResult>
