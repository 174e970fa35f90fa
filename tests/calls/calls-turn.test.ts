/**
 * [P-3.8] A call through a real TURN relay (Debian's coturn, `use-auth-secret`): the platform is
 * configured with TURN_URLS and TURN_SECRET, gives each call credentials derived from the secret,
 * and the operator's peer, allowed relay candidates only, gets the intercom's video through coturn,
 * also after the intercom's network goes and ICE is restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallSignalDto, CallStartDto } from '@eldercare/protocols'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import { needs, needsAll } from '../support/requirements.ts'
import { needsCoturn, startCoturn, type CoturnServer } from '../support/coturn.ts'
import { eventually, seedHome, startTestPlatform, type TestPlatform } from '../support/platform.ts'
import { OperatorPeer, sendSignal } from '../support/operator-peer.ts'

const req = needsAll('calls through TURN', [needsCoturn(), needs('simulated intercom media', '/usr/bin/ffmpeg', 'ffmpeg')])

describe.skipIf(!req.ok)('[P-3.8] a care call relayed by coturn', () => {
  let turn: CoturnServer
  let p: TestPlatform

  beforeAll(async () => {
    turn = await startCoturn()
    p = await startTestPlatform({ TURN_URLS: turn.url, TURN_SECRET: turn.secret, TURN_TTL_S: '600' })
    await p.api.login()
  })

  afterAll(async () => {
    await p?.close()
    await turn?.stop()
  })

  it('gives per-call TURN credentials that coturn accepts, the video flows over relay candidates, and again after an ICE restart [P-3.8]', async () => {
    const home = await seedHome(p.api, { deviceType: 'intercom', name: 'turn' })
    const device = new SimDevice({ url: p.mqttUrl, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    const intercom = new SimIntercom(device, { label: 'turn', autoAnswerAfterMs: 200, media: { width: 320, height: 180, fps: 10 } })
    const socket = p.api.socket()
    let peer: OperatorPeer | null = null
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
      await eventually(async () => (await p.api.get(`/api/devices/${home.device.id}`)).online, 10_000, 'intercom online')
      await p.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: true })
      const started = await p.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
      expect(started.iceServers).toEqual([{ urls: [turn.url], username: expect.stringMatching(new RegExp(`^\\d+:${started.id}$`)), credential: expect.any(String) }])
      peer = new OperatorPeer({ iceServers: started.iceServers, relayOnly: true })
      const offer = await peer.offer()
      expect(offer).toMatch(/typ relay/)
      expect(offer).not.toMatch(/typ host/)
      const answered = new Promise<CallSignalDto>((resolve) => socket.on('call:signal', (s) => { if (s.type === 'answer') resolve(s) }))
      expect(await sendSignal(socket, { callId: started.id, type: 'offer', sdp: offer })).toEqual({ ok: true })
      await peer.accept((await answered).sdp!)
      await eventually(async () => peer!.videoPackets > 10, 20_000, 'video through the relay')

      // [P-3.8] the intercom's network goes; the ICE restart gathers relay candidates again and
      // the video comes back through coturn
      expect(await intercom.networkChange(started.id)).toBeGreaterThan(0)
      await eventually(async () => {
        const before = peer!.videoPackets
        await new Promise((resolve) => setTimeout(resolve, 1000))
        return peer!.videoPackets === before
      }, 10_000, 'the video stopped')
      const frozen = peer.videoPackets
      const reanswered = new Promise<CallSignalDto>((resolve) => socket.on('call:signal', (s) => { if (s.type === 'answer') resolve(s) }))
      const restart = await peer.offer({ iceRestart: true })
      expect(restart).toMatch(/typ relay/)
      expect(await sendSignal(socket, { callId: started.id, type: 'offer', sdp: restart })).toEqual({ ok: true })
      await peer.accept((await reanswered).sdp!)
      await eventually(async () => peer!.videoPackets > frozen + 10, 20_000, 'video through the relay after the ICE restart')
    } catch (err) {
      throw new Error(`${(err as Error).message}\ncoturn:\n${turn.logTail(30)}`)
    } finally {
      await peer?.pc.close()
      socket.close()
      await intercom.close()
      await device.close()
    }
  })
})
