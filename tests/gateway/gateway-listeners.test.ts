/**
 * [P-1.1] The listeners — TCP, TLS with a certificate made by openssl for this test, WebSocket
 * at /mqtt — and [P-2.1] the limits on every one of them: a payload over 16 KiB is answered
 * too_large; a packet over 256 KiB closes the connection before its body is read.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqttPacket from 'mqtt-packet'
import WebSocket from 'ws'
import { deviceTopic } from '@eldercare/protocols'
import { connectDevice, connectPacket, logSink } from '../support/devices.ts'
import { pino } from 'pino'
import { needsMosquittoClients, mosquittoPub } from '../support/mosquitto.ts'
import { findBinary, needs } from '../support/requirements.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const openssl = needs('openssl', '/usr/bin/openssl', 'openssl')
const ss = needs('ss (listening sockets and their backlog)', 'ss', 'iproute2')
/** net.core.somaxconn: the kernel's cap on a listen backlog */
const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))
const BACKLOG = 1500
/** A listening port's backlog as the kernel holds it: ss shows it as the socket's Send-Q. */
function backlogOf (port: number): number {
  const line = execFileSync(findBinary('ss')!, ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim()
  expect(line, `ss -ltnH sport = :${port}`).toMatch(/^LISTEN/)
  return Number(line.split(/\s+/)[2])
}
const clients = needsMosquittoClients('mosquitto_pub over TLS')

describe.skipIf(!openssl.ok)('listeners and packet limits', () => {
  let p: TestPlatform
  let home: SeededHome
  let dir: string
  let cert: Buffer
  const log = logSink()

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'))
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    cert = readFileSync(join(dir, 'cert.pem'))
    p = await startTestPlatform({ MQTT_TLS_CERT: join(dir, 'cert.pem'), MQTT_TLS_KEY: join(dir, 'key.pem'), MQTT_TLS_PORT: '0', MQTT_LISTEN_BACKLOG: String(BACKLOG) }, { logger: pino({ level: 'warn' }, log) })
    await p.api.login()
    home = await seedHome(p.api)
  })
  afterAll(async () => {
    await p?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const clientOf = (id: string) => (p.gateway.broker as unknown as { clients: Record<string, unknown> }).clients[id]
  const inbox = async (msgId: string) => (await p.db.query('select 1 from inbox where device_id = $1 and msg_id = $2', [home.device.id, msgId])).rows
  const fall = (id: string) => JSON.stringify({ id, ts: Date.now(), type: 'fall' })

  it('[P-1.1] accepts a device over TLS, verified against the self-signed certificate', async () => {
    expect(p.ports.mqttTls).toBeGreaterThan(0)
    const d = await connectDevice(`mqtts://127.0.0.1:${p.ports.mqttTls}`, home.device, { ca: cert, rejectUnauthorized: true })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), fall('tls-1'), { qos: 1 })
    expect(await inbox('tls-1')).toHaveLength(1)
    await d.end()
  })

  it.skipIf(!clients.ok)('[P-1.1] accepts mosquitto_pub over TLS with --cafile', async () => {
    const r = await mosquittoPub(['-h', '127.0.0.1', '-p', String(p.ports.mqttTls), '--cafile', join(dir, 'cert.pem'), '-i', home.device.id, '-u', home.device.id, '-P', home.device.secret,
      '-V', 'mqttv311', '-q', '1', '-t', deviceTopic(home.device.id, 'events'), '-m', fall('tls-mp-1')])
    expect(r.code, r.stderr).toBe(0)
    expect(await inbox('tls-mp-1')).toHaveLength(1)
  })

  it('[P-1.1] accepts a device over WebSocket at /mqtt', async () => {
    const d = await connectDevice(`ws://127.0.0.1:${p.ports.mqttWs}/mqtt`, home.device)
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), fall('ws-1'), { qos: 1 })
    expect(await inbox('ws-1')).toHaveLength(1)
    await d.end()
  })

  it.skipIf(!ss.ok)('every listener holds MQTT_LISTEN_BACKLOG handshakes for a reconnect storm, not Node\'s 511 (issue 11)', () => {
    // for a listening socket ss shows its backlog as Send-Q
    for (const port of [p.ports.mqtt, p.ports.mqttWs, p.ports.mqttTls]) {
      expect(backlogOf(port!), `port ${port}`).toBe(Math.min(BACKLOG, somaxconn))
    }
  })

  it.skipIf(!ss.ok || somaxconn >= 65535)('says at start when net.core.somaxconn grants fewer handshakes than MQTT_LISTEN_BACKLOG asks', async () => {
    const capped = logSink()
    const q = await startTestPlatform({ MQTT_LISTEN_BACKLOG: String(somaxconn + 1) }, { logger: pino({ level: 'warn' }, capped) })
    try {
      expect(backlogOf(q.ports.mqtt)).toBe(somaxconn)
      const warned = capped.lines.find((l) => l.backlog === somaxconn + 1)
      expect(warned?.granted).toBe(somaxconn)
      expect(warned?.msg).toContain(`the kernel holds ${somaxconn} MQTT handshakes, not the ${somaxconn + 1} asked (MQTT_LISTEN_BACKLOG)`)
      expect(warned?.msg).toContain(`sysctl -w net.core.somaxconn=${somaxconn + 1}`)
      // within the cap, nothing to say
      expect(log.lines.some((l) => l.backlog !== undefined)).toBe(false)
    } finally {
      await q.close()
    }
  })

  it('on every listener, a connection holds no parsed-packet object between messages (issue 11: parser-idle.ts)', async () => {
    const parserOf = () => (p.gateway.broker as unknown as { clients: Record<string, { _parser?: { packet: unknown, _list: unknown } } | undefined> }).clients[home.device.id]?._parser
    const urls: Array<[string, Parameters<typeof connectDevice>[2]]> = [
      [p.mqttUrl, {}], [`ws://127.0.0.1:${p.ports.mqttWs}/mqtt`, {}], [`mqtts://127.0.0.1:${p.ports.mqttTls}`, { ca: cert, rejectUnauthorized: true }]]
    for (const [i, [url, opts]] of urls.entries()) {
      const d = await connectDevice(url, home.device, opts)
      await d.client.publishAsync(deviceTopic(home.device.id, 'events'), fall(`idle-${i}`), { qos: 1 })
      expect(await inbox(`idle-${i}`), url).toHaveLength(1)
      const parser = parserOf()
      expect(parser, url).toBeDefined()
      expect(parser?.packet, url).toBeNull()
      // its bytes in a plain list, not mqtt-packet's stream (bl's BufferListStream) per connection
      expect((parser?._list as object).constructor.name, url).toBe('ParserBytes')
      expect('_readableState' in (parser?._list as object), url).toBe(false)
      await d.end()
    }
  })

  it('[P-2.1] answers a payload between 16 KiB and 256 KiB too_large and keeps the connection', async () => {
    const d = await connectDevice(p.mqttUrl, home.device)
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), JSON.stringify({ id: 'big-1', ts: Date.now(), type: 'fall', location: 'x'.repeat(100_000) }), { qos: 1 })
    await eventually(async () => d.errors.length > 0, 5000, 'too_large answer')
    expect(d.errors[0]).toMatchObject({ code: 'too_large', ref: null })
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), fall('after-big'), { qos: 1 })
    expect(await inbox('after-big')).toHaveLength(1)
    await d.end()
  })

  /** Opens a raw TCP (or TLS) connection and logs in with a CONNECT packet. */
  async function rawLogin (over: 'tcp' | 'tls' = 'tcp'): Promise<Socket> {
    const socket = over === 'tls' ? tlsConnect({ port: p.ports.mqttTls!, host: '127.0.0.1', ca: cert }) : netConnect(p.ports.mqtt, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once(over === 'tls' ? 'secureConnect' : 'connect', () => resolve()); socket.once('error', reject) })
    socket.write(connectPacket(home.device, 30))
    await new Promise<void>((resolve) => socket.once('data', () => resolve())) // CONNACK
    return socket
  }

  it('[P-1.1] a device that ends its half of the connection (FIN, no DISCONNECT) over TCP or TLS is closed by the gateway and let go', async () => {
    for (const name of ['tcp', 'tls'] as const) {
      const socket = await rawLogin(name)
      await eventually(async () => clientOf(home.device.id) !== undefined, 2000, `${name}: the broker holds the device`)
      // the gateway's half-open sockets (listeners.ts) still end their half and close once the broker has the end
      const serverEnded = new Promise<void>((resolve) => socket.once('end', () => resolve()))
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.end()
      await serverEnded
      await closed
      await eventually(async () => clientOf(home.device.id) === undefined, 2000, `${name}: the broker let the device go`)
    }
  })

  it('[P-2.1] closes a TCP connection whose packet announces more than 256 KiB, before its body is read', async () => {
    const socket = await rawLogin()
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {})
    // a PUBLISH header announcing 10 MiB, and only the first 4 KiB of its body
    const header = mqttPacket.generate({ cmd: 'publish', topic: deviceTopic(home.device.id, 'events'), payload: Buffer.alloc(10 * 1024 * 1024), qos: 0, retain: false, dup: false }).subarray(0, 4096)
    socket.write(header)
    await closed
    expect(socket.bytesWritten).toBeLessThan(8192)
    expect(log.lines.some((l) => l.deviceId === home.device.id && l.code === 'too_large' && /connection closed: packet of at least \d+ bytes exceeds the limit of 262144/.test(l.msg))).toBe(true)
    // the gateway still serves devices
    const d = await connectDevice(p.mqttUrl, home.device)
    await d.client.publishAsync(deviceTopic(home.device.id, 'events'), fall('after-huge'), { qos: 1 })
    expect(await inbox('after-huge')).toHaveLength(1)
    await d.end()
    const metrics = await (await fetch(`${p.httpUrl}/metrics`)).text()
    expect(metrics).toMatch(/eldercare_gateway_messages_total\{kind="packet",outcome="rejected",code="too_large"\} [1-9]/)
  })

  it('[P-2.1] closes a WebSocket connection whose frame or packet exceeds 256 KiB', async () => {
    // one frame over the limit
    const ws = new WebSocket(`ws://127.0.0.1:${p.ports.mqttWs}/mqtt`, 'mqtt')
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject) })
    const code = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))
    ws.send(Buffer.alloc(300 * 1024))
    expect(await code).toBe(1009) // message too big
    // a packet over the limit, sent in small frames
    const ws2 = new WebSocket(`ws://127.0.0.1:${p.ports.mqttWs}/mqtt`, 'mqtt')
    await new Promise<void>((resolve, reject) => { ws2.once('open', () => resolve()); ws2.once('error', reject) })
    const closed2 = new Promise<void>((resolve) => ws2.once('close', () => resolve()))
    ws2.send(connectPacket(home.device, 30))
    const big = mqttPacket.generate({ cmd: 'publish', topic: deviceTopic(home.device.id, 'events'), payload: Buffer.alloc(1024 * 1024), qos: 0, retain: false, dup: false })
    for (let off = 0; off < 64 * 1024 && ws2.readyState === WebSocket.OPEN; off += 1024) ws2.send(big.subarray(off, off + 1024))
    await closed2
  })
})
