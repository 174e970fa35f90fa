/** What `bench:alarms` runs its fleet against and measures: Mosquitto, the platform, or a scaled stack (./scaled.ts). */
import type { ProbeSpec } from './protocol.ts'

export interface Target {
  name: string
  host: string
  port: number
  probe: ProbeSpec
  /** the server processes measured (RSS and CPU summed over them): the platform, or every node of a scaled stack; none for Mosquitto */
  pids: number[]
  /** where `/metrics` is scraped (counters summed, event-loop lag the worst of them) */
  metricsUrls: string[]
  /** whether those `/metrics` carry the gateway's figures (accepted messages, reading points): the platform's, or a scaled stack's gateways' (GATEWAY_HTTP_PORT) */
  gatewayMetrics: boolean
  /** reading points in the store now, when `/metrics` cannot tell (the scaled stack counts them in InfluxDB) */
  pointsStored?: () => Promise<number | null>
}
