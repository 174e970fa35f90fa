/**
 * [P-3.8] An ICE restart through the real signalling path: the streaming simulated intercom
 * (werift + Debian's ffmpeg) on MQTT rtc/up|down through aedes, the operator a werift peer on
 * socket.io through the embedded platform. Media flows; the intercom's network goes away (its
 * ICE sockets closed, as when its link is replaced) and the video stops; the operator offers
 * again with an ICE restart, as the console does when its ICE connection drops; the intercom
 * answers on the same peer connection from new sockets, and video and sound flow again on the
 * same call. The browser's side of it is tests/e2e/console-video-call.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallDto, CallSignalDto, CallStartDto } from '@eldercare/protocols'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import { eventually, nextEvent, seedHome, startTestPlatform, type SeededHome, type TestPlatform } from '../support/platform.ts'
import { needs } from '../support/requirements.ts'
import { OperatorPeer, sendSignal, type OperatorSocket } from '../support/operator-peer.ts'

const ffmpegReq = needs('simulated intercom media', '/usr/bin/ffmpeg', 'ffmpeg')

const ufrag = (sdp: string): string => /a=ice-ufrag:(\S+)/.exec(sdp)?.[1] ?? ''

/** Resolves once no packet has reached the peer for `quietMs` (the media has stopped). */
async function stalled (peer: OperatorPeer, quietMs: number, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const before = peer.videoPackets + peer.audioPackets
    await new Promise((resolve) => setTimeout(resolve, quietMs))
    return peer.videoPackets + peer.audioPackets === before
  }, timeoutMs, `no media at the operator for ${quietMs} ms`)
}

describe.skipIf(!ffmpegReq.ok)('[P-3.8] ICE restart after the intercom\'s network changes', () => {
  let p: TestPlatform
  let home: SeededHome
  let device: SimDevice
  let intercom: SimIntercom
  let socket: OperatorSocket
  let peer: OperatorPeer | null = null
  const intercomErrors: Error[] = []

  beforeAll(async () => {
    p = await startTestPlatform()
    await p.api.login()
    home = await seedHome(p.api, { deviceType: 'intercom', name: 'ice-restart' })
    device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    intercom = new SimIntercom(device, { label: '李爷爷 Li', autoAnswerAfterMs: 200, media: { width: 320, height: 180, fps: 10 }, onError: (err) => intercomErrors.push(err) })
    socket = p.api.socket()
    await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
    await eventually(async () => (await p.api.get(`/api/devices/${home.device.id}`)).online, 10_000, 'intercom online')
    await p.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: true })
  })

  afterAll(async () => {
    await peer?.pc.close()
    socket?.close()
    await intercom?.close()
    await device?.close()
    await p?.close()
  })

  /** Sends the operator's offer over socket.io and resolves with the intercom's answer from rtc/up. */
  async function offerAndAnswer (callId: string, sdp: string): Promise<CallSignalDto> {
    const answered = nextEvent(socket, 'call:signal', (s) => s.callId === callId && s.type === 'answer', 20_000)
    expect(await sendSignal(socket, { callId, type: 'offer', sdp })).toEqual({ ok: true })
    return answered
  }

  it('[P-3.8] video and sound flow, the intercom\'s network goes, an ICE restart is negotiated over socket.io and MQTT, and video and sound flow again on the same call', async () => {
    const started = await p.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
    peer = new OperatorPeer()
    const first = await offerAndAnswer(started.id, await peer.offer())
    await peer.accept(first.sdp!)
    await eventually(async () => peer!.videoPackets > 30 && peer!.audioPackets > 10, 20_000, 'the intercom\'s video and sound before the network change')
    await eventually(async () => (await p.api.get<CallDto>(`/api/calls/${started.id}`)).status === 'active', 10_000, 'call active')
    const media = intercom.calls.get(started.id)!.media!
    const portBefore = media.selectedLocalPort()
    expect(portBefore).toEqual(expect.any(Number))

    // the intercom's network goes away: nothing more reaches the operator on the old path
    expect(await intercom.networkChange(started.id)).toBeGreaterThan(0)
    await stalled(peer, 1000, 10_000)
    const frozen = { video: peer.videoPackets, audio: peer.audioPackets }

    // the operator's side offers again with new ICE credentials, through the platform and rtc/down
    const restartOffer = await peer.offer({ iceRestart: true })
    expect(ufrag(restartOffer)).not.toBe('')
    const second = await offerAndAnswer(started.id, restartOffer)
    expect(ufrag(second.sdp!)).not.toBe(ufrag(first.sdp!)) // the intercom restarted its ICE too
    await peer.accept(second.sdp!)

    await eventually(async () => peer!.videoPackets > frozen.video + 30 && peer!.audioPackets > frozen.audio + 10, 20_000, 'the intercom\'s video and sound after the ICE restart')
    const portAfter = media.selectedLocalPort()
    expect(portAfter).toEqual(expect.any(Number))
    expect(portAfter).not.toBe(portBefore) // a new path, from the intercom's new socket
    expect(intercom.calls.get(started.id)!.state).toBe('active')
    expect(intercomErrors).toEqual([])

    // the same call carried on; the restart is on its record
    const during = await p.api.get<CallDto>(`/api/calls/${started.id}`)
    expect(during.status).toBe('active')
    expect(during.events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ice_restart'])
    expect(during.events[2]).toMatchObject({ kind: 'ice_restart', by: 'admin' })

    expect(await sendSignal(socket, { callId: started.id, type: 'hangup' })).toEqual({ ok: true })
    await intercom.waitFor('ended', 10_000, started.id)
    const ended = await p.api.get<CallDto>(`/api/calls/${started.id}`)
    expect(ended.events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ice_restart', 'ended'])
  })
})
