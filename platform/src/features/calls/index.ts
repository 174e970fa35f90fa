/**
 * The calls feature (issue 17): WebRTC video calls between operators' browsers and residents'
 * intercoms [P-3.8]. REST in routes.ts; the browser's signalling over socket.io here; the
 * devices' signalling and call events through the gateway (transport.ts).
 */
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { CallSignalInput, type CallAck, type CallSignalDto } from '@eldercare/protocols'
import { roleCan } from '@eldercare/protocols'
import { errors } from '../../errors.ts'
import { callRoutes } from './routes.ts'
import { CallService, callRoom, type CallTransport } from './service.ts'
import { NO_TURN, type TurnConfig } from './turn.ts'

export { gatewayCallTransport } from './transport.ts'
export { readTurnConfig, type TurnConfig } from './turn.ts'
export type { CallTransport } from './service.ts'

export interface CallsOptions {
  /** How calls reach devices; absent: the REST side answers 503 for anything that needs a device. */
  transport?: CallTransport | null
  /** STUN/TURN servers (TURN_URLS, TURN_SECRET…). Default none: host candidates only. */
  turn?: TurnConfig
  /** A call nobody answered within this many ms is `missed`. Default 60000. */
  ringTimeoutMs?: number
  /** How often ringing calls are checked against that timeout, in ms. Default 5000. */
  sweepIntervalMs?: number
  timeZone?: string
  now?: () => number
}

declare module 'fastify' {
  interface FastifyInstance {
    calls: CallService
  }
}

const checkSignal = TypeCompiler.Compile(CallSignalInput)

const calls: FastifyPluginAsync<CallsOptions> = async (app, opts) => {
  const now = opts.now ?? Date.now
  const service = new CallService(app, opts.transport ?? null, { turn: opts.turn ?? NO_TURN, ringTimeoutMs: opts.ringTimeoutMs, now }, app.log.child({ part: 'calls' }))
  app.decorate('calls', service)
  service.listen()
  await app.register(callRoutes, { calls: service, timeZone: opts.timeZone ?? 'Asia/Shanghai', now })

  app.realtime.io.on('connection', (socket) => {
    const user = socket.data.user
    const caller = { id: user.id, username: user.username, areaPath: user.areaPath }
    /** calls this socket signalled on: a browser that goes away hangs up */
    const mine = new Set<string>()
    socket.on('call:signal', (signal: CallSignalDto, ack: (r: CallAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {}
      if (!checkSignal.Check(signal)) {
        const first = checkSignal.Errors(signal).First()
        return reply({ ok: false, error: { code: errors.VALIDATION.code, message: `call:signal${first?.path ?? ''} ${first?.message ?? 'is invalid'}` } })
      }
      if (!roleCan(user.role, 'call.make')) return reply({ ok: false, error: { code: errors.FORBIDDEN.code, message: 'your role may not take part in calls' } })
      // joined before the offer leaves, so the device's answer cannot arrive before we listen
      service.fromBrowser(caller, signal, (call) => { void socket.join(callRoom(call.id)); mine.add(call.id) }).then(
        () => reply({ ok: true }),
        (err: Error & { code?: string }) => reply({ ok: false, error: { code: err.code?.startsWith('PLT_ERR_') ? err.code : errors.INTERNAL.code, message: err.message } }))
    })
    socket.on('disconnect', () => {
      for (const id of mine) {
        service.fromBrowser(caller, { callId: id, type: 'hangup', reason: 'operator_left' }).catch(() => { /* already over */ })
      }
    })
  })

  const sweeper = setInterval(() => { service.sweep().catch((err) => app.log.warn({ err }, 'ringing calls not swept')) }, opts.sweepIntervalMs ?? 5000)
  sweeper.unref()
  app.addHook('onClose', async () => { clearInterval(sweeper) })
}

/** Not encapsulated, so `app.calls` is there for the rest of the app (and tests). */
export const callsFeature = fp(calls, { name: 'calls', dependencies: ['realtime'] })
