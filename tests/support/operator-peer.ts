/**
 * The operator's end of a video call without a browser [P-3.8]: a werift peer that offers
 * video and audio and counts what the intercom sends, and the socket.io signal helper.
 * Browser tests use Chromium instead (tests/e2e/console-video-call.test.ts).
 */
import { RTCPeerConnection, type PeerConfig } from 'werift'
import { resumeIceAfterRestart } from '@eldercare/device-sim'
import type { Socket } from 'socket.io-client'
import type { CallAck, CallSignalDto, ClientToServerEvents, RtcIceServer, ServerToClientEvents } from '@eldercare/protocols'

export type OperatorSocket = Socket<ServerToClientEvents, ClientToServerEvents>

export class OperatorPeer {
  readonly pc: RTCPeerConnection
  videoPackets = 0
  audioPackets = 0
  /** `iceServers` as the platform gives them; `relayOnly`: TURN candidates only (iceTransportPolicy relay). */
  constructor (opts: { iceServers?: RtcIceServer[], relayOnly?: boolean } = {}) {
    const config: Partial<PeerConfig> = {
      iceServers: (opts.iceServers ?? []).flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]).map((urls) => ({ urls, username: s.username, credential: s.credential }))),
      ...(opts.relayOnly ? { iceTransportPolicy: 'relay' as const } : {})
    }
    this.pc = new RTCPeerConnection(config)
    this.pc.addTransceiver('video', { direction: 'sendrecv' })
    this.pc.addTransceiver('audio', { direction: 'sendrecv' })
    this.pc.onTrack.subscribe((t) => t.onReceiveRtp.subscribe(() => { if (t.kind === 'video') this.videoPackets++; else this.audioPackets++ }))
  }

  /** The offer, once ICE gathering is complete (it carries every candidate); `iceRestart`: new ICE credentials [P-3.8]. */
  async offer (opts: { iceRestart?: boolean } = {}): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: opts.iceRestart ?? false }))
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => this.pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') resolve() }))
    }
    return this.pc.localDescription!.sdp
  }

  /** Takes the intercom's answer; after an ICE restart also starts werift's checks (see resumeIceAfterRestart). */
  async accept (answerSdp: string): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp })
    resumeIceAfterRestart(this.pc)
  }
}

/** Emits a call signal and resolves with the platform's acknowledgement. */
export const sendSignal = (socket: OperatorSocket, s: CallSignalDto): Promise<CallAck> =>
  new Promise((resolve) => socket.emit('call:signal', s, resolve))
