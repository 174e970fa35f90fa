/**
 * @eldercare/gateway — the one interface the platform uses (docs/gateway.md, "Interface"):
 *
 *   const gateway = new Gateway({ sql, logger, ...options })   // a store (PGlite or pg) + options
 *   await gateway.listen({ mqttPort, mqttWsPort, tls })       // … and gateway.close()
 *   gateway.on('inbox' | 'commandAck' | 'rtc' | 'deviceStatus' | 'position' | 'message' | 'durableWrite' | 'floodDisconnect', …)
 *   await gateway.publishCommand(deviceId, command, { expiresAt })
 *   await gateway.publishRtc(deviceId, signal)                 // [P-3.8] WebRTC signalling, QoS 0
 *   gateway.invalidateDevice(deviceId)                         // after a registry change
 *   gateway.watchPositions(residentId)                         // scaled: relay this wearer's positions (issue 15)
 *   gateway.counters, gateway.connectedClients                 // for metrics and health
 *   metricsRegistry(gatewayMetricSources(gateway))             // its /metrics figures (embedded: the platform's; standalone: http.ts)
 *
 * Nothing else of gateway/src is part of it.
 */
export { Gateway, type GatewayOptions, type ListenOptions } from './gateway.ts'
export type { InboxNotice, CommandAckNotice, RtcNotice, PositionNotice, MessageOutcome, GatewayEvents, GatewayCounters } from './types/events.ts'
export type { CommandPublishOptions } from './command-delivery.ts'
export type { Sql } from './store.ts'
/** The durable inbox insert's and the presence write's texts (their plans are tested: tests/alarm-lane/bulk-statement-plans.test.ts). */
export { INBOX_INSERT_SQL, PRESENCE_UPDATE_SQL } from './store.ts'
export { readListenBacklog, type TlsListenOptions } from './listeners.ts'
export type { InboxWriterOptions } from './inbox/writer.ts'
export { metricsRegistry, gatewayMetricSources, type MetricsSource } from './metrics.ts'
export { BatchLookup } from './batch-lookup.ts'
export { LOAD_LIMIT_DEFAULTS, type LoadLimitOptions, type LoadStats } from './load-limit.ts'
export type { InboxPrunerOptions } from './inbox/pruner.ts'
export { RATE_LIMIT_DEFAULTS, ALARM_RATE_LIMIT_DEFAULTS, type RateLimitOptions } from './rate-limit.ts'
export { GatewayError, codes as gatewayErrorCodes, type GatewayErrorCode } from './errors.ts'
export type { ReadingsOptions } from './readings.ts'
export type { PositionWatchOptions } from './positions.ts'
export type { DetectorOptions } from './detect/detector.ts'
