import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { handleDroppedRejections, spacedTurn } from '@eldercare/common'
import { createAdapter } from '@socket.io/redis-adapter'
import { Server } from 'socket.io'
import { roleCan, rolesWith, type ClientToServerEvents, type DeviceStatusDto, type IncidentDto, type ServerToClientEvents } from '@eldercare/protocols'
import { errors, type PlatformError } from '../errors.ts'
import { userForToken, type AuthUser } from '../features/auth/sessions.ts'

interface SocketData { user: AuthUser }

declare module 'fastify' {
  interface FastifyInstance {
    /** the socket.io channel to dashboards; only IncidentEffects emits incident events on it */
    realtime: Realtime
  }
}

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
    this.emitToPath(areaPath, event, incident)
    for (const listener of this.incidentListeners) listener(event, incident, areaPath)
  }

  private readonly incidentListeners: Array<(event: 'incident:opened' | 'incident:updated', incident: IncidentDto, areaPath: string) => void> = []
  /** Told of every incident as it is announced (after its commit): upper platforms' feeds (issue 16). Must not throw or block. */
  onIncident (listener: (event: 'incident:opened' | 'incident:updated', incident: IncidentDto, areaPath: string) => void): void {
    this.incidentListeners.push(listener)
  }

  /** To one area's room only (escalation widened to a parent area's centre). */
  emitToArea<E extends keyof ServerToClientEvents> (areaId: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(`area:${areaId}`).emit(event, ...args)
  }

  /** To the rooms of the record's area and every area above it. */
  emitToPath<E extends keyof ServerToClientEvents> (areaPath: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void {
    this.io.to(roomsFor(areaPath)).emit(event, ...args)
  }

  /**
   * Device status reaches every platform node (each node's gateway relays it in scaled mode),
   * so each node tells only its own sockets; through the Redis adapter it would arrive once per node.
   *
   * Told in turns at least STATUS_TELL_EVERY_MS apart, at most STATUS_SLICE_MS each (issue 11). A
   * turn that tells costs every console that hears one of its statuses a write or two (engine.io
   * sends the first frame at once and the rest when it drains, see coalesceFlushes), and every
   * console above a device's area hears it. A district's network cut changes thousands at once
   * (offline, then online again): told in the turn they happened, they held the process for 0.1 s
   * and more, which the falls of the devices still connected waited behind; told on the next turn,
   * a storm's reconnects (a status or two a turn) still cost every console a system call per
   * status. A status after a quiet spell is told on the next turn; one within STATUS_TELL_EVERY_MS
   * of the last telling turn waits for the next, with what else came meanwhile. A device's newer
   * status replaces its status not yet told (the console shows where a device is now, not the flaps
   * it made meanwhile); incidents never wait here.
   */
  emitDeviceStatus (status: DeviceStatusDto, areaPath: string): void {
    this.statuses.set(status.id, { status, areaPath })
    if (this.cancelTell !== null) return
    this.cancelTell = spacedTurn(this.lastTell, STATUS_TELL_EVERY_MS, this.tellStatuses)
  }

  /** statuses not yet told, by device, in the order they came (a newer one keeps its device's place) */
  private readonly statuses = new Map<string, { status: DeviceStatusDto, areaPath: string }>()
  /** cancels the telling turn to come; null when none is due */
  private cancelTell: (() => void) | null = null
  /** when the last telling turn began (performance.now()) */
  private lastTell = -Infinity
  private tellNextTurn (): void {
    const turn = setImmediate(this.tellStatuses)
    this.cancelTell = () => clearImmediate(turn)
  }

  private readonly tellStatuses = (): void => {
    this.cancelTell = null
    this.lastTell = performance.now()
    const until = this.lastTell + STATUS_SLICE_MS
    for (const [id, { status, areaPath }] of this.statuses) {
      this.statuses.delete(id)
      this.io.local.to(roomsFor(areaPath)).emit('device:status', status)
      if (performance.now() >= until) break
    }
    if (this.statuses.size > 0) this.tellNextTurn()
  }

  /** Device statuses waiting for their turn. */
  get statusesPending (): number { return this.statuses.size }

  /** Stops telling statuses (the server is closing). */
  close (): void {
    this.cancelTell?.()
    this.cancelTell = null
    this.statuses.clear()
  }

  /** Disconnects every socket opened with a revoked token. */
  revokeToken (tokenHash: string): void {
    this.io.in(`token:${tokenHash}`).disconnectSockets(true)
  }
}

/** How long one turn may spend telling consoles device statuses, ms (Realtime.emitDeviceStatus). */
export const STATUS_SLICE_MS = 4

/** The least time between two tells of device statuses to the consoles, ms (Realtime.emitDeviceStatus). */
export const STATUS_TELL_EVERY_MS = 50

/** socket.io hands the client only the message: it carries the code in front, `PLT_ERR_…: why`. */
const socketError = (e: PlatformError): Error => new Error(`${e.code}: ${e.message}`)

function roomsFor (areaPath: string): string[] {
  return areaPath.split('/').filter(Boolean).map((id) => `area:${id}`)
}

/**
 * A console's queued packets leave in one write (issue 11). While a write to a console is under
 * way, engine.io queues what else is emitted to it, then hands the queue to its WebSocket
 * transport at once — and ws writes each packet as a frame of its own, a system call each. A
 * reconnect storm tells every console 2 statuses per device (offline, online): 20,000 to 5
 * consoles took 0.9–1.0 s of the process's CPU, 0.27–0.29 s of it in the kernel. Corked for the
 * flush, a queue is one write: 0.36–0.37 s, 0.01–0.02 s in the kernel (docs/benchmarks.md,
 * "fifteenth session"). The TCP socket is ws' (`_socket`) under engine.io's transport; a
 * transport without one (long-polling) is left as it is.
 */
function coalesceFlushes (io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>): void {
  io.engine.on('flush', (conn: { transport?: { name?: string, socket?: { _socket?: Socket } } }, queued: unknown[]) => {
    if (queued.length < 2 || conn.transport?.name !== 'websocket') return
    const raw = conn.transport.socket?._socket
    if (!raw || raw.destroyed) return
    raw.cork()
    process.nextTick(() => raw.uncork())
  })
}

export interface RealtimeOptions {
  /** Scaled mode: share rooms with the other platform nodes through this Redis. */
  redisUrl?: string | null
}

export const realtimePlugin = fp<RealtimeOptions>(async (app, opts) => {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(app.server, {
    serveClient: false,
    cors: { origin: false }
  })
  if (opts.redisUrl) {
    // An event emitted on any node reaches the sockets of every node (@socket.io/redis-adapter).
    // the adapter drops its broadcasts' and UNSUBSCRIBEs' promises, ioredis its re-subscriptions:
    // they must not end the process when the connection ends first (common/src/redis.ts)
    const pub = handleDroppedRejections(new Redis(opts.redisUrl, { maxRetriesPerRequest: null }))
    const sub = handleDroppedRejections(pub.duplicate())
    io.adapter(createAdapter(pub, sub))
    app.addHook('onClose', async () => { await Promise.all([pub.quit(), sub.quit()]).catch(() => {}) })
  }
  coalesceFlushes(io)
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown })?.token
    if (typeof token !== 'string') return next(socketError(errors.UNAUTHORIZED('connect with auth: {token}')))
    userForToken(app.db, token).then((user) => {
      if (!user) return next(socketError(errors.UNAUTHORIZED('the token is unknown, expired or revoked')))
      // The feed carries incidents and device status: only roles that may read incidents join
      // (responders work from their signed links; REST refuses them the same) (issue 13).
      if (!roleCan(user.role, 'incident.read')) return next(socketError(errors.FORBIDDEN(`the live feed needs the role ${rolesWith('incident.read').join(' or ')}`)))
      socket.data.user = user
      next()
    }, next)
  })
  io.on('connection', (socket) => {
    void socket.join([`area:${socket.data.user.areaId}`, `token:${socket.data.user.tokenHash}`])
    // A socket lives no longer than its token: disconnected the moment it expires (revocation
    // disconnects through Realtime.revokeToken). setTimeout holds at most 2^31-1 ms (24.8 days).
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, socket.data.user.expiresAt.getTime() - Date.now()), 2 ** 31 - 1))
    socket.on('disconnect', () => clearTimeout(expiry))
    socket.on('ping', (cb) => { if (typeof cb === 'function') cb(new Date().toISOString()) })
  })
  const realtime = new Realtime(io)
  app.decorate('realtime', realtime)
  app.addHook('onClose', async () => { realtime.close(); await io.close() })
}, { name: 'realtime', dependencies: ['db'], decorators: { fastify: ['db'] } })
