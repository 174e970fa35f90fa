/** A fake platform for component tests: `fetch` answered by a function, the writes recorded. */
import { vi } from 'vitest'

export interface FakeCall {
  method: string
  url: string
  /** The parsed JSON body; undefined for GET. */
  body: any
}

/**
 * Stubs `fetch` with `answer` and returns the list of calls that changed something (every method
 * but GET), in order, for the test to check what was sent.
 */
export function stubPlatform (answer: (call: FakeCall) => Response | Promise<Response>): FakeCall[] {
  const writes: FakeCall[] = []
  vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET'
    const call: FakeCall = { method, url, body: method === 'GET' || init.body === undefined ? undefined : JSON.parse(String(init.body)) }
    if (method !== 'GET') writes.push(call)
    return answer(call)
  }))
  return writes
}
