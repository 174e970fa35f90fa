/**
 * Debian's haproxy on deploy/haproxy.cfg (the compose stack's balancer) in front of the embedded
 * platform, its gateway reading the PROXY protocol (MQTT_PROXY_PROTOCOL=on; docs/deployment.md):
 * devices reach the gateway through the balancer and the gateway knows their address; HTTP
 * readiness and liveness answer through it.
 */
import { connect, type Socket } from 'node:net'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { SimDevice } from '@eldercare/device-sim'
import { connectPacket, logSink } from '../support/devices.ts'
import { needsHaproxy, startHaproxy, type Haproxy } from '../support/haproxy.ts'
import { eventually, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

const haproxy = needsHaproxy()

describe.skipIf(!haproxy.ok)('haproxy (deploy/haproxy.cfg) in front of the embedded platform', () => {
  const logs = logSink()
  let p: TestPlatform
  let lb: Haproxy
  let home: SeededHome

  beforeAll(async () => {
    p = await startTestPlatform({}, { logger: pino({ level: 'info' }, logs), gateway: { proxyProtocol: true } })
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'fall_detector' })
    lb = await startHaproxy({ gateways: [{ mqtt: p.ports.mqtt, ws: p.ports.mqttWs }], platforms: [{ http: p.ports.http }] })
  })

  afterAll(async () => {
    await lb?.stop()
    await p?.close()
  })

  it('routes operators by readiness: /api/health and /api/live answer through the balancer', async () => {
    // haproxy's httpchk on /api/health must pass before it routes to the node
    const health = await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${lb.httpPort}/api/health`).catch(() => null)
      return r?.status === 200 ? r : null
    }, 10_000, `/api/health through haproxy\n${lb.logTail()}`)
    expect(await health.json()).toMatchObject({ status: 'ok' })
    const live = await fetch(`http://127.0.0.1:${lb.httpPort}/api/live`)
    expect(live.status).toBe(200)
  })

  it('[P-4.1] a fall sent through send-proxy is PUBACKed once recorded and opens one incident', async () => {
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${lb.mqttPort}`, credentials: { ...home.device, type: 'fall_detector' } })
    await device.connect()
    try {
      const fall = await device.event('fall', { confidence: 0.9, location: 'bedroom' }) // resolves on PUBACK
      const rows = (await p.db.query('select * from inbox where device_id = $1 and msg_id = $2', [home.device.id, fall.id])).rows
      expect(rows).toHaveLength(1)
      await eventually(async () => {
        const { items } = await p.api.get<{ items: Array<{ deviceId: string, type: string }> }>('/api/incidents')
        return items.filter((i) => i.deviceId === home.device.id && i.type === 'fall').length === 1
      }, 10_000, 'one fall incident')
    } finally {
      await device.close()
    }
  })

  it('the gateway sees the device\'s address from the PROXY line, not the balancer\'s', async () => {
    // the "device" speaks from 127.0.0.2; haproxy reaches the gateway from 127.0.0.1
    const socket: Socket = connect({ host: '127.0.0.1', port: lb.mqttPort, localAddress: '127.0.0.2' })
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject))
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {})
    // read (and drop) the CONNACK, so that the end of the stream is seen and 'close' follows
    socket.resume()
    socket.write(connectPacket(home.device))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // [P-2.1] a PUBLISH announcing ~256 MiB: the guard closes the connection and logs who it was
    socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))
    await closed
    const line = await eventually(async () => logs.lines.find((l) => l.code === 'too_large'), 5000, 'the too_large log line')
    expect(line).toMatchObject({ remote: '127.0.0.2', deviceId: home.device.id })
  })

  it('closes a device that bypasses the balancer (no PROXY line), and says so', async () => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${p.ports.mqtt}`, { clientId: home.device.id, username: home.device.id, password: home.device.secret, reconnectPeriod: 0, connectTimeout: 5000 })
    const outcome = await new Promise<string>((resolve) => {
      client.once('connect', () => resolve('connected'))
      client.once('close', () => resolve('closed'))
      client.once('error', () => resolve('closed'))
    })
    client.end(true)
    expect(outcome).toBe('closed')
    const line = await eventually(async () => logs.lines.find((l) => l.code === 'proxy_protocol'), 5000, 'the proxy_protocol log line')
    expect(line).toMatchObject({ remote: '127.0.0.1', msg: 'connection closed: no PROXY protocol header' })
  })
})
