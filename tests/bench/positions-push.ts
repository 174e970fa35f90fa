/**
 * Scaled mode, positions by push (issue 15): how long a wearable's new position on the standalone
 * gateway takes to reach an operator's console on another platform node as the incident's
 * position (`incident:updated`), on real PostgreSQL and Redis — and that the positions of
 * wearers nobody watches are not relayed at all. The nodes' poll of `positions_last` is set to an
 * hour, so every update measured came by push.
 *
 *   node --import tsx tests/bench/positions-push.ts [moves=100] [unwatchedWearers=50]
 *
 * Prints one JSON line: push latency p50/p90/p99/max (ms) and the relayed position messages seen
 * by a platform node for the unwatched wearers (expected 0).
 */
import type { IncidentDto } from '@eldercare/protocols'
import { SimDevice } from '@eldercare/device-sim'
import { startCluster } from '../support/cluster.ts'
import { nextEvent, seedHome } from '../support/platform.ts'

const MOVES = Number(process.argv[2] ?? 100)
const UNWATCHED = Number(process.argv[3] ?? 50)
const HOUR = 3600_000

const cluster = await startCluster(`positions_bench_${process.pid}`, {
  node: { app: { positions: { followStoredEveryMs: HOUR } } }
})
const devices: SimDevice[] = []
try {
  const { nodeA, nodeB, edgePort } = cluster
  await nodeA.api.login()
  await nodeB.api.login()
  const connect = async (name: string) => {
    const home = await seedHome(nodeA.api, { deviceType: 'wearable', name })
    const d = new SimDevice({ url: `mqtt://127.0.0.1:${edgePort}`, credentials: { ...home.device, type: 'wearable' } })
    await d.connect()
    devices.push(d)
    return { home, d }
  }
  const watched = await connect('bench-watched')
  const others = []
  for (let i = 0; i < UNWATCHED; i++) others.push(await connect(`bench-other-${i}`))
  const otherResidents = new Set(others.map((o) => o.home.residentId))
  let relayedForOthers = 0
  nodeB.gateway.on('position', (p) => { if (p.residentId !== null && otherResidents.has(p.residentId)) relayedForOthers++ })

  const socket = await nodeB.api.connectedSocket()
  const opened = nextEvent(socket, 'incident:opened', (i) => i.residentId === watched.home.residentId, 10_000)
  await watched.d.event('fall', { geo: { lat: 39.92, lng: 116.41, acc: 20 } })
  const incident = await opened

  const latencies: number[] = []
  for (let k = 1; k <= MOVES; k++) {
    const lat = 39.92 + k * 0.0001
    // the unwatched wearers move too, meanwhile
    await Promise.all(others.map((o) => o.d.telemetry({ ts: Date.now(), geo: { lat: 39.8 + k * 0.0001, lng: 116.3, acc: 10 } })))
    const moved = nextEvent(socket, 'incident:updated', (i: IncidentDto) => i.id === incident.id && i.position?.lat === lat, 10_000)
    const t0 = performance.now()
    await watched.d.telemetry({ ts: Date.now(), geo: { lat, lng: 116.41, acc: 10 } })
    await moved
    latencies.push(performance.now() - t0)
  }
  socket.close()
  latencies.sort((a, b) => a - b)
  const q = (x: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(x * latencies.length))]! * 10) / 10
  console.log(JSON.stringify({ moves: MOVES, unwatchedWearers: UNWATCHED, pushMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) }, relayedForUnwatched: relayedForOthers, loadavg: (await import('node:os')).loadavg().map((l) => Math.round(l * 10) / 10) }))
} finally {
  for (const d of devices) await d.close().catch(() => {})
  await cluster.stop()
}
