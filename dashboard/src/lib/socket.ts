/**
 * The realtime channel: socket.io on the page's own origin, authenticated with the session token.
 * Typed with the event maps from protocols/; payloads are still checked where they are used.
 */
import type { ClientToServerEvents, ServerToClientEvents } from '@eldercare/protocols'
import { io, type Socket } from 'socket.io-client'
import { appConfig } from '../config/app-config.ts'

export type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>

/**
 * Opens a connection that reconnects by itself with growing, jittered delays. The token is read
 * at every (re)connect, so a reconnect never presents a stale one.
 */
export function connectRealtime (getToken: () => string | null): RealtimeSocket {
  return io({
    path: '/socket.io',
    auth: (send) => { send({ token: getToken() }) },
    reconnection: true,
    reconnectionDelay: appConfig.reconnectDelayMs,
    reconnectionDelayMax: appConfig.reconnectDelayMaxMs,
    randomizationFactor: 0.5
  })
}
