/**
 * Device sockets are half-open (listeners.ts): a device's FIN is handed to the broker in the read
 * scheduler's slices, and the socket is closed when the broker has handled it — not by Node in the
 * pass that read the FIN (issue 11: a network cut closing thousands of connections at once).
 * Real TCP sockets on a free port; the handler does with the end what aedes does (destroys its
 * connection).
 */
import { connect as netConnect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { listenTcp, type Listener } from '../src/listeners.ts'
import { ReadScheduler } from '../src/read-scheduler.ts'

let listener: Listener | null = null
afterEach(async () => { await listener?.close(); listener = null })

/** A TCP listener whose connections reach `accepted`: the guarded connection and the socket under it. */
async function listen (scheduler: ReadScheduler, accepted: (conn: Duplex, raw: Socket) => void): Promise<number> {
  listener = await listenTcp((conn) => {
    // as aedes does: the end of the connection's bytes closes it
    conn.on('data', () => {})
    conn.on('end', () => conn.destroy())
    accepted(conn, (conn as unknown as { inner: Socket }).inner)
  }, { port: 0, host: '127.0.0.1', backlog: 1024 }, { maxPacketBytes: 1024, scheduler, onViolation: () => {} })
  return listener.port
}

/** Waits until the listener has accepted `n` connections. */
async function accepted (raws: Socket[], n: number): Promise<void> {
  const deadline = Date.now() + 10_000
  while (raws.length < n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(raws).toHaveLength(n)
}

async function connectClients (port: number, n: number): Promise<Socket[]> {
  return await Promise.all(Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })))
}

describe('device sockets: a peer\'s end closes the socket in the read scheduler\'s turn', () => {
  it('closes a socket whose device ended its half (FIN without DISCONNECT): nothing is left half-open', async () => {
    const raws: Socket[] = []
    const port = await listen(new ReadScheduler(), (_conn, raw) => raws.push(raw))
    const [client] = await connectClients(port, 1)
    await accepted(raws, 1)
    const serverEnded = new Promise<void>((resolve) => client!.once('end', () => resolve()))
    const closed = new Promise<void>((resolve) => raws[0]!.once('close', () => resolve()))
    client!.end()
    await serverEnded
    await closed
    expect(raws[0]!.destroyed).toBe(true)
    client!.destroy()
  })

  it('tears down a cut of hundreds of connections a slice per turn, not in the pass that reads their FINs', async () => {
    const n = 320
    const scheduler = new ReadScheduler({ connectionsPerSlice: 16 })
    const raws: Socket[] = []
    const port = await listen(scheduler, (_conn, raw) => raws.push(raw))
    const clients = await connectClients(port, n)
    await accepted(raws, n)
    // the turns of the event loop, counted while the cut is torn down
    let turn = 0
    let spinning = true
    const spin = (): void => { turn++; if (spinning) setImmediate(spin) }
    const closedAt: number[] = []
    const allClosed = new Promise<void>((resolve) => {
      for (const raw of raws) raw.once('close', () => { closedAt.push(turn); if (closedAt.length === n) resolve() })
    })
    setImmediate(spin)
    for (const c of clients) c.destroy()
    await allClosed
    spinning = false
    // Node's default (allowHalfOpen false) closed them all in one turn here; a slice of 16 a turn takes at least 20
    const turns = new Set(closedAt).size
    expect(turns, `${n} sockets closed in ${turns} turns`).toBeGreaterThanOrEqual(n / scheduler.connectionsPerSlice)
  })
})
