/**
 * [P-1.1] The gateway's listeners: MQTT over TCP, over TLS when a certificate is configured,
 * and over WebSocket at /mqtt. Every connection passes the packet-size guard [P-2.1] first.
 */
import { readFileSync } from 'node:fs'
import type { EnvReader } from '@eldercare/common'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net'
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { WebSocketServer, createWebSocketStream } from 'ws'
import { GuardedConnection } from './packet-guard.ts'
import type { ReadScheduler } from './read-scheduler.ts'
import { PROXY_HEADER_TIMEOUT_MS, readProxyHeader } from './proxy-protocol.ts'

export interface TlsListenOptions {
  /** MQTT over TLS; 0 = any free port. */
  port: number
  /** PEM certificate (chain) and private key. */
  cert: string | Buffer
  key: string | Buffer
}

/** Hands a (guarded) connection to the broker. */
export type ConnectionHandler = (conn: Duplex, req?: IncomingMessage) => void

export interface Listener {
  port: number
  close(): Promise<void>
}

export interface GuardOptions {
  maxPacketBytes: number
  /** device bytes reach the broker in its slices, alarms first (read-scheduler.ts) */
  scheduler?: ReadScheduler
  /** `deviceId` is known when the connection had already sent its CONNECT */
  onViolation: (reason: string, remote: string | undefined, deviceId: string | undefined) => void
}

function guarded (inner: Duplex, remote: string | undefined, guard: GuardOptions): Duplex {
  const conn: GuardedConnection = new GuardedConnection(inner, guard.maxPacketBytes, (reason) => {
    // aedes hangs its client object on the connection it handles
    const client = (conn as unknown as { client?: { id?: string | null } }).client
    guard.onViolation(reason, remote, client?.id ?? undefined)
  }, guard.scheduler)
  return conn
}

/**
 * Connections the kernel completes and holds for the process to accept (listen(2)'s backlog; Linux
 * caps it at net.core.somaxconn, 4096 by default since 5.4). Node's default is 511: when a
 * district's devices reconnect at once while the event loop is busy, the handshakes past it are
 * dropped, and each such device waits out SYN retransmissions — 1, 3, 7, 15 s — before its CONNECT
 * is even read (issue 11: a storm of 9,400 reconnects at 511 had CONNACK p99 14.7–15.5 s and 2 %
 * failed, the connection closed before any CONNACK; at 4096, 2.2–5.2 s and none failed).
 */
export const DEFAULT_LISTEN_BACKLOG = 4096

/** `MQTT_LISTEN_BACKLOG`, as the platform's and the standalone gateway's configs read it. */
export function readListenBacklog (r: EnvReader): number {
  return r.integer('MQTT_LISTEN_BACKLOG', DEFAULT_LISTEN_BACKLOG, 1, 65535, 'device handshakes held until accepted, per MQTT listener; the kernel caps it at net.core.somaxconn')
}

/**
 * The backlog the kernel grants a listener that asks for `requested`: Linux caps it at
 * net.core.somaxconn, silently. Null where that cannot be read (not Linux).
 */
export function grantedBacklog (requested: number, somaxconn: () => string = () => readFileSync('/proc/sys/net/core/somaxconn', 'utf8')): number | null {
  let cap: number
  try { cap = Number(somaxconn().trim()) } catch { return null }
  return Number.isInteger(cap) && cap > 0 ? Math.min(requested, cap) : null
}

/** Where a listener binds. */
export interface ListenAt {
  /** 0 = any free port */
  port: number
  host: string
  /** listen(2)'s backlog; DEFAULT_LISTEN_BACKLOG */
  backlog: number
}

function listenOn (server: NetServer | HttpServer | TlsServer, at: ListenAt): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen({ port: at.port, host: at.host, backlog: at.backlog }, () => resolve((server.address() as AddressInfo).port))
  })
}

function closer (server: NetServer | HttpServer | TlsServer): () => Promise<void> {
  return () => new Promise((resolve) => {
    server.close(() => resolve())
    // connections that outlive the broker would keep the port open
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
}

/** Connections start with a load balancer's PROXY protocol v1 line (proxy-protocol.ts). */
export interface ProxyProtocolOptions {
  /** Default PROXY_HEADER_TIMEOUT_MS. */
  timeoutMs?: number
  onRejected: (reason: string, remote: string | undefined) => void
}

/**
 * Device sockets are half-open (`allowHalfOpen`): a device's FIN is read as the end of its bytes
 * and nothing more, and the socket is closed when the broker has handled that end — in the read
 * scheduler's slices, after the connection's bytes (packet-guard.ts). Node's default closes a
 * socket as soon as its peer's FIN is read, in the same pass: a district's network cut closing
 * 9,500 connections at once held the event loop for 0.5–0.6 s of shutdown and close system calls
 * and stream teardown, and the falls of the devices still connected waited behind it (issue 11).
 */
const DEVICE_SOCKETS = { allowHalfOpen: true } as const

export async function listenTcp (handle: ConnectionHandler, at: ListenAt, guard: GuardOptions, proxy?: ProxyProtocolOptions | null): Promise<Listener> {
  const server = createNetServer(DEVICE_SOCKETS, (socket) => {
    if (!proxy) return handle(guarded(socket, socket.remoteAddress, guard))
    // behind the balancer the socket's address is the balancer's: the device's is in the line
    readProxyHeader(socket, { timeoutMs: proxy.timeoutMs ?? PROXY_HEADER_TIMEOUT_MS, onReady: (s, remote) => handle(guarded(s, remote, guard)), onRejected: proxy.onRejected })
  })
  return { port: await listenOn(server, at), close: closer(server) }
}

export async function listenTls (handle: ConnectionHandler, opts: TlsListenOptions, at: Omit<ListenAt, 'port'>, guard: GuardOptions): Promise<Listener> {
  const server = createTlsServer({ cert: opts.cert, key: opts.key, ...DEVICE_SOCKETS }, (socket) => handle(guarded(socket, socket.remoteAddress, guard)))
  // a failed handshake is the client's problem, not the server's
  server.on('tlsClientError', () => {})
  return { port: await listenOn(server, { ...at, port: opts.port }), close: closer(server) }
}

export async function listenWebSocket (handle: ConnectionHandler, at: ListenAt, guard: GuardOptions): Promise<Listener> {
  const http = createHttpServer((_req, res) => { res.writeHead(426).end('MQTT over WebSocket: connect to /mqtt\n') })
  // ws buffers a whole frame before emitting it: cap frames at the packet limit too [P-2.1]
  const wss = new WebSocketServer({ server: http, path: '/mqtt', maxPayload: guard.maxPacketBytes })
  wss.on('connection', (ws, req) => handle(guarded(createWebSocketStream(ws), req.socket.remoteAddress, guard), req))
  const bound = await listenOn(http, at)
  const closeHttp = closer(http)
  return {
    port: bound,
    async close () {
      for (const c of wss.clients) c.terminate()
      wss.close()
      await closeHttp()
    }
  }
}
