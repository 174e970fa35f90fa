import { readdir, stat } from 'node:fs/promises'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { ReadingsWriter } from '@eldercare/readings'
import type { Gateway } from './gateway.ts'

/** Adds figures to a registry (the platform's `/metrics` or the standalone gateway's). */
export type MetricsSource = (registry: Registry) => void

/**
 * A registry with the process's default figures (CPU, memory, event-loop lag) and `sources`:
 * what the platform's `/metrics` starts from and what the standalone gateway serves (http.ts).
 */
export function metricsRegistry (sources: MetricsSource[]): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // prom-client's defaults that cost main-thread time per open connection at every scrape (issue 11):
  // with 10,000 devices connected a scrape held the event loop ~25 ms (tests/bench/metrics-scrape.ts),
  // a stall in every alarm's way at each Prometheus scrape. The handle and resource counts are
  // dropped (eldercare_gateway_connected_devices says what they said); the open descriptors are
  // counted off the main thread instead (openFds).
  for (const name of PER_CONNECTION_DEFAULTS) registry.removeSingleMetric(name)
  if (process.platform === 'linux') {
    new Gauge({
      name: 'process_open_fds', help: 'Number of open file descriptors.', registers: [registry],
      async collect () { this.set(await openFds()) }
    })
  }
  for (const source of sources) source(registry)
  return registry
}

const PER_CONNECTION_DEFAULTS = ['process_open_fds', 'nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total']

/**
 * The process's open file descriptors. Linux ≥ 6.2 gives their count as the size of /proc/self/fd
 * (one stat, whatever the count); older kernels say 0 there, and the directory is read — in
 * libuv's thread pool, not synchronously as prom-client's default does (minus the one reading it).
 */
export async function openFds (): Promise<number> {
  const { size } = await stat('/proc/self/fd')
  if (size > 0) return size
  return (await readdir('/proc/self/fd')).length - 1
}

/** Everything the gateway part measures: its message figures and, when it writes readings, the readings writer's. */
export function gatewayMetricSources (gateway: Gateway): MetricsSource[] {
  return [gatewayMetrics(gateway), ...(gateway.readings ? [readingsMetrics(gateway.readings.writer)] : [])]
}

/**
 * The gateway's figures for `/metrics`, fed by its events as they happen: connected devices,
 * messages by kind and outcome (and error code), durable-write latency, flood disconnects.
 */
function gatewayMetrics (gateway: Gateway): MetricsSource {
  return (registry) => {
    new Gauge({
      name: 'eldercare_gateway_connected_devices', help: 'Devices connected to this gateway', registers: [registry],
      collect () { this.set(gateway.broker.connectedClients) }
    })
    // Counted here as messages pass, handed to prom-client when it is read (a scrape): its inc()
    // builds a label-hash string and checks the label names on every call, 10,000 times a second
    // (issue 11: per batch what need not be per message).
    const counts = new Map<string, Map<string, Map<string, { n: number }>>>()
    new Counter({
      name: 'eldercare_gateway_messages_total',
      help: 'Upstream messages by topic kind and outcome (accepted, duplicate, rejected); rejections by error code [P-4.2]',
      labelNames: ['kind', 'outcome', 'code'],
      registers: [registry],
      collect () {
        for (const [kind, byOutcome] of counts) {
          for (const [outcome, byCode] of byOutcome) {
            for (const [code, c] of byCode) if (c.n > 0) { this.inc({ kind, outcome, code }, c.n); c.n = 0 }
          }
        }
      }
    })
    const reads = gateway.readScheduler
    if (reads) {
      new Gauge({
        name: 'eldercare_gateway_read_queue_bytes', help: 'Device bytes read and not yet parsed (parsed in slices, alarms first)', registers: [registry],
        collect () { this.set(reads.queuedBytes) }
      })
      new Gauge({
        name: 'eldercare_gateway_read_queue_wait_seconds', help: 'How long the device bytes parsed last had waited in the read queue', registers: [registry],
        collect () { this.set(reads.stats.waitMs / 1000) }
      })
      new Gauge({
        name: 'eldercare_gateway_read_queue_pauses', help: 'Connections paused since start because the read queue was over its bound (TCP back-pressure)', registers: [registry],
        collect () { this.set(reads.stats.paused) }
      })
      new Gauge({
        name: 'eldercare_gateway_read_slice_connections', help: 'Connections the next read slice parses: as many as fit in its time budget at what one has cost lately', registers: [registry],
        collect () { this.set(reads.sliceSize) }
      })
      new Gauge({
        name: 'eldercare_gateway_read_connection_cost_seconds', help: 'What parsing one connection\'s queued bytes has cost lately (an average over the last slices; 0 before the first)', registers: [registry],
        collect () { this.set(reads.costMs / 1000) }
      })
    }
    new Gauge({
      name: 'eldercare_gateway_presence_batches', help: 'Presence batches handed to the database since start: changes (online, battery, firmware) and coarse last-seen', labelNames: ['kind'], registers: [registry],
      collect () { this.set({ kind: 'change' }, gateway.presenceStats.changeBatches); this.set({ kind: 'coarse' }, gateway.presenceStats.coarseBatches) }
    })
    new Gauge({
      name: 'eldercare_gateway_presence_devices', help: 'Devices in the presence batches handed to the database since start, by kind of batch', labelNames: ['kind'], registers: [registry],
      collect () { this.set({ kind: 'change' }, gateway.presenceStats.changeDevices); this.set({ kind: 'coarse' }, gateway.presenceStats.coarseDevices) }
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
    gateway.on('message', (m) => { countOf(counts, m.kind, m.outcome, m.code ?? '').n++ })
    gateway.on('durableWrite', (w) => durable.observe({ kind: w.kind }, w.seconds))
    gateway.on('floodDisconnect', () => floods.inc())
  }
}

function countOf (counts: Map<string, Map<string, Map<string, { n: number }>>>, kind: string, outcome: string, code: string): { n: number } {
  let byOutcome = counts.get(kind)
  if (!byOutcome) counts.set(kind, byOutcome = new Map())
  let byCode = byOutcome.get(outcome)
  if (!byCode) byOutcome.set(outcome, byCode = new Map())
  let c = byCode.get(code)
  if (!c) byCode.set(code, c = { n: 0 })
  return c
}

/** The readings writer's figures for `/metrics`: what waits, what was written, what was dropped — never silent. */
function readingsMetrics (writer: ReadingsWriter): MetricsSource {
  return (registry) => {
    const gauge = (name: string, help: string, value: () => number) => new Gauge({
      name, help, registers: [registry], labelNames: ['store'], collect () { this.set({ store: writer.store.kind }, value()) }
    })
    gauge('eldercare_readings_buffered', 'Reading points waiting to be written to the readings store', () => writer.stats.buffered)
    gauge('eldercare_readings_written', 'Reading points written to the readings store since start', () => writer.stats.written)
    gauge('eldercare_readings_dropped', 'Reading points dropped because the buffer bound was hit since start', () => writer.stats.dropped)
    gauge('eldercare_readings_rejected', 'Reading points the store refused for good (e.g. beyond retention) since start', () => writer.stats.rejected)
    gauge('eldercare_readings_write_failures', 'Failed writes to the readings store since start (each retried with backoff)', () => writer.stats.failedWrites)
    gauge('eldercare_readings_buffer_limit', 'Most reading points held while the store is slow or down', () => writer.opts.maxBufferedPoints)
  }
}
