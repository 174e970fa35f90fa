/** A stand-in for the socket.io client: tests play the server by calling `serverEmit`. */
type Handler = (...args: unknown[]) => void

export class FakeSocket {
  active = true
  connected = false
  private handlers = new Map<string, Handler[]>()

  on (event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler])
    return this
  }

  removeAllListeners (): this {
    this.handlers.clear()
    return this
  }

  connect (): this {
    return this
  }

  disconnect (): this {
    this.connected = false
    this.active = false
    return this
  }

  /** socket.io's alias of `disconnect` */
  close (): this {
    return this.disconnect()
  }

  /** Delivers `event` as if the server (or socket.io itself, for connect/disconnect) emitted it. */
  serverEmit (event: string, ...args: unknown[]): void {
    if (event === 'connect') this.connected = true
    if (event === 'disconnect') this.connected = false
    for (const handler of this.handlers.get(event) ?? []) handler(...args)
  }
}
