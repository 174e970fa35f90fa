/**
 * PROXY protocol v1 on the MQTT/TCP listener (MQTT_PROXY_PROTOCOL=on; docs/deployment.md).
 *
 * Behind a TCP load balancer every connection comes from the balancer's address. HAProxy's
 * `send-proxy` (deploy/haproxy.cfg) writes one text line before the device's first byte:
 *
 *   PROXY TCP4 203.0.113.7 10.0.0.2 51234 1883\r\n
 *
 * The gateway reads that line, takes the device's address from it, and hands aedes the bytes
 * after it. With the option on, a connection that does not start with a valid line is closed:
 * the port then belongs to the balancer alone, and whoever can reach it directly could claim
 * any address, so it must not be reachable except through the balancer.
 */
import { isIPv4, isIPv6, type Socket } from 'node:net'

/** The balancer writes its line as soon as it connects; a connection silent this long is not one. */
export const PROXY_HEADER_TIMEOUT_MS = 10_000

/** The longest v1 line, CRLF included (the HAProxy PROXY protocol specification, 2.1). */
export const PROXY_V1_MAX_BYTES = 107

export type ProxyHeader =
  /** TCP4/TCP6: the client's address and port as the balancer saw them. */
  | { kind: 'proxied', address: string, port: number }
  /** UNKNOWN: the balancer does not know (e.g. its own health check); keep the socket's address. */
  | { kind: 'unknown' }

const LINE = /^PROXY (TCP4|TCP6) (\S+) (\S+) (\d{1,5}) (\d{1,5})$/

/** Parses one v1 line without its CRLF; returns why not when it is not one. */
export function parseProxyV1 (line: string): ProxyHeader | { error: string } {
  if (line === 'PROXY UNKNOWN' || line.startsWith('PROXY UNKNOWN ')) return { kind: 'unknown' }
  const m = LINE.exec(line)
  if (!m) return { error: 'not a PROXY protocol v1 line' }
  const [, family, source, destination, sourcePort, destinationPort] = m
  const isFamily = family === 'TCP4' ? isIPv4 : isIPv6
  if (!isFamily(source) || !isFamily(destination)) return { error: `addresses are not ${family === 'TCP4' ? 'IPv4' : 'IPv6'}` }
  const port = Number(sourcePort)
  if (port > 65535 || Number(destinationPort) > 65535) return { error: 'port out of range' }
  return { kind: 'proxied', address: source, port }
}

export interface ProxiedSocketOptions {
  /** How long the balancer has to send its line (it sends it at once). */
  timeoutMs: number
  /** The line was read: the client's address (the socket's own for UNKNOWN). */
  onReady: (socket: Socket, remoteAddress: string | undefined) => void
  /** The connection did not start with a valid line; it has been destroyed. */
  onRejected: (reason: string, socketAddress: string | undefined) => void
}

/**
 * Reads the PROXY line at the start of `socket`, then calls `onReady` with the socket
 * positioned at the first byte after it. A connection closed before any byte (a balancer's TCP
 * health check) ends quietly, with neither callback.
 */
export function readProxyHeader (socket: Socket, opts: ProxiedSocketOptions): void {
  let buffered = Buffer.alloc(0)
  // read now: a destroyed socket no longer knows it
  const socketAddress = socket.remoteAddress
  const reject = (reason: string): void => {
    cleanup()
    socket.destroy()
    opts.onRejected(reason, socketAddress)
  }
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk])
    const end = buffered.indexOf('\r\n')
    if (end === -1) {
      // "PROXY" first, or it is not a balancer speaking (e.g. a device connecting directly)
      if (!'PROXY '.startsWith(buffered.subarray(0, 6).toString('latin1'))) return reject('no PROXY protocol header')
      if (buffered.length >= PROXY_V1_MAX_BYTES) return reject(`PROXY protocol header longer than ${PROXY_V1_MAX_BYTES} bytes`)
      return
    }
    if (!buffered.subarray(0, 6).equals(Buffer.from('PROXY '))) return reject('no PROXY protocol header')
    if (end + 2 > PROXY_V1_MAX_BYTES) return reject(`PROXY protocol header longer than ${PROXY_V1_MAX_BYTES} bytes`)
    const header = parseProxyV1(buffered.subarray(0, end).toString('latin1'))
    if ('error' in header) return reject(`invalid PROXY protocol header: ${header.error}`)
    // stop the flow before handing over, so no byte after the line is lost
    socket.pause()
    cleanup()
    const rest = buffered.subarray(end + 2)
    if (rest.length > 0) socket.unshift(rest)
    opts.onReady(socket, header.kind === 'proxied' ? header.address : socketAddress)
  }
  // closed or failed before its line: nothing reached aedes, nothing to report
  const onEnd = (): void => {
    cleanup()
    socket.destroy()
  }
  const timer = setTimeout(() => reject(`no PROXY protocol header within ${opts.timeoutMs} ms`), opts.timeoutMs)
  timer.unref()
  function cleanup (): void {
    clearTimeout(timer)
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('close', onEnd)
    socket.off('error', onEnd)
  }
  socket.on('data', onData)
  socket.once('end', onEnd)
  socket.once('close', onEnd)
  socket.once('error', onEnd)
}
