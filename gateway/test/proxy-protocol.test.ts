import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { parseProxyV1, readProxyHeader } from '../src/proxy-protocol.ts'

describe('parseProxyV1 (PROXY protocol v1 line, MQTT_PROXY_PROTOCOL=on)', () => {
  it('takes the client address and port of TCP4 and TCP6 lines', () => {
    expect(parseProxyV1('PROXY TCP4 203.0.113.7 10.0.0.2 51234 1883')).toEqual({ kind: 'proxied', address: '203.0.113.7', port: 51234 })
    expect(parseProxyV1('PROXY TCP6 2001:db8::7 2001:db8::2 40000 1883')).toEqual({ kind: 'proxied', address: '2001:db8::7', port: 40000 })
  })

  it('accepts UNKNOWN, with or without the rest of the line', () => {
    expect(parseProxyV1('PROXY UNKNOWN')).toEqual({ kind: 'unknown' })
    expect(parseProxyV1('PROXY UNKNOWN ffff::1 ffff::2 1 2')).toEqual({ kind: 'unknown' })
  })

  it.each([
    ['PROXY TCP4 203.0.113.7 10.0.0.2 51234', 'not a PROXY protocol v1 line'],
    ['PROXY TCP4 2001:db8::7 10.0.0.2 1 2', 'addresses are not IPv4'],
    ['PROXY TCP6 203.0.113.7 2001:db8::2 1 2', 'addresses are not IPv6'],
    ['PROXY TCP4 203.0.113.7 10.0.0.2 70000 1883', 'port out of range'],
    ['PROXY UDP4 203.0.113.7 10.0.0.2 1 2', 'not a PROXY protocol v1 line'],
    ['proxy TCP4 203.0.113.7 10.0.0.2 1 2', 'not a PROXY protocol v1 line']
  ])('refuses %j: %s', (line, error) => {
    expect(parseProxyV1(line)).toEqual({ error })
  })
})

describe('readProxyHeader on a real TCP connection', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise<void>((resolve) => server ? server.close(() => resolve()) : resolve())
    server = undefined
  })

  type Outcome = { ready: { remote: string | undefined, after: Buffer } } | { rejected: string } | { quiet: true }

  /** Starts a listener that reads the header, then collects what follows for `collectMs`. */
  async function listen (timeoutMs = 2000): Promise<{ port: number, outcome: Promise<Outcome> }> {
    let settle!: (o: Outcome) => void
    const outcome = new Promise<Outcome>((resolve) => { settle = resolve })
    server = createServer((socket: Socket) => {
      socket.once('close', () => setTimeout(() => settle({ quiet: true }), 50))
      readProxyHeader(socket, {
        timeoutMs,
        onReady: (s, remote) => {
          const chunks: Buffer[] = []
          s.on('data', (c: Buffer) => chunks.push(c))
          s.resume()
          s.once('end', () => settle({ ready: { remote, after: Buffer.concat(chunks) } }))
        },
        onRejected: (reason) => settle({ rejected: reason })
      })
    })
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    return { port: (server!.address() as AddressInfo).port, outcome }
  }

  async function send (port: number, ...parts: (string | Buffer)[]): Promise<void> {
    const c = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => c.once('connect', () => resolve()))
    for (const p of parts) {
      c.write(p)
      await sleep(20)
    }
    c.end()
  }

  const CONNECT = Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00])

  it('hands over the client address and every byte after the line, sent in the same segment', async () => {
    const { port, outcome } = await listen()
    await send(port, Buffer.concat([Buffer.from('PROXY TCP4 198.51.100.9 127.0.0.1 40001 1883\r\n'), CONNECT]))
    expect(await outcome).toEqual({ ready: { remote: '198.51.100.9', after: CONNECT } })
  })

  it('reads a line split across segments', async () => {
    const { port, outcome } = await listen()
    await send(port, 'PROXY TCP4 198.51.', '100.9 127.0.0.1 40001 1883\r', '\n', CONNECT)
    expect(await outcome).toEqual({ ready: { remote: '198.51.100.9', after: CONNECT } })
  })

  it('keeps the socket address for UNKNOWN', async () => {
    const { port, outcome } = await listen()
    await send(port, 'PROXY UNKNOWN\r\n', CONNECT)
    expect(await outcome).toEqual({ ready: { remote: '127.0.0.1', after: CONNECT } })
  })

  it('closes a connection that starts with MQTT instead of the line (a device bypassing the balancer)', async () => {
    const { port, outcome } = await listen()
    await send(port, CONNECT)
    expect(await outcome).toEqual({ rejected: 'no PROXY protocol header' })
  })

  it('closes a line longer than 107 bytes without waiting for its end', async () => {
    const { port, outcome } = await listen()
    await send(port, `PROXY TCP4 ${'1'.repeat(120)}`)
    expect(await outcome).toEqual({ rejected: 'PROXY protocol header longer than 107 bytes' })
  })

  it('closes an invalid line', async () => {
    const { port, outcome } = await listen()
    await send(port, 'PROXY TCP4 example.org 127.0.0.1 1 2\r\n', CONNECT)
    expect(await outcome).toEqual({ rejected: 'invalid PROXY protocol header: addresses are not IPv4' })
  })

  it('closes a connection that sends nothing within the timeout', async () => {
    const { port, outcome } = await listen(200)
    const c = connect(port, '127.0.0.1')
    try {
      expect(await outcome).toEqual({ rejected: 'no PROXY protocol header within 200 ms' })
    } finally {
      c.destroy()
    }
  })

  it('says nothing about a connection closed before any byte (a balancer health check)', async () => {
    const { port, outcome } = await listen()
    await send(port)
    expect(await outcome).toEqual({ quiet: true })
  })
})
