/**
 * The alarm's way from PUBLISH to `incident:opened` (issue 11, "the incident engine wakes on an
 * alarm at once; the announcement follows its commit directly"), on the real stack: MQTT over TCP
 * into aedes, PGlite in its worker thread, socket.io to an operator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IncidentDto } from '@eldercare/protocols'
import type { SimDevice } from '@eldercare/device-sim'
import { metricValue } from '../bench/alarms/bench.ts'
import { nextEvent, seedFallingHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'

let p: TestPlatform
const homes: SeededHome[] = []
const devices: SimDevice[] = []

beforeAll(async () => {
  // The engine's safety-net poll once an hour: only the inbox commit can wake it in this test.
  p = await startTestPlatform({}, { app: { engine: { pollIntervalMs: 3_600_000 } } })
  await p.api.login()
  for (let i = 0; i < 12; i++) {
    const { home, device } = await seedFallingHome(p)
    homes.push(home)
    devices.push(device)
  }
})

afterAll(async () => {
  for (const d of devices) await d.close()
  await p?.close()
})

describe('the alarm path', () => {
  it('[P-4.1] the engine is woken by the inbox commit, not by its poll: with the poll at one hour a fall reaches the console at once', async () => {
    const socket = await p.api.connectedSocket()
    try {
      const opened = nextEvent(socket, 'incident:opened', (i) => i.deviceId === homes[0].device.id, 5000)
      const started = Date.now()
      await devices[0].event('fall', { confidence: 0.9 })
      const live = await opened
      // generous: far below the hour-long poll, and no timed assertion beyond that
      expect(Date.now() - started).toBeLessThan(5000)
      // the announcement read in the engine's transaction is the incident as the API reads it
      const { id: _id, ...rest } = live
      const read = await p.api.get<IncidentDto>(`/api/incidents/${live.id}`)
      expect(read).toMatchObject({ ...rest, id: live.id })
      // and it was marked announced (the late-announcement sweep leaves it alone)
      await expect.poll(async () => (await p.db.query<{ announced_at: Date | null }>('select announced_at from incidents where id = $1', [live.id])).rows[0].announced_at)
        .not.toBeNull()
    } finally {
      socket.close()
    }
  })

  it('each fall is told once, even with the late-announcement sweep running on every opening at once', async () => {
    const socket = await p.api.connectedSocket()
    const seen = new Map<string, number>()
    socket.on('incident:opened', (i) => { if (i.deviceId) seen.set(i.deviceId, (seen.get(i.deviceId) ?? 0) + 1) })
    // the sweep with no grace period, in a tight loop, while eleven falls open their incidents
    let sweeping = true
    const sweeps = (async () => {
      let n = 0
      while (sweeping) { n += await p.app.response.effects.announceMissed(0); await new Promise((r) => setImmediate(r)) }
      return n
    })()
    try {
      await Promise.all(devices.slice(1).map((d) => d.event('fall', { confidence: 0.9 })))
      await expect.poll(() => homes.slice(1).every((h) => seen.has(h.device.id)), { timeout: 10_000 }).toBe(true)
      await new Promise((r) => setTimeout(r, 500)) // a second announcement would come now
    } finally {
      sweeping = false
      await sweeps
      socket.close()
    }
    for (const h of homes.slice(1)) expect(seen.get(h.device.id), h.device.id).toBe(1)
  })

  it('[issue 11] on the embedded database the engine\'s claim is queued behind a fall\'s insert: posted before the commit is answered, one claim per fall, none empty', async () => {
    // What happens for one fall at a time: when the engine hands its claim to the database, what
    // the claim took, and when the gateway announces the committed row. A wrapper around the real
    // PGlite Db notes the claim statement as the engine hands it over (the Db runs unchanged).
    const fresh: SeededHome[] = []
    const fallers: SimDevice[] = []
    for (let i = 0; i < 3; i++) {
      const { home, device } = await seedFallingHome(p)
      fresh.push(home)
      fallers.push(device)
      devices.push(device) // closed after all
    }
    const log: string[] = []
    const onNotice = (n: { deviceId: string }) => { log.push(`notice ${n.deviceId}`) }
    p.gateway.prependListener('inbox', onNotice) // before the wiring's own listener, which may wake the engine
    const db = p.db
    const transaction = db.transaction
    db.transaction = ((fn, opts) => transaction.call(db, (tx) => fn(new Proxy(tx, {
      get (t, k) {
        const v = Reflect.get(t, k)
        if (k !== 'query') return typeof v === 'function' ? v.bind(t) : v
        return (sql: string, ...rest: unknown[]) => {
          const r = (v as (...a: unknown[]) => Promise<{ rows: Array<{ device_id: string }> }>).call(t, sql, ...rest)
          if (/^\s*with claimed as/.test(sql)) {
            log.push('claim posted')
            r.then((x) => { log.push(x.rows.length === 0 ? 'empty claim' : `claimed ${x.rows.map((row) => row.device_id).join(',')}`) }, () => {})
          }
          return r
        }
      }
    })), opts)) as typeof db.transaction
    const socket = await p.api.connectedSocket()
    try {
      for (const i of [0, 1, 2]) {
        const opened = nextEvent(socket, 'incident:opened', (x) => x.deviceId === fresh[i].device.id, 5000)
        log.push(`fall ${i}`)
        await fallers[i].event('fall', { confidence: 0.9 })
        await opened
        await new Promise((r) => setTimeout(r, 100)) // a second, empty claim would come by now
      }
    } finally {
      db.transaction = transaction
      p.gateway.off('inbox', onNotice)
      socket.close()
    }
    for (const i of [0, 1, 2]) {
      const id = fresh[i].device.id
      const from = log.indexOf(`fall ${i}`)
      const part = log.slice(from + 1, i < 2 ? log.indexOf(`fall ${i + 1}`) : undefined)
      // one claim, which took this fall's row, posted before the row's commit was announced
      expect([...part].sort(), log.join(' | ')).toEqual(['claim posted', `claimed ${id}`, `notice ${id}`].sort())
      expect(part.indexOf('claim posted'), log.join(' | ')).toBeLessThan(part.indexOf(`notice ${id}`))
    }
  })

  it('/metrics shows where the alarms\' time went: each stage of the path, in order', async () => {
    const text = await (await fetch(`${p.httpUrl}/metrics`)).text()
    const stage = (s: string) => metricValue(text, 'eldercare_alarm_path_seconds_count', { stage: s })
    for (const s of ['inbox_committed', 'engine_claimed', 'engine_committed', 'emitted']) expect(stage(s), s).toBeGreaterThanOrEqual(12)
    const mean = (s: string) => metricValue(text, 'eldercare_alarm_path_seconds_sum', { stage: s })! / stage(s)!
    expect(mean('inbox_committed')).toBeLessThanOrEqual(mean('engine_claimed'))
    expect(mean('engine_claimed')).toBeLessThanOrEqual(mean('engine_committed'))
    expect(mean('engine_committed')).toBeLessThanOrEqual(mean('emitted'))
    expect(metricValue(text, 'eldercare_db_statements_total', { lane: 'alarm' })).toBeGreaterThan(0)
  })
})
