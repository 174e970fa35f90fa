import { Counter, Gauge, Histogram } from 'prom-client'
import type { Gateway } from '@eldercare/gateway'
import type { MetricsSource } from './routes.ts'

/**
 * The gateway's figures for `/metrics`, fed by its events as they happen: connected devices,
 * messages by kind and outcome (and error code), durable-write latency, flood disconnects.
 */
export function gatewayMetrics (gateway: Gateway): MetricsSource {
  return (registry) => {
    new Gauge({
      name: 'eldercare_gateway_connected_devices', help: 'Devices connected to this gateway', registers: [registry],
      collect () { this.set(gateway.broker.connectedClients) }
    })
    const messages = new Counter({
      name: 'eldercare_gateway_messages_total',
      help: 'Upstream messages by topic kind and outcome (accepted, duplicate, rejected); rejections by error code [P-4.2]',
      labelNames: ['kind', 'outcome', 'code'],
      registers: [registry]
    })
    const durable = new Histogram({
      name: 'eldercare_gateway_inbox_write_seconds',
      help: 'Time to durably record an events/intercom/commands-ack message before its PUBACK [P-4.1]',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry]
    })
    const floods = new Counter({
      name: 'eldercare_gateway_flood_disconnects_total', help: 'Devices disconnected for sustained flooding [P-4.3]', registers: [registry]
    })
    gateway.on('message', (m) => messages.inc({ kind: m.kind, outcome: m.outcome, code: m.code ?? '' }))
    gateway.on('durableWrite', (w) => durable.observe({ kind: w.kind }, w.seconds))
    gateway.on('floodDisconnect', () => floods.inc())
  }
}
