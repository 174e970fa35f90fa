/**
 * A stand-in for lib/socket.ts: every connection the console opens is a FakeSocket, kept in
 * `sockets` (oldest first) so a test can play the server.
 *
 *   vi.mock('../../../lib/socket.ts', () => import('../../../testing/fake-realtime.ts'))
 */
import { FakeSocket } from './fake-socket.ts'

export const sockets: FakeSocket[] = []

export function connectRealtime (): FakeSocket {
  const socket = new FakeSocket()
  sockets.push(socket)
  return socket
}
