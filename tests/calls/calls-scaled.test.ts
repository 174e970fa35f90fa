/**
 * [P-3.8] Calls in scaled mode on real servers: the intercom is connected to a standalone
 * gateway, the operator to another platform node; PostgreSQL and Redis join them. The offer
 * crosses Redis to the device's broker, the device's answer is relayed back and reaches the
 * operator's browser exactly once, and the call's events are recorded once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallDto, CallSignalDto, CallStartDto } from '@eldercare/protocols'
import { SimDevice, SimIntercom } from '@eldercare/device-sim'
import { needs, needsAll } from '../support/requirements.ts'
import { needsPostgres } from '../support/postgres.ts'
import { needsRedis } from '../support/redis.ts'
import { startCluster, type TestCluster } from '../support/cluster.ts'
import { eventually, seedHome, type TestPlatform } from '../support/platform.ts'
import { OperatorPeer, sendSignal } from '../support/operator-peer.ts'

const req = needsAll('calls in scaled mode', [needsPostgres(), needsRedis(), needs('simulated intercom media', '/usr/bin/ffmpeg', 'ffmpeg')])

describe.skipIf(!req.ok)('[P-3.8] a care call across nodes joined by PostgreSQL and Redis', () => {
  let cluster: TestCluster
  let nodeA: TestPlatform
  let nodeB: TestPlatform
  let edgePort: number

  beforeAll(async () => {
    cluster = await startCluster('calls')
    ;({ nodeA, nodeB, edgePort } = cluster)
  })

  afterAll(async () => {
    await cluster?.stop()
  })

  it('the offer reaches the intercom on the standalone gateway, its answer reaches the operator on node B once, media flows', async () => {
    await nodeA.api.login()
    await nodeB.api.login()
    const home = await seedHome(nodeA.api, { deviceType: 'intercom', name: 'scaled-call' })
    const device = new SimDevice({ url: `mqtt://127.0.0.1:${edgePort}`, credentials: { ...home.device, type: 'intercom' } })
    await device.connect()
    const intercom = new SimIntercom(device, { label: 'scaled', autoAnswerAfterMs: 200, media: { width: 320, height: 180, fps: 10 } })
    const socket = nodeB.api.socket()
    const peer = new OperatorPeer()
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject) })
      await eventually(async () => (await nodeB.api.get(`/api/devices/${home.device.id}`)).online, 10_000, 'intercom online')
      await nodeB.api.request('PUT', `/api/residents/${home.residentId}/call-settings`, { autoAnswer: true })
      const started = await nodeB.api.post<CallStartDto>(`/api/residents/${home.residentId}/calls`, {})
      const answers: CallSignalDto[] = []
      socket.on('call:signal', (s) => { if (s.type === 'answer') answers.push(s) })
      expect(await sendSignal(socket, { callId: started.id, type: 'offer', sdp: await peer.offer() })).toEqual({ ok: true })
      await eventually(async () => answers.length > 0, 20_000, 'the intercom\'s answer at node B')
      await peer.pc.setRemoteDescription({ type: 'answer', sdp: answers[0].sdp! })
      await eventually(async () => peer.videoPackets > 10, 20_000, 'video across the cluster')
      const active = await eventually(async () => { const c = await nodeA.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'active' && c }, 10_000, 'active on node A too')
      expect(answers).toHaveLength(1) // two platform nodes heard it; the browser got it once
      expect(active.events.map((e) => e.kind)).toEqual(['ringing', 'answered'])
      await intercom.hangUp(started.id)
      const ended = await eventually(async () => { const c = await nodeB.api.get<CallDto>(`/api/calls/${started.id}`); return c.status === 'ended' && c }, 10_000, 'ended')
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect((await nodeA.api.get<CallDto>(`/api/calls/${started.id}`)).events.map((e) => e.kind)).toEqual(['ringing', 'answered', 'ended'])
      expect(ended.durationS).toBeGreaterThanOrEqual(0)
    } finally {
      await peer.pc.close()
      socket.close()
      await intercom.close()
      await device.close()
    }
  })
})
