/**
 * A simulated video intercom that really streams [P-3.3][P-3.8]. It speaks the signalling
 * of `rtc/down`/`rtc/up` through a SimDevice of type `intercom` and answers with live media
 * (intercom-media.ts). The elder is played by methods: `callCentre()` presses the call
 * button, `accept()` takes a ringing care call, `hangUp()` ends the call.
 */
import type { IntercomType, RtcSignalDown, RtcSignalUp } from '@eldercare/protocols'
import { IntercomMedia, type IntercomMediaOptions } from './intercom-media.ts'
import type { SimDevice } from './sim-device.ts'

export interface SimIntercomOptions {
  /** Drawn on the picture: the resident's name. */
  label: string
  /** [P-3.3] A call nobody accepts (the elder a care call, the centre the elder's call) within this many ms is `call_missed`. Default 30000. */
  ringMs?: number
  /** With `autoAnswer` in the offer, how long the device rings before it answers, in ms. Default 1500. */
  autoAnswerAfterMs?: number
  /** Overrides for the media source (ffmpeg path, picture size, …). */
  media?: Omit<IntercomMediaOptions, 'label' | 'iceServers' | 'onCandidate' | 'onIceError'>
  /** Told of what goes wrong with a call (the simulator carries on). */
  onError?: (err: Error, callId: string) => void
}

export type SimCallState = 'requested' | 'ringing' | 'active' | 'ended'

export interface SimCall {
  callId: string
  /** `inbound`: the elder called the centre; `outbound`: a care call from the centre */
  direction: 'inbound' | 'outbound'
  state: SimCallState
  media?: IntercomMedia
  /** the offer that rings, until the call is accepted or missed */
  pendingOffer?: RtcSignalDown
  ringTimer?: NodeJS.Timeout
}

export class SimIntercom {
  readonly calls = new Map<string, SimCall>()
  private readonly unsubscribe: () => void
  private seq = 0
  private readonly waiters = new Set<() => void>()

  constructor (readonly device: SimDevice, private readonly opts: SimIntercomOptions) {
    this.unsubscribe = device.onRtc((s) => {
      this.onSignal(s).catch((err) => this.opts.onError?.(err as Error, s.callId))
    })
  }

  /** [P-3.3] The elder presses the call button; an offer with this callId means the centre answered. */
  async callCentre (): Promise<string> {
    const callId = `c-${this.device.id}-${Date.now().toString(36)}-${++this.seq}`
    const call: SimCall = { callId, direction: 'inbound', state: 'requested' }
    this.calls.set(callId, call)
    await this.device.intercom('call_request', callId)
    // [P-3.3] nobody at the centre answered within the ring time: the device gives up
    call.ringTimer = setTimeout(() => {
      if (call.state === 'requested') this.end(call, 'call_missed').catch((err) => this.opts.onError?.(err as Error, callId))
    }, this.opts.ringMs ?? 30_000)
    return callId
  }

  /** The elder accepts the ringing care call (the one given, or the only one ringing). */
  async accept (callId?: string): Promise<void> {
    const call = callId ? this.calls.get(callId) : [...this.calls.values()].find((c) => c.state === 'ringing')
    if (!call || call.state !== 'ringing' || !call.pendingOffer) throw new Error(`intercom ${this.device.id}: no ringing call${callId ? ` ${callId}` : ''}`)
    await this.answer(call, call.pendingOffer)
  }

  /** The elder ends the call [P-3.3]: `call_ended`. */
  async hangUp (callId?: string): Promise<void> {
    const call = callId ? this.calls.get(callId) : [...this.calls.values()].find((c) => c.state === 'active')
    if (!call || call.state === 'ended') return
    await this.end(call, 'call_ended')
  }

  /**
   * The intercom's network changes during the call (its link replaced): the media's sockets go
   * away and the centre's side must restart ICE [P-3.8]; the call itself stays active.
   */
  async networkChange (callId?: string): Promise<number> {
    const call = callId ? this.calls.get(callId) : [...this.calls.values()].find((c) => c.state === 'active')
    if (!call?.media || call.state !== 'active') throw new Error(`intercom ${this.device.id}: no active call${callId ? ` ${callId}` : ''}`)
    return call.media.dropNetwork()
  }

  /** The call, once it reaches `state` (tests and the demo wait on it). */
  async waitFor (state: SimCallState, timeoutMs = 20_000, callId?: string): Promise<SimCall> {
    const found = () => [...this.calls.values()].find((c) => c.state === state && (!callId || c.callId === callId))
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const call = found()
      if (call) return call
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`intercom ${this.device.id}: no call ${state} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const wake = () => { clearTimeout(timer); this.waiters.delete(wake); resolve() }
        const timer = setTimeout(wake, Math.min(left, 250))
        this.waiters.add(wake)
      })
    }
  }

  async close (): Promise<void> {
    this.unsubscribe()
    for (const call of this.calls.values()) {
      clearTimeout(call.ringTimer)
      await call.media?.close()
    }
    this.calls.clear()
  }

  private async onSignal (s: RtcSignalDown): Promise<void> {
    const call = this.calls.get(s.callId)
    switch (s.type) {
      case 'offer': {
        if (!call) return this.ring(s)
        if (call.state === 'requested') return this.answer(call, s) // the operator answered the elder's call
        if (call.state === 'active' && call.media) {
          // a renegotiation: the browser restarted ICE after its network changed
          const sdp = await call.media.renegotiate(s.sdp!)
          return this.send({ callId: call.callId, type: 'answer', sdp })
        }
        return this.send({ callId: s.callId, type: 'hangup', reason: 'busy' })
      }
      case 'candidate':
        await call?.media?.addCandidate(s.candidate ?? null)
        return
      case 'hangup':
        if (call && call.state !== 'ended') await this.end(call, 'call_ended')
        return
      case 'answer':
        return // the centre always offers [P-3.8]
    }
  }

  /** A care call from the centre: ring, and answer when accepted, at once if auto-answer, else miss it. */
  private ring (offer: RtcSignalDown): void {
    const call: SimCall = { callId: offer.callId, direction: 'outbound', state: 'ringing', pendingOffer: offer }
    this.calls.set(call.callId, call)
    this.changed()
    const ringMs = this.opts.ringMs ?? 30_000
    const autoMs = this.opts.autoAnswerAfterMs ?? 1500
    call.ringTimer = setTimeout(() => {
      if (call.state !== 'ringing') return
      const next = offer.autoAnswer ? this.answer(call, offer) : this.end(call, 'call_missed')
      next.catch((err) => this.opts.onError?.(err as Error, call.callId))
    }, offer.autoAnswer ? Math.min(autoMs, ringMs) : ringMs)
  }

  /** [P-3.8] Answers the offer with live media, then records `call_answered` [P-3.3]. */
  private async answer (call: SimCall, offer: RtcSignalDown): Promise<void> {
    clearTimeout(call.ringTimer)
    call.pendingOffer = undefined
    call.state = 'active'
    const media = new IntercomMedia({
      ...this.opts.media,
      label: this.opts.label,
      iceServers: offer.iceServers,
      onIceError: (err) => this.opts.onError?.(err, call.callId)
    })
    call.media = media
    try {
      const sdp = await media.answer(offer.sdp!)
      await this.send({ callId: call.callId, type: 'answer', sdp })
      await this.device.intercom('call_answered', call.callId)
    } catch (err) {
      await this.end(call, 'call_ended')
      await this.send({ callId: call.callId, type: 'hangup', reason: 'media_failed' }).catch(() => {})
      throw err
    } finally {
      this.changed()
    }
  }

  private async end (call: SimCall, type: Extract<IntercomType, 'call_ended' | 'call_missed'>): Promise<void> {
    clearTimeout(call.ringTimer)
    call.state = 'ended'
    this.changed()
    await call.media?.close()
    await this.device.intercom(type, call.callId)
  }

  private async send (s: Omit<RtcSignalUp, 'id' | 'ts'>): Promise<void> {
    await this.device.publish('rtc/up', { id: this.device.nextId('r'), ts: Date.now(), ...s }, 1)
  }

  private changed (): void {
    for (const wake of [...this.waiters]) wake()
  }
}
