/**
 * Calls between the centre and residents' intercoms [P-3.3][P-3.8]: relays WebRTC signalling
 * between the operator's browser (socket.io) and the device (MQTT via the gateway), and keeps
 * each call's record — ringing, answered, ended, duration, who — on the resident's record and,
 * when the call belongs to an incident, on its timeline. No media passes through here.
 *
 * The lifecycle follows the device's durable `intercom` events (call_request, call_answered,
 * call_ended, call_missed); the browser's hangup and the ringing timeout end a call too.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { CallDto, CallSignalDto, CallStartDto, CallStatus, RtcSignalDown, RtcSignalUp } from '@eldercare/protocols'
import type { Queryable } from '../../db/db.ts'
import { errors } from '../../errors.ts'
import { CallRepository, type CallRow } from './repository.ts'
import { iceServersFor, type TurnConfig } from './turn.ts'

/** How calls reach devices and hear from them: the gateway (in every node that runs one). */
export interface CallTransport {
  /** [P-3.8] publish on the device's rtc/down */
  publishRtc (deviceId: string, signal: RtcSignalDown): Promise<void>
  /** [P-3.8] each signal a device sent on rtc/up */
  onRtc (fn: (n: { deviceId: string, signal: RtcSignalUp }) => void): void
  /** [P-3.3] each new intercom event recorded in the inbox */
  onIntercom (fn: (n: { deviceId: string, msgId: string, type: string }) => void): void
}

export interface CallServiceOptions {
  turn: TurnConfig
  /** A call nobody answered within this many ms is `missed`. Default 60000 (devices give up at 30 s). */
  ringTimeoutMs?: number
  /** Shown or said by the device on a care call. Default 社区服务中心. */
  callerLabel?: string
  now: () => number
}

export interface Caller { id: string, username: string, areaPath: string }

const ACTIVE: CallStatus[] = ['ringing', 'active']
/** Bound of the offers remembered (calls in progress on this node are far fewer). */
const MAX_REMEMBERED_OFFERS = 10_000

export class CallService {
  readonly repo: CallRepository
  private readonly now: () => number
  /** the ICE ufrag of the last offer relayed per call, to tell an ICE restart [P-3.8] */
  private readonly offerUfrags = new Map<string, string>()

  constructor (private readonly app: FastifyInstance, private readonly transport: CallTransport | null, private readonly opts: CallServiceOptions, private readonly log: FastifyBaseLogger) {
    this.repo = new CallRepository(app.db)
    this.now = opts.now
  }

  /** Starts listening to the devices (a node without a gateway only serves the REST side). */
  listen (): void {
    this.transport?.onRtc((n) => { this.fromDevice(n.deviceId, n.signal).catch((err) => this.log.warn({ err, deviceId: n.deviceId }, 'rtc signal not relayed')) })
    this.transport?.onIntercom((n) => { this.onIntercom(n.deviceId, n.msgId, n.type).catch((err) => this.log.warn({ err, deviceId: n.deviceId }, 'intercom event not applied to its call')) })
  }

  /** `POST /api/residents/:id/calls`: a care call ("爱的眼睛") to the resident's intercom. */
  async startCareCall (user: Caller, residentId: string, input: { deviceId?: string, incidentId?: string }): Promise<CallStartDto> {
    const resident = await this.repo.residentInScope(residentId, user.areaPath)
    if (!resident) throw errors.NOT_FOUND('resident')
    const device = await this.repo.intercomFor(residentId, input.deviceId)
    if (!device) throw errors.NO_INTERCOM(input.deviceId ? `device ${input.deviceId} is not an intercom of this resident or their home` : 'this resident has no intercom to call')
    if (!device.online) throw errors.DEVICE_OFFLINE(device.id)
    if (input.incidentId) await this.app.incidents.get(input.incidentId, user.areaPath)
    this.requireTransport()
    const id = `call-${randomUUID()}`
    const autoAnswer = await this.repo.autoAnswer(residentId)
    const at = new Date(this.now())
    await this.app.db.transaction(async (tx) => {
      await this.repo.insert(tx, { id, direction: 'outbound', deviceId: device.id, deviceCallId: id, residentId, incidentId: input.incidentId ?? null, autoAnswer, startedBy: user.id, at })
      await this.record(tx, id, 'ringing', at, user, { direction: 'outbound', deviceId: device.id, autoAnswer })
      await this.app.audit.write({ userId: user.id, username: user.username, action: 'call.start', targetType: 'resident', targetId: residentId, data: { callId: id, deviceId: device.id, autoAnswer }, areaPath: user.areaPath }, tx)
    })
    return this.startDto(id, user.areaPath)
  }

  /** `POST /api/incidents/:id/call`: the operator answers the elder's call with video. */
  async answerIncidentCall (user: Caller, incidentId: string): Promise<CallStartDto> {
    const incident = await this.app.incidents.get(incidentId, user.areaPath)
    const request = await this.repo.callRequestOf(incident.id)
    if (!request) throw errors.NO_CALL()
    this.requireTransport()
    let call = await this.repo.byDeviceCall(request.deviceId, request.callId)
    if (!call) {
      // the elder's call_request is known to the incident but not yet here (another node took it)
      await this.app.db.transaction(async (tx) => {
        const residentId = await this.repo.residentOfDevice(request.deviceId, tx)
        if (await this.repo.insert(tx, { id: `call-${randomUUID()}`, direction: 'inbound', deviceId: request.deviceId, deviceCallId: request.callId, residentId, incidentId: incident.id, autoAnswer: false, startedBy: null, at: new Date(request.at) })) {
          const created = (await this.repo.byDeviceCall(request.deviceId, request.callId, tx))!
          await this.record(tx, created.id, 'ringing', new Date(request.at), null, { direction: 'inbound', deviceId: request.deviceId })
        }
      })
      call = (await this.repo.byDeviceCall(request.deviceId, request.callId))!
    }
    if (!ACTIVE.includes(call.status)) throw errors.CALL_OVER(call.status)
    if (call.answered_by && call.answered_by !== user.id) throw errors.CALL_TAKEN('another operator has answered this call')
    await this.app.db.transaction(async (tx) => {
      await this.repo.update(tx, call.id, { incidentId: incident.id, answeredBy: user.id })
      await this.app.audit.write({ userId: user.id, username: user.username, action: 'call.answer', targetType: 'incident', targetId: incident.id, data: { callId: call.id }, areaPath: user.areaPath }, tx)
    })
    return this.startDto(call.id, user.areaPath)
  }

  async get (id: string, scopePath: string): Promise<CallDto> {
    const row = await this.repo.get(id, scopePath)
    if (!row) throw errors.NOT_FOUND('call')
    return this.repo.dto(row)
  }

  /**
   * [P-3.8] A signal from the operator's browser, for the device. Only the operator who placed
   * or answered the call may signal on it; a hangup ends the call at once.
   */
  async fromBrowser (user: Caller, s: CallSignalDto, authorized: (call: CallRow) => void = () => {}): Promise<CallRow> {
    const call = await this.repo.get(s.callId, user.areaPath)
    if (!call) throw errors.NOT_FOUND('call')
    if (!ACTIVE.includes(call.status)) throw errors.CALL_OVER(call.status)
    const mine = call.direction === 'outbound' ? call.started_by === user.id : call.answered_by === user.id
    if (!mine) throw errors.CALL_TAKEN('only the operator on this call may signal on it')
    this.requireTransport()
    authorized(call)
    const signal: RtcSignalDown = { id: `sig-${randomUUID()}`, ts: this.now(), callId: call.device_call_id, type: s.type }
    if (s.sdp !== undefined) signal.sdp = s.sdp
    if (s.candidate !== undefined) signal.candidate = s.candidate
    if (s.reason !== undefined) signal.reason = s.reason
    if (s.type === 'offer') {
      signal.iceServers = iceServersFor(this.opts.turn, call.id, this.now())
      if (call.direction === 'outbound') {
        signal.autoAnswer = call.auto_answer
        signal.caller = this.opts.callerLabel ?? '社区服务中心'
      }
    }
    await this.transport!.publishRtc(call.device_id, signal)
    if (s.type === 'offer') await this.noteOffer(call, s.sdp!, user)
    if (s.type === 'hangup') await this.end(call, 'ended', user, s.reason ?? 'operator_hangup')
    return call
  }

  /**
   * [P-3.8] An offer with new ICE credentials on an answered call is an ICE restart: the
   * operator's browser lost the media path (a network change on either side) and renegotiates
   * on the same call. It is recorded (`ice_restart`; on the incident's timeline too) so that a
   * gap in the picture is explained. The last offer's ufrag is remembered in this process
   * (the operator's socket, hence all its offers, stays on one node).
   */
  private async noteOffer (call: CallRow, sdp: string, user: Caller): Promise<void> {
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1] ?? ''
    const previous = this.offerUfrags.get(call.id)
    this.offerUfrags.delete(call.id) // re-inserted last: the map keeps the newest calls
    this.offerUfrags.set(call.id, ufrag)
    if (this.offerUfrags.size > MAX_REMEMBERED_OFFERS) this.offerUfrags.delete(this.offerUfrags.keys().next().value!)
    if (call.status !== 'active' || previous === ufrag) return
    await this.app.db.transaction(async (tx) => {
      await this.record(tx, call.id, 'ice_restart', new Date(this.now()), user)
    })
    await this.announce(call.id)
  }

  /** [P-3.8] A signal from the device (its answer, candidates, hangup), for the browser on the call. */
  private async fromDevice (deviceId: string, signal: RtcSignalUp): Promise<void> {
    const call = await this.repo.byDeviceCall(deviceId, signal.callId)
    if (!call || !ACTIVE.includes(call.status)) return
    const out: CallSignalDto = { callId: call.id, type: signal.type }
    if (signal.sdp !== undefined) out.sdp = signal.sdp
    if (signal.candidate !== undefined) out.candidate = signal.candidate
    if (signal.reason !== undefined) out.reason = signal.reason
    // Every node hears the device's signal (the gateways relay it in scaled mode), so each tells
    // only its own sockets; through the Redis adapter the browser would get it once per node.
    this.app.realtime.io.local.to(callRoom(call.id)).emit('call:signal', out)
    // the device refused or could not take the call (busy, declined, media_failed)
    if (signal.type === 'hangup') await this.end(call, call.status === 'ringing' ? 'failed' : 'ended', null, signal.reason ?? 'device_hangup')
  }

  /** [P-3.3] The device's durable call events move the call on. */
  private async onIntercom (deviceId: string, msgId: string, type: string): Promise<void> {
    const ev = await this.repo.inboxIntercom(deviceId, msgId)
    if (!ev) return
    const at = new Date(ev.receivedAt)
    if (type === 'call_request') {
      await this.app.db.transaction(async (tx) => {
        const residentId = await this.repo.residentOfDevice(deviceId, tx)
        const id = `call-${randomUUID()}`
        if (await this.repo.insert(tx, { id, direction: 'inbound', deviceId, deviceCallId: ev.callId, residentId, incidentId: ev.incidentId, autoAnswer: false, startedBy: null, at })) {
          await this.record(tx, id, 'ringing', at, null, { direction: 'inbound', deviceId })
        }
      })
      return
    }
    const call = await this.repo.byDeviceCall(deviceId, ev.callId)
    if (!call) return
    if (!call.incident_id && ev.incidentId) await this.repo.update(this.app.db, call.id, { incidentId: ev.incidentId })
    if (type === 'call_answered') {
      const changed = await this.app.db.transaction(async (tx) => {
        if (!await this.repo.transition(tx, call.id, ['ringing'], { status: 'active', answeredAt: at })) return false
        await this.record(tx, call.id, 'answered', at, null, { answeredBy: call.auto_answer ? 'auto' : 'resident' })
        return true
      })
      if (changed) await this.announce(call.id)
    } else if (type === 'call_ended') {
      await this.end(call, call.status === 'ringing' ? 'missed' : 'ended', null, 'device_hangup', at)
    } else if (type === 'call_missed') {
      await this.end(call, 'missed', null, 'no_answer', at)
    }
  }

  /** Ends a call once (the first of the browser, the device and the timeout wins). */
  async end (call: CallRow, status: Extract<CallStatus, 'ended' | 'missed' | 'failed'>, user: Caller | null, reason: string, at = new Date(this.now())): Promise<void> {
    this.offerUfrags.delete(call.id)
    const changed = await this.app.db.transaction(async (tx) => {
      if (!await this.repo.transition(tx, call.id, ACTIVE, { status, endedAt: at, endReason: reason })) return false
      const answeredAt = call.answered_at ? new Date(call.answered_at).getTime() : null
      const latest = await this.repo.get(call.id, '/', tx)
      const fromAnswer = latest?.answered_at ? new Date(latest.answered_at).getTime() : answeredAt
      const durationS = fromAnswer !== null ? Math.max(0, Math.round((at.getTime() - fromAnswer) / 1000)) : null
      await this.record(tx, call.id, status, at, user, { reason, ...(durationS !== null ? { durationS } : {}) })
      return true
    })
    if (changed) await this.announce(call.id)
  }

  /** Ringing calls nobody answered in time become `missed` (the offer may never have reached the device). */
  async sweep (): Promise<number> {
    const ids = await this.repo.ringingSince(new Date(this.now() - (this.opts.ringTimeoutMs ?? 60_000)))
    for (const id of ids) {
      const call = await this.repo.get(id, '/')
      if (call) await this.end(call, 'missed', null, 'ring_timeout')
    }
    return ids.length
  }

  /** Records a call event — on the call, and on its incident's timeline when it has one. */
  async record (tx: Queryable, callId: string, kind: string, at: Date, user: Caller | null, data: Record<string, unknown> = {}): Promise<void> {
    await this.repo.addEvent(tx, callId, kind, at, user?.id ?? null, data)
    const { rows } = await tx.query<{ incident_id: string | null }>('select incident_id from calls where id = $1', [callId])
    const incidentId = rows[0]?.incident_id
    if (!incidentId) return
    await this.app.incidents.addTimeline(tx, incidentId, `call_${kind}`, user ? { id: user.id, name: user.username } : null, null, { callId, ...data })
    await tx.query('update incidents set updated_at = now() where id = $1', [incidentId])
  }

  /** Tells the consoles of the call's area (and its incident's watchers) that it changed. */
  async announce (callId: string): Promise<void> {
    const row = await this.repo.get(callId, '/')
    if (!row) return
    const dto = await this.repo.dto(row)
    this.app.realtime.emitToPath(row.area_path, 'call:updated', dto)
    if (row.incident_id) {
      const inc = await this.app.incidents.get(row.incident_id, '/')
      const { areaPath: _p, ...publicInc } = inc
      this.app.realtime.emitIncident('incident:updated', publicInc, inc.areaPath)
    }
  }

  private async startDto (id: string, scopePath: string): Promise<CallStartDto> {
    const call = await this.get(id, scopePath)
    return { ...call, iceServers: iceServersFor(this.opts.turn, id, this.now()) }
  }

  private requireTransport (): void {
    if (!this.transport) throw errors.CALLS_UNAVAILABLE()
  }
}

/** The socket.io room of the browsers taking part in one call. */
export const callRoom = (callId: string): string => `call:${callId}`
