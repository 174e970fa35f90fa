/**
 * The browser's end of one video call [P-3.8]: an RTCPeerConnection with this PC's camera and
 * microphone, signalled over socket.io (`call:signal`) through the platform to the intercom.
 * The browser always offers; candidates trickle once the offer is accepted; when the network
 * changes and ICE fails, the session offers again with an ICE restart.
 */
import type { CallAck, CallDto, CallSignalDto, CallStartDto, CallStatus, RtcIceCandidate } from '@eldercare/protocols'
import type { RealtimeSocket } from '../../../lib/socket.ts'

export type CallPhase = 'starting' | 'ringing' | 'connected' | 'reconnecting' | 'ended' | 'failed'

export interface CallSessionEvents {
  onPhase: (phase: CallPhase, detail?: string) => void
  onRemoteStream: (stream: MediaStream) => void
  onLocalStream: (stream: MediaStream) => void
  onCall: (call: CallDto) => void
}

const OVER: readonly CallStatus[] = ['ended', 'missed', 'failed']
/** How long an ICE connection may stay `disconnected` before the session restarts ICE. */
export const RESTART_AFTER_DISCONNECTED_MS = 2500

export class CallSession {
  private pc: RTCPeerConnection | null = null
  private local: MediaStream | null = null
  /** candidates found before the offer was accepted (the platform must know the call first) */
  private pending: Array<RtcIceCandidate | null> = []
  private offered = false
  private over = false
  private restartTimer: ReturnType<typeof setTimeout> | null = null
  private readonly detach: Array<() => void> = []

  constructor (readonly call: CallStartDto, private readonly socket: RealtimeSocket, private readonly events: CallSessionEvents) {}

  async start (): Promise<void> {
    this.events.onPhase('starting')
    const onSignal = (s: CallSignalDto) => { if (s.callId === this.call.id) void this.onSignal(s) }
    const onCall = (c: CallDto) => {
      if (c.id !== this.call.id) return
      this.events.onCall(c)
      if (OVER.includes(c.status)) this.finish(c.status === 'ended' ? 'ended' : 'failed', c.status)
    }
    this.socket.on('call:signal', onSignal)
    this.socket.on('call:updated', onCall)
    this.detach.push(() => { this.socket.off('call:signal', onSignal); this.socket.off('call:updated', onCall) })

    try {
      this.local = await navigator.mediaDevices.getUserMedia({ video: true, audio: true })
    } catch {
      // no camera or microphone (or refused): still see and hear the elder
      this.local = null
    }
    if (this.over) return
    if (this.local) this.events.onLocalStream(this.local)
    const pc = new RTCPeerConnection({ iceServers: this.call.iceServers as RTCIceServer[] })
    this.pc = pc
    if (this.local) for (const track of this.local.getTracks()) pc.addTrack(track, this.local)
    else {
      pc.addTransceiver('video', { direction: 'recvonly' })
      pc.addTransceiver('audio', { direction: 'recvonly' })
    }
    pc.ontrack = (e) => { this.events.onRemoteStream(e.streams[0] ?? new MediaStream([e.track])) }
    pc.onicecandidate = (e) => { this.candidate(e.candidate ? e.candidate.toJSON() : null) }
    pc.oniceconnectionstatechange = () => {
      const state = pc.iceConnectionState
      if (state === 'connected' || state === 'completed') { this.clearRestart(); this.events.onPhase('connected') }
      // the network changed under us (either side): offer again with fresh ICE credentials [P-3.8]
      else if (state === 'failed' && !this.over) { this.clearRestart(); this.events.onPhase('reconnecting'); void this.offer(true) }
      else if (state === 'disconnected' && !this.over) {
        this.events.onPhase('reconnecting')
        // 'disconnected' may heal by itself; when it lasts, restart rather than wait for 'failed'
        // (tens of seconds in Chromium) with the elder's picture frozen
        if (!this.restartTimer) {
          this.restartTimer = setTimeout(() => {
            this.restartTimer = null
            if (!this.over && pc.iceConnectionState === 'disconnected') void this.offer(true)
          }, RESTART_AFTER_DISCONNECTED_MS)
        }
      }
    }
    await this.offer(false)
    if (!this.over) this.events.onPhase('ringing')
  }

  /** Ends the call from this side. */
  hangUp (): void {
    if (this.over) return
    void this.send({ callId: this.call.id, type: 'hangup' })
    this.finish('ended')
  }

  private async offer (iceRestart: boolean): Promise<void> {
    const pc = this.pc
    if (!pc) return
    // candidates of this offer wait for it: sent before it, a restart's would reach the intercom
    // while it still holds the old ICE credentials, and be dropped
    this.offered = false
    await pc.setLocalDescription(await pc.createOffer({ iceRestart }))
    const ack = await this.send({ callId: this.call.id, type: 'offer', sdp: pc.localDescription!.sdp })
    if (!ack.ok) return this.finish('failed', ack.error.message)
    this.offered = true
    for (const c of this.pending.splice(0)) void this.send({ callId: this.call.id, type: 'candidate', candidate: c })
  }

  private candidate (c: RTCIceCandidateInit | null): void {
    const init: RtcIceCandidate | null = c ? { candidate: c.candidate ?? '', sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null } : null
    if (!this.offered) this.pending.push(init)
    else void this.send({ callId: this.call.id, type: 'candidate', candidate: init })
  }

  private async onSignal (s: CallSignalDto): Promise<void> {
    const pc = this.pc
    if (!pc || this.over) return
    if (s.type === 'answer' && s.sdp) await pc.setRemoteDescription({ type: 'answer', sdp: s.sdp })
    else if (s.type === 'candidate') await pc.addIceCandidate(s.candidate ?? undefined).catch(() => { /* a stale candidate after a restart */ })
    else if (s.type === 'hangup') this.finish('ended', s.reason)
  }

  private send (s: CallSignalDto): Promise<CallAck> {
    return new Promise((resolve) => {
      this.socket.timeout(10_000).emit('call:signal', s, (err: Error | null, ack: CallAck) => {
        resolve(err ? { ok: false, error: { code: 'PLT_ERR_TIMEOUT', message: 'the platform did not answer' } } : ack)
      })
    })
  }

  private clearRestart (): void {
    if (this.restartTimer) clearTimeout(this.restartTimer)
    this.restartTimer = null
  }

  private finish (phase: 'ended' | 'failed', detail?: string): void {
    if (this.over) return
    this.over = true
    this.clearRestart()
    for (const off of this.detach.splice(0)) off()
    this.pc?.close()
    for (const track of this.local?.getTracks() ?? []) track.stop()
    this.events.onPhase(phase, detail)
  }
}
