import fp from 'fastify-plugin'
import { Server } from 'socket.io'
import type { ClientToServerEvents, DeviceStatusDto, IncidentDto, ServerToClientEvents } from '@eldercare/protocols'
import { userForToken } from './auth.ts'
import type { AuthUser } from '../types.ts'

interface SocketData { user: AuthUser }

/**
 * The realtime channel to dashboards (operator-api.md, "Realtime channel"): socket.io on
 * the HTTP port, `auth: {token}` at connect. Each socket joins its user's area room and
 * its token's room; an event about a record in area X goes to the rooms of X and every
 * area above it, so nobody outside the record's subtree receives it.
 */
export class Realtime {
  constructor (readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>) {}

  /** `areaPath` is the record's area path, e.g. `/city/district/street/community/`. */
  emitIncident (event: 'incident:opened' | 'incident:updated', incident: IncidentDto, areaPath: string): void {
    this.io.to(roomsFor(areaPath)).emit(event, incident)
  }

  /** To one area's room only (escalation widened to a parent area's centre). */
  emitToArea<E extends keyof ServerToClientEvents> (areaId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(`area:${areaId}`).emit(event, ...args)
  }

  /** To the rooms of the record's area and every area above it. */
  emitToPath<E extends keyof ServerToClientEvents> (areaPath: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(roomsFor(areaPath)).emit(event, ...args)
  }

  emitDeviceStatus (status: DeviceStatusDto, areaPath: string): void {
    this.io.to(roomsFor(areaPath)).emit('device:status', status)
  }

  /** Disconnects every socket opened with a revoked token. */
  revokeToken (tokenHash: string): void {
    this.io.in(`token:${tokenHash}`).disconnectSockets(true)
  }
}

function roomsFor (areaPath: string): string[] {
  return areaPath.split('/').filter(Boolean).map((id) => `area:${id}`)
}

export const realtimePlugin = fp(async (app) => {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(app.server, {
    serveClient: false,
    cors: { origin: false }
  })
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown })?.token
    if (typeof token !== 'string') return next(new Error('PLT_ERR_UNAUTHORIZED: connect with auth: {token}'))
    userForToken(app.db, token).then((user) => {
      if (!user) return next(new Error('PLT_ERR_UNAUTHORIZED: the token is unknown, expired or revoked'))
      socket.data.user = user
      next()
    }, next)
  })
  io.on('connection', (socket) => {
    void socket.join([`area:${socket.data.user.areaId}`, `token:${socket.data.user.tokenHash}`])
    socket.on('ping', (cb) => { if (typeof cb === 'function') cb(new Date().toISOString()) })
  })
  app.decorate('realtime', new Realtime(io))
  app.addHook('onClose', async () => { await io.close() })
}, { name: 'realtime', dependencies: ['db'] })
