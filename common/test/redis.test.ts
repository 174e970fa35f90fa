import { describe, expect, it } from 'vitest'
import { handleDroppedRejections } from '../src/redis.ts'

/** Sends its commands as ioredis does (through the instance's sendCommand); they reject as when the connection ends first. */
class ClosingConnection {
  sent: string[] = []
  sendCommand (name: string): Promise<unknown> { this.sent.push(name); return Promise.reject(new Error('Connection is closed.')) }
  subscribe (channel: string): Promise<unknown> { return this.sendCommand(`subscribe ${channel}`) }
  /** as ioredis' autoResubscribe and a library's fire-and-forget publish do: the promise dropped */
  dropOne (): void { void this.subscribe('again') }
}

describe('handleDroppedRejections', () => {
  it('a command whose promise its sender dropped is no unhandled rejection, and a caller that awaits still sees the error', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => { unhandled.push(reason) }
    process.on('unhandledRejection', onUnhandled)
    try {
      const conn = handleDroppedRejections(new ClosingConnection())
      conn.dropOne()
      await expect(conn.subscribe('awaited')).rejects.toThrow('Connection is closed.')
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(conn.sent).toEqual(['subscribe again', 'subscribe awaited'])
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('refuses what is not an ioredis connection', () => {
    expect(() => handleDroppedRejections({})).toThrow(/not an ioredis connection/)
  })
})
