/**
 * Calls over the real embedded platform (aedes over TCP, PGlite, socket.io) with the simulated
 * intercom that really streams (werift + Debian's ffmpeg): the operator's side is a socket.io
 * client with a werift peer of its own, so these tests need no browser. The browser test is
 * tests/e2e/console-video-call.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deviceTopic, isCallListDto, type CallDto, type CallStartDto } from '@eldercare/protocols'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import { connectDevice, subscribeGranted } from '../support/devices.ts'
import { eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { needs } from '../support/requirements.ts'
import { OperatorPeer, sendSignal, type OperatorSocket } from '../support/operator-peer.ts'

const ffmpegReq = needs('simulated intercom media', '/usr/bin/ffmpeg', 'ffmpeg')
const signal = sendSignal

describe.skipIf(!ffmpegReq.ok)('[P-3.8] calls between the centre and a streaming intercom', () => {
  let p: TestPlatform
  let home: SeededHome
  let device: SimDevice
  let intercom: SimIntercom
  let socket: OperatorSocket
  const peers: OperatorPeer[] = []

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'intercom', name: 'calls' })
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    intercom = new SimIntercom(device, { label: '王奶奶 Wang', ringMs: 8000, autoAnswerAfterMs: 300, media: { width: 320, height: 180, fps: 10 } })
    socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    await eventually(async () => (await p.api.get(`/api/devices/${home.device.id}`)).online, 10_000, 'intercom online')
  })

  afterEach(async () => {
    for (const peer of peers.splice(0)) await peer.pc.close()
  })

  afterAll(async () => {
    socket?.close()
    await intercom?.close()
    await device?.close()
    await p?.close()
  })

  /** Places the offer of a new operator peer on the call and waits for the intercom's answer. */
  async function connect (callId: string, beforeAnswer?: () => Promise<void>): Promise<OperatorPeer> {
    const peer = new OperatorPeer()
    peers.push(peer)
    const answered = nextEvent(socket, 'call:signal', (s) => s.callId === callId && s.type === 'answer', 20_000)
    expect(await signal(socket, { callId, type: 'offer', sdp: await peer.offer() })).toEqual({ ok: true })
    await beforeAnswer?.()
    const answer = await answered
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp! })
    return peer
  }

  it('[P-3.8] a care call: the offer reaches the intercom, it rings, the elder accepts, video and sound flow, the call is on the resident\'s record', async () => {
    const started = await p.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
    expect(started).toMatchObject({ status: 'ringing', direction: 'outbound', deviceId: home.device.id, residentId: home.residentId, autoAnswer: false, iceServers: [] })
    const peer = await connect(started.id, async () => {
      const ringing = await intercom.waitFor('ringing', 10_000, started.id)
      expect(ringing.direction).toBe('outbound')
      await intercom.accept(started.id)
    })
    await eventually(async () => peer.videoPackets > 30 && peer.audioPackets > 10, 20_000, 'the intercom\'s video and sound at the operator')
    const active = await eventually(async () => { const c = await p.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'active' && c }, 10_000, 'call active')
    expect(active).toMatchObject({ startedBy: 'admin', answeredBy: null }) // the resident answered a care call
    // the operator's camera reaches the intercom too
    const media = intercom.calls.get(started.id)!.media!
    expect(media.counters.videoPacketsOut).toBeGreaterThan(30)

    expect(await signal(socket, { callId: started.id, type: 'hangup' })).toEqual({ ok: true })
    await intercom.waitFor('ended', 10_000, started.id)
    const ended = await p.api.get<CallDto>(`/api/calls/${started.id}`)
    expect(ended.status).toBe('ended')
    expect(ended.durationS).toBeGreaterThanOrEqual(0)
    expect(ended.events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ended'])
    expect(ended.events[0].by).toBe('admin')
    expect(ended.events[2]).toMatchObject({ by: 'admin', data: { reason: 'operator_hangup' } })
    const listed = await p.api.get<{ items: CallDto[] }>(`/api/residents/${home.residentId}/calls`)
    expect(listed.items.map((c) => c.id)).toContain(started.id)
    expect(isCallListDto.problem(listed)).toBeNull() // what the console's call history admits
  })

  it('a completed care call is recorded as a visit of method video_call in one step, once', async () => {
    const { items } = await p.api.get<{ items: CallDto[] }>(`/api/residents/${home.residentId}/calls`)
    const done = items.find((c) => c.status === 'ended' && c.answeredAt)!
    const r = await p.api.post(`/api/calls/${done.id}/visit`, { outcome: 'well', notes: '精神不错' })
    expect(r).toMatchObject({ planned: false, incidentId: null, call: { visitId: r.visitId } })
    const visit = await p.api.get(`/api/visits/${r.visitId}`)
    expect(visit).toMatchObject({ residentId: home.residentId, status: 'done', outcome: 'well', recordedBy: 'admin' })
    const { rows } = await p.db.query<{ method: string, call_id: string }>('select method, call_id from visits where id = $1', [r.visitId])
    expect(rows[0]).toEqual({ method: 'video_call', call_id: done.id })
    await expect(p.api.post(`/api/calls/${done.id}/visit`, { outcome: 'well' })).rejects.toMatchObject({ status: 409, body: { error: { code: 'PLT_ERR_CALL_VISIT_RECORDED' } } })
  })

  it('outbound ring → auto-answer for a resident who cannot press a button; the elder\'s hang-up ends it [P-3.3]', async () => {
    await p.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: true })
    const started = await p.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
    expect(started.autoAnswer).toBe(true)
    const peer = await connect(started.id) // nobody presses anything
    expect(intercom.calls.get(started.id)!.direction).toBe('outbound')
    await eventually(async () => peer.videoPackets > 10, 20_000, 'video after auto-answer')
    const active = await eventually(async () => { const c = await p.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'active' && c }, 10_000, 'call active')
    expect(active.events.find((e) => e.kind === 'answered')).toMatchObject({ by: null, data: { answeredBy: 'auto' } })
    await intercom.hangUp(started.id)
    const ended = await eventually(async () => { const c = await p.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'ended' && c }, 10_000, 'call ended by the device')
    expect(ended.events.at(-1)).toMatchObject({ kind: 'ended', by: null, data: { reason: 'device_hangup' } })
    await p.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: false })
  })

  it('a care call nobody accepts is missed [P-3.3]', async () => {
    const started = await p.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
    const peer = new OperatorPeer()
    peers.push(peer)
    expect(await signal(socket, { callId: started.id, type: 'offer', sdp: await peer.offer() })).toEqual({ ok: true })
    const missed = await eventually(async () => { const c = await p.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'missed' && c }, 20_000, 'call missed')
    expect(missed.events.map((e) => e.kind)).toEqual(['ringing', 'missed'])
    expect(missed.durationS).toBeNull()
  })

  it('[P-3.3] the elder calls, the operator answers with video from the incident, and the call\'s events are on its timeline', async () => {
    const opened = nextEvent(socket, 'incident:opened', (i) => i.deviceId === home.device.id, 10_000)
    const callId = await intercom.callCentre()
    const incident = await opened
    const started = await p.api.post<CallStartDto>(`/api/incidents/${incident.id}/call`)
    expect(started).toMatchObject({ direction: 'inbound', incidentId: incident.id, status: 'ringing' })
    const peer = await connect(started.id)
    expect(intercom.calls.get(callId)!.state).toBe('active')
    await eventually(async () => peer.videoPackets > 10, 20_000, 'video of the elder')
    await eventually(async () => (await p.api.get<CallDto>(`/api/calls/${started.id}`)).status === 'active', 10_000, 'call active')
    expect(await signal(socket, { callId: started.id, type: 'hangup' })).toEqual({ ok: true })
    const detail = await eventually(async () => {
      const d = await p.api.get(`/api/incidents/${incident.id}`)
      return d.timeline.some((t: { kind: string }) => t.kind === 'call_ended') && d
    }, 10_000, 'call_ended on the timeline')
    const kinds = detail.timeline.map((t: { kind: string }) => t.kind)
    expect(kinds).toEqual(expect.arrayContaining(['intercom_call_request', 'call_answered', 'call_ended']))
    const endEntry = detail.timeline.find((t: { kind: string }) => t.kind === 'call_ended')
    expect(endEntry.actor).toBe('admin')
    expect(endEntry.data).toMatchObject({ callId: started.id, reason: 'operator_hangup' })
    expect(typeof endEntry.data.durationS).toBe('number')
  })

  it('refuses a malformed signal, a call outside the caller\'s signalling, and an offer on an ended call', async () => {
    expect(await signal(socket, { callId: 'x', type: 'offer' as const, sdp: 'short' })).toMatchObject({ ok: false, error: { code: 'PLT_ERR_VALIDATION' } })
    expect(await signal(socket, { callId: 'call-none', type: 'hangup' })).toMatchObject({ ok: false, error: { code: 'PLT_ERR_NOT_FOUND' } })
    const { items } = await p.api.get<{ items: CallDto[] }>(`/api/residents/${home.residentId}/calls`)
    expect(await signal(socket, { callId: items[0].id, type: 'hangup' })).toMatchObject({ ok: false, error: { code: 'PLT_ERR_CALL_OVER' } })
  })

  it('[P-2.5][P-3.8] an intercom subscribes to its own rtc/down only, and a bad rtc/up is answered on errors', async () => {
    const other = await seedHome(p.api, { deviceType: 'intercom' })
    const raw = await connectDevice(p.mqttUrl, other.device)
    expect(await subscribeGranted(raw.client, [deviceTopic(other.device.id, 'rtc/down'), deviceTopic(home.device.id, 'rtc/down')])).toEqual([1, 128])
    await raw.client.publishAsync(deviceTopic(other.device.id, 'rtc/up'), JSON.stringify({ id: 'r-1', ts: Date.now(), callId: 'c-1', type: 'answer' }), { qos: 1 })
    await eventually(async () => raw.errors.find((e) => e.ref === 'r-1'), 5000, 'the answer on errors')
    expect(raw.errors.find((e) => e.ref === 'r-1')).toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('sdp') })
    await raw.end()
  })
})
