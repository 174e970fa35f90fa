/**
 * The facts the gateway announces, and its counters. Every module of gateway/src (and the
 * readings and detection code) imports these types from here, never from gateway.ts, so the
 * import graph of gateway/src has no cycle.
 */
import type { DeviceErrorCode, DeviceStatusDto, RtcSignalUp, UpstreamKind } from '@eldercare/protocols'
import type { Position } from '../positions.ts'

/** A new row in the durable inbox: a device alarm, an intercom event, or a derived alarm. */
export interface InboxNotice {
  deviceId: string
  msgId: string
  kind: 'event' | 'intercom' | 'derived'
  type: string
  /**
   * When the PUBLISH reached the gateway and when its inbox row committed, as epoch ms with
   * sub-ms precision (`performance.timeOrigin + performance.now()`), for the alarm path's
   * figures on /metrics (issue 11). Absent for rows from no PUBLISH (derived alarms).
   */
  arrivedAtMs?: number
  committedAtMs?: number
  /**
   * The row came through the inbox's group commit, whose insert was announced by `inboxPosted`
   * when it was handed to the database (wiring.ts: on the embedded database the engine's claim
   * is then already queued behind it, so this notice need not wake the engine again).
   */
  posted?: true
}

/** [P-3.6] A device answered a command. */
export interface CommandAckNotice { deviceId: string, commandId: string, ok: boolean, error: string | null }

/** [P-3.8] A WebRTC signal from a device, for the platform to relay. */
export interface RtcNotice { deviceId: string, signal: RtcSignalUp }

/** What became of one upstream message (or packet), for metrics. */
export interface MessageOutcome {
  /** the topic kind; `other` for a topic outside the protocol, `packet` for a refused MQTT packet */
  kind: string
  /** `shed`: telemetry refused because the gateway is behind (ingest/load.ts), never an alarm */
  outcome: 'accepted' | 'duplicate' | 'rejected' | 'shed'
  code?: DeviceErrorCode
}

/**
 * A wearer's fresher last position (issue 15), WGS-84, `at` epoch ms. Embedded: every one. Scaled:
 * only residents the cluster watches (an active incident with a position), relayed to every node.
 */
export type PositionNotice = Position

export interface GatewayEvents {
  inbox: [InboxNotice]
  /**
   * An inbox group's insert was just handed to the database (not yet committed; its rows' `inbox`
   * notices follow the commit). Synchronous: a listener's own statements on the same database
   * are queued behind the insert.
   */
  inboxPosted: []
  commandAck: [CommandAckNotice]
  rtc: [RtcNotice]
  deviceStatus: [DeviceStatusDto]
  position: [PositionNotice]
  message: [MessageOutcome]
  /** [P-4.1] how long a durable record took, in seconds */
  durableWrite: [{ kind: UpstreamKind, seconds: number }]
  /** [P-4.3] a device was disconnected for flooding */
  floodDisconnect: [{ deviceId: string }]
}

export interface GatewayCounters {
  accepted: Record<string, number>
  rejected: Record<string, number>
  duplicates: number
}

/** The emitting half of the gateway, as the parts that announce facts see it. */
export interface GatewayEmitter {
  emit<E extends keyof GatewayEvents>(event: E, ...args: GatewayEvents[E]): boolean
}
