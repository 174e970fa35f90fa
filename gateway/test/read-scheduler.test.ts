import { PassThrough } from 'node:stream'
import { setImmediate as immediate } from 'node:timers/promises'
import mqttPacket from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { GuardedConnection, PacketSizeGuard } from '../src/packet-guard.ts'
import { ReadScheduler } from '../src/read-scheduler.ts'

const publish = (kind: string, id = 'd1', bytes = 40): Buffer => mqttPacket.generate({
  cmd: 'publish', topic: `care/v1/devices/${id}/${kind}`, payload: Buffer.alloc(bytes, 0x20), qos: 1, messageId: 1, retain: false, dup: false
})

/** A guarded connection over a PassThrough "socket", recording what reaches its reader in order, tagged by name. */
function connection (name: string, scheduler: ReadScheduler, order: string[]): { socket: PassThrough, conn: GuardedConnection } {
  const socket = new PassThrough()
  const conn = new GuardedConnection(socket, 262_144, () => {}, scheduler)
  conn.on('data', (c: Buffer) => { order.push(`${name}:${c.length}`) })
  return { socket, conn }
}

describe('PacketSizeGuard tells an alarm-lane PUBLISH (read-scheduler.ts)', () => {
  it.each([['events', true], ['intercom', true], ['commands/ack', true], ['telemetry', false], ['status', false], ['rtc/up', false]])('%s → %s', (kind, alarm) => {
    const g = new PacketSizeGuard(262_144)
    expect(g.inspect(publish(kind as string))).toBeNull()
    expect(g.alarm).toBe(alarm)
  })

  it('finds the alarm behind telemetry in one chunk, and not in a chunk without one', () => {
    const g = new PacketSizeGuard(262_144)
    g.inspect(Buffer.concat([publish('telemetry'), publish('telemetry'), publish('events')]))
    expect(g.alarm).toBe(true)
    g.inspect(Buffer.concat([publish('telemetry'), mqttPacket.generate({ cmd: 'pingreq' })]))
    expect(g.alarm).toBe(false)
  })

  it('counts a PUBLISH whose topic is cut by the chunk as an alarm (cannot tell: first is safer), and its rest not again', () => {
    const g = new PacketSizeGuard(262_144)
    const p = publish('telemetry')
    g.inspect(p.subarray(0, 6))
    expect(g.alarm).toBe(true)
    g.inspect(p.subarray(6))
    expect(g.alarm).toBe(false)
  })
})

describe('ReadScheduler: device bytes in slices, alarms first', () => {
  it('parses nothing in the pass that reads; serves a connection holding an alarm before those queued earlier', async () => {
    const scheduler = new ReadScheduler({ connectionsPerSlice: 2 })
    const order: string[] = []
    const conns = ['t1', 't2', 't3', 't4', 'alarm'].map((n) => connection(n, scheduler, order))
    for (const [i, c] of conns.entries()) c.socket.write(publish(i === 4 ? 'events' : 'telemetry'))
    // the PassThrough hands its data over on a later tick; nothing is parsed before a slice runs
    await new Promise((resolve) => process.nextTick(resolve))
    expect(order).toEqual([])
    await immediate()
    await immediate()
    // first slice: the alarm, then the oldest telemetry; the rest in later slices, in arrival order
    const names = order.map((o) => o.split(':')[0])
    expect(names[0]).toBe('alarm')
    for (let i = 0; i < 10 && order.length < 5; i++) await immediate()
    expect(order.map((o) => o.split(':')[0])).toEqual(['alarm', 't1', 't2', 't3', 't4'])
    expect(scheduler.stats.urgentServed).toBe(1)
    expect(scheduler.stats.slices).toBeGreaterThanOrEqual(3)
    expect(scheduler.queuedBytes).toBe(0)
  })

  it("keeps one connection's bytes in order: its telemetry read before its alarm goes first with it", async () => {
    const scheduler = new ReadScheduler()
    const order: string[] = []
    const other = connection('other', scheduler, order)
    const c = connection('c', scheduler, order)
    other.socket.write(publish('telemetry', 'd2', 10))
    c.socket.write(publish('telemetry', 'd1', 11))
    c.socket.write(publish('events', 'd1', 12))
    for (let i = 0; i < 5; i++) await immediate()
    expect(order).toEqual([`c:${publish('telemetry', 'd1', 11).length}`, `c:${publish('events', 'd1', 12).length}`, `other:${publish('telemetry', 'd2', 10).length}`])
  })

  it('serves hundreds of connections in arrival order across slices (its queue grows and wraps)', async () => {
    const scheduler = new ReadScheduler({ connectionsPerSlice: 7 })
    const order: string[] = []
    const conns = Array.from({ length: 300 }, (_, i) => connection(`c${i}`, scheduler, order))
    // two rounds, so the ring wraps after it has grown
    for (let round = 0; round < 2; round++) {
      order.length = 0
      for (const [i, c] of conns.entries()) c.socket.write(publish(i === 150 ? 'events' : 'telemetry', `d${i}`))
      for (let i = 0; i < 200 && order.length < 300; i++) await immediate()
      const names = order.map((o) => o.split(':')[0])
      expect(names).toHaveLength(300)
      expect(new Set(names).size).toBe(300)
      // the alarm in the first slice it could be in; the rest in arrival order
      expect(names.indexOf('c150')).toBeLessThan(7)
      expect(names.filter((n) => n !== 'c150')).toEqual(conns.map((_, i) => `c${i}`).filter((n) => n !== 'c150'))
    }
    expect(scheduler.queuedBytes).toBe(0)
  })

  it('hands over the end in the connection\'s turn, after what was read before it, once', async () => {
    const scheduler = new ReadScheduler()
    const order: string[] = []
    const { socket, conn } = connection('c', scheduler, order)
    let ended = false
    conn.once('end', () => { ended = true; order.push('end') })
    socket.end(publish('events'))
    await new Promise((resolve) => process.nextTick(resolve))
    // read and ended, nothing handed over yet: both wait for the connection's turn
    expect(order).toEqual([])
    for (let i = 0; i < 5 && !ended; i++) await immediate()
    expect(order.map((o) => o.split(':')[0])).toEqual(['c', 'end'])
    // served at the front (it held an alarm); nothing left, nothing handed over twice or counted
    await immediate()
    expect(order).toHaveLength(2)
    expect(scheduler.stats.urgentServed).toBe(1)
    expect(scheduler.queuedBytes).toBe(0)
  })

  it('hands a storm of closed connections to aedes a slice at a time, the alarm of a connection still open first', async () => {
    const scheduler = new ReadScheduler({ connectionsPerSlice: 16 })
    const order: string[] = []
    const closing = Array.from({ length: 100 }, (_, i) => connection(`gone${i}`, scheduler, order))
    for (const [i, c] of closing.entries()) c.conn.once('close', () => { order.push(`closed${i}`) })
    const alarm = connection('alarm', scheduler, order)
    // a district's network cut: every socket closes in the same pass, then a fall arrives
    for (const c of closing) c.socket.destroy()
    alarm.socket.write(publish('events'))
    await new Promise((resolve) => process.nextTick(resolve))
    expect(order).toEqual([])
    const perTurn: number[] = []
    for (let i = 0; i < 20 && order.filter((o) => o.startsWith('closed')).length < 100; i++) {
      const before = order.length
      await immediate()
      perTurn.push(order.length - before)
    }
    // every close reached aedes, none twice, at most a slice's worth per turn, the fall in the first
    expect(order.filter((o) => o.startsWith('closed')).sort()).toEqual(closing.map((_, i) => `closed${i}`).sort())
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(16)
    expect(order.indexOf(order.find((o) => o.startsWith('alarm'))!)).toBe(0)
    expect(scheduler.stats.urgentServed).toBe(1)
  })

  it('pauses a reading connection past the queue bound and resumes it once its bytes are parsed; nothing is lost', async () => {
    const scheduler = new ReadScheduler({ maxQueuedBytes: 100, connectionsPerSlice: 1 })
    const order: string[] = []
    const a = connection('a', scheduler, order)
    const b = connection('b', scheduler, order)
    a.socket.write(publish('telemetry', 'd1', 200))
    b.socket.write(publish('telemetry', 'd2', 200))
    await new Promise((resolve) => process.nextTick(resolve))
    expect(scheduler.stats.paused).toBe(2)
    expect(a.socket.isPaused()).toBe(true)
    for (let i = 0; i < 6; i++) await immediate()
    expect(order.map((o) => o.split(':')[0])).toEqual(['a', 'b'])
    expect(a.socket.isPaused()).toBe(false)
    expect(b.socket.isPaused()).toBe(false)
    expect(scheduler.queuedBytes).toBe(0)
  })

  it('serves fewer connections a slice when each costs more: a slice keeps to its time budget, parsing included', async () => {
    const scheduler = new ReadScheduler({ connectionsPerSlice: 64, sliceBudgetMs: 3 })
    const n = 120
    let parsed = 0
    const busy = (ms: number): void => { const until = performance.now() + ms; while (performance.now() < until); }
    // a reader like aedes' (reads on 'readable', in the ticks after the slice) that spends 1 ms on each connection's bytes
    const sockets = Array.from({ length: n }, () => {
      const socket = new PassThrough()
      const conn = new GuardedConnection(socket, 262_144, () => {}, scheduler)
      conn.on('readable', () => { while (conn.read() !== null) { busy(1); parsed++ } })
      return socket
    })
    for (const [i, s] of sockets.entries()) s.write(publish('telemetry', `d${i}`))
    await new Promise((resolve) => process.nextTick(resolve))
    const perTurn: number[] = []
    for (let i = 0; i < 500 && parsed < n; i++) {
      const before = parsed
      await immediate()
      perTurn.push(parsed - before)
    }
    expect(parsed).toBe(n)
    // the first slice, its cost not known yet, serves up to the most; every later one what fits in
    // 3 ms at 1 ms or more a connection (the old fixed count would have served 64 a turn)
    const first = perTurn.findIndex((k) => k > 0)
    expect(perTurn[first]).toBe(64)
    expect(Math.max(...perTurn.slice(first + 1))).toBeLessThanOrEqual(3)
    expect(scheduler.costMs).toBeGreaterThanOrEqual(1)
    expect(scheduler.sliceSize).toBeLessThanOrEqual(3)
  })

  it('with a budget of 0 serves the fixed count a slice, whatever a connection costs', async () => {
    const scheduler = new ReadScheduler({ connectionsPerSlice: 5, sliceBudgetMs: 0 })
    const order: string[] = []
    const conns = Array.from({ length: 20 }, (_, i) => connection(`c${i}`, scheduler, order))
    for (const [i, c] of conns.entries()) c.socket.write(publish('telemetry', `d${i}`))
    await new Promise((resolve) => process.nextTick(resolve))
    const perTurn: number[] = []
    for (let i = 0; i < 20 && order.length < 20; i++) {
      const before = order.length
      await immediate()
      perTurn.push(order.length - before)
    }
    expect(perTurn.filter((k) => k > 0)).toEqual([5, 5, 5, 5])
    expect(scheduler.costMs).toBe(0)
  })

  it('refuses options that cannot work, saying which', () => {
    expect(() => new ReadScheduler({ sliceBudgetMs: -1 })).toThrow(/sliceBudgetMs must be a number of milliseconds ≥ 0, not -1/)
    expect(() => new ReadScheduler({ sliceBudgetMs: Number.NaN })).toThrow(/sliceBudgetMs must be a number/)
    expect(() => new ReadScheduler({ connectionsPerSlice: 0 })).toThrow(/connectionsPerSlice must be a positive integer/)
    expect(() => new ReadScheduler({ maxQueuedBytes: -1 })).toThrow(/maxQueuedBytes must be positive/)
  })
})
