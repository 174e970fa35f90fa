import { Gauge } from 'prom-client'
import type { Gateway } from '@eldercare/gateway'
import type { MetricsSource } from './routes/metrics.ts'

/** The gateway's figures for `/metrics`: connected devices, messages accepted and rejected. */
export function gatewayMetrics (gateway: Gateway): MetricsSource {
  return (registry) => {
    new Gauge({
      name: 'eldercare_gateway_connected_devices', help: 'Devices connected to this gateway', registers: [registry],
      collect () { this.set(gateway.broker.connectedClients) }
    })
    new Gauge({
      name: 'eldercare_gateway_messages_accepted', help: 'Upstream messages accepted, by topic kind', labelNames: ['kind'], registers: [registry],
      collect () { for (const [kind, n] of Object.entries(gateway.counters.accepted)) this.set({ kind }, n) }
    })
    new Gauge({
      name: 'eldercare_gateway_messages_rejected', help: 'Upstream messages rejected, by error code', labelNames: ['code'], registers: [registry],
      collect () { for (const [code, n] of Object.entries(gateway.counters.rejected)) this.set({ code }, n) }
    })
    new Gauge({
      name: 'eldercare_gateway_messages_duplicate', help: 'Redelivered messages acknowledged again with no effect', registers: [registry],
      collect () { this.set(gateway.counters.duplicates) }
    })
  }
}
