/**
 * A device as raw MQTT 3.1.1 over TCP (mqtt-packet), for tests that need to see exactly when a
 * PUBACK arrives, or that it never does — and to run a thousand of them cheaply.
 */
import { connect as netConnect, type Socket } from 'node:net'
import mqttPacket, { type Packet } from 'mqtt-packet'

export class RawDevice {
  /** PUBACKs received, by message id, with the time they arrived */
  readonly pubacks = new Map<number, number>()
  readonly packets: Packet[] = []
  readonly closed: Promise<void>
  private readonly waiters = new Map<number, () => void>()
  private nextId = 1

  private constructor (readonly id: string, readonly socket: Socket) {
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    parser.on('packet', (p: Packet) => {
      this.packets.push(p)
      if (p.cmd === 'puback' && p.messageId !== undefined) {
        this.pubacks.set(p.messageId, Date.now())
        this.waiters.get(p.messageId)?.()
      }
    })
    socket.on('data', (b) => parser.parse(b))
    socket.on('error', () => {})
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
  }

  /** Connects and resolves with the CONNACK return code (0 = accepted), or null when the server closed the connection without one. */
  static async connect (port: number, dev: { id: string, secret: string }, opts: { keepalive?: number } = {}): Promise<{ device: RawDevice, returnCode: number | null }> {
    const socket = netConnect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
    const device = new RawDevice(dev.id, socket)
    const connack = new Promise<number | null>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no CONNACK for ${dev.id}`)), 10_000)
      const check = setInterval(() => {
        const p = device.packets.find((x) => x.cmd === 'connack') as { returnCode?: number } | undefined
        if (p) { clearInterval(check); clearTimeout(t); resolve(p.returnCode ?? 0) }
      }, 2)
      void device.closed.then(() => setTimeout(() => {
        // a CONNACK that came with the close was parsed first; otherwise the server refused without one
        if (device.packets.some((x) => x.cmd === 'connack')) return
        clearInterval(check); clearTimeout(t); resolve(null)
      }, 10))
    })
    socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: dev.id, username: dev.id, password: Buffer.from(dev.secret), clean: true, keepalive: opts.keepalive ?? 60 }))
    return { device, returnCode: await connack }
  }

  /** Sends a PUBLISH; returns its message id (QoS 1) without waiting for the PUBACK. */
  send (topic: string, body: unknown, qos: 0 | 1 = 1): number {
    const messageId = qos ? this.nextId++ : undefined
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body))
    this.socket.write(mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId, retain: false, dup: false }))
    return messageId ?? 0
  }

  /** Resolves when the PUBACK of `messageId` arrives; rejects after `timeoutMs`. */
  puback (messageId: number, timeoutMs = 10_000): Promise<number> {
    const at = this.pubacks.get(messageId)
    if (at !== undefined) return Promise.resolve(at)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no PUBACK for ${this.id}#${messageId}`)), timeoutMs)
      this.waiters.set(messageId, () => { clearTimeout(t); resolve(this.pubacks.get(messageId)!) })
    })
  }

  /** Subscribes to a topic (e.g. the device's errors) and waits for the SUBACK. */
  async subscribe (topic: string): Promise<void> {
    const before = this.packets.length
    this.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 60_000, subscriptions: [{ topic, qos: 0 }] }))
    while (!this.packets.slice(before).some((p) => p.cmd === 'suback')) await new Promise((r) => setTimeout(r, 2))
  }

  /** Bodies received on `…/errors`. */
  errors (): Array<{ ref: string | null, code: string, message: string, topic: string }> {
    return this.packets.filter((p) => p.cmd === 'publish' && p.topic.endsWith('/errors')).map((p) => JSON.parse((p as { payload: Buffer }).payload.toString()))
  }

  end (): void { this.socket.destroy() }
}
