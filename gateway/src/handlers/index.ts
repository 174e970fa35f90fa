import type { UpstreamKind } from '@eldercare/protocols'
import { handleCommandAck } from './command-ack.ts'
import { handleEvent } from './events.ts'
import { handleIntercom } from './intercom.ts'
import { handleRtc } from './rtc.ts'
import { handleStatus } from './status.ts'
import { handleTelemetry } from './telemetry.ts'
import type { Handler } from './types.ts'

/** One handler per upstream message kind: the dispatch table. */
export const handlers: { [K in UpstreamKind]: Handler<K> } = {
  telemetry: handleTelemetry,
  events: handleEvent,
  intercom: handleIntercom,
  status: handleStatus,
  'commands/ack': handleCommandAck,
  'rtc/up': handleRtc
}

export type { Accepted, HandlerContext, HandlerResult } from './types.ts'
