import { Gauge } from 'prom-client'
import type { ReadingsWriter } from '@eldercare/readings'
import type { MetricsSource } from './routes.ts'

/** The readings writer's figures for `/metrics`: what waits, what was written, what was dropped — never silent. */
export function readingsMetrics (writer: ReadingsWriter): MetricsSource {
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
