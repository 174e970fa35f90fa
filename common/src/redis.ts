/**
 * An ioredis connection whose commands' promises are dropped by whoever sent them must not end
 * the process. Some are dropped inside libraries: ioredis re-subscribes by itself after a
 * reconnection (`autoResubscribe`), @socket.io/redis-adapter publishes broadcasts and sends
 * UNSUBSCRIBE on close, aedes' persistence cleans up closing clients' sessions — and when the
 * connection ends before Redis answers (the process shutting down, or Redis going away while it
 * does) they reject with "Connection is closed." and nobody listening: an unhandled rejection,
 * which Node turns into a crash, and which failed CI twice after
 * tests/scaled/commands-after-redis.test.ts (issue 14's Redis outage test).
 *
 * This gives every command promise of `conn` a handler: ioredis sends every command through the
 * instance's `sendCommand`, its own included. A caller that awaits a command still sees its
 * rejection (the promise is returned as it is); Redis' unavailability itself is reported by the
 * connection's 'error' events, which the callers log.
 */
export function handleDroppedRejections<T extends object> (conn: T): T {
  const c = conn as { sendCommand?: (...args: unknown[]) => unknown }
  const send = c.sendCommand
  if (typeof send !== 'function') throw new TypeError('handleDroppedRejections: not an ioredis connection (no sendCommand)')
  c.sendCommand = (...args: unknown[]): unknown => {
    const p = send.apply(conn, args)
    if (p instanceof Promise) p.catch(() => {})
    return p
  }
  return conn
}
