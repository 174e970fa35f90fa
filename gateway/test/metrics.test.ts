/**
 * The /metrics registry (issue 11): no default figure whose scrape costs main-thread time per open
 * connection, and the open descriptors still counted, right, off the main thread.
 */
import { readdirSync } from 'node:fs'
import { createServer, connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { metricsRegistry, openFds } from '../src/metrics.ts'

describe('metricsRegistry', () => {
  const sockets: Socket[] = []
  const server = createServer((s) => { sockets.push(s) })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('has the process figures but none counted per handle or resource (a scrape held the loop ~25 ms at 10,000 connections)', async () => {
    const names = (await metricsRegistry([]).getMetricsAsJSON()).map((m) => m.name)
    expect(names).toEqual(expect.arrayContaining(['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']))
    for (const costly of ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total']) expect(names).not.toContain(costly)
    if (process.platform === 'linux') expect(names).toContain('process_open_fds')
  })

  it.runIf(process.platform === 'linux')('process_open_fds counts the open descriptors: 200 more connections, 400 more (both ends here)', async () => {
    const registry = metricsRegistry([])
    const fds = async () => Number(/^process_open_fds (\d+)$/m.exec(await registry.metrics())?.[1])
    // as prom-client's default counted them (minus the descriptor reading the directory)
    expect(await openFds()).toBe(readdirSync('/proc/self/fd').length - 1)
    const before = await fds()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await Promise.all(Array.from({ length: 200 }, () => new Promise<void>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve())
      s.on('error', reject)
      sockets.push(s)
    })))
    await new Promise((resolve) => setTimeout(resolve, 50)) // the server side accepted them all
    const after = await fds()
    expect(after - before).toBeGreaterThanOrEqual(400)
    expect(after - before).toBeLessThan(410) // the listener and little else
    expect(after).toBe(readdirSync('/proc/self/fd').length - 1)
  })
})
