import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { iceServersFor, readTurnConfig } from '../src/features/calls/turn.ts'

describe('TURN configuration for calls [P-3.8]', () => {
  it('derives short-lived credentials per call from TURN_SECRET (coturn use-auth-secret)', () => {
    const problems: string[] = []
    const turn = readTurnConfig({ TURN_URLS: 'stun:turn.example.org:3478, turn:turn.example.org:3478?transport=udp', TURN_SECRET: 'a-shared-secret-of-coturn', TURN_TTL_S: '600' }, problems)
    expect(problems).toEqual([])
    const servers = iceServersFor(turn, 'call-1', 1_700_000_000_000)
    expect(servers[0]).toEqual({ urls: ['stun:turn.example.org:3478'] })
    expect(servers[1]).toMatchObject({ urls: ['turn:turn.example.org:3478?transport=udp'], username: '1700000600:call-1' })
    expect(servers[1].credential).toBe(createHmac('sha1', 'a-shared-secret-of-coturn').update('1700000600:call-1').digest('base64'))
  })

  it('passes fixed credentials through, and none at all without TURN_URLS', () => {
    const turn = readTurnConfig({ TURN_URLS: 'turn:10.0.0.5:3478', TURN_USERNAME: 'u', TURN_CREDENTIAL: 'p' }, [])
    expect(iceServersFor(turn, 'c', 0)).toEqual([{ urls: ['turn:10.0.0.5:3478'], username: 'u', credential: 'p' }])
    expect(iceServersFor(readTurnConfig({}, []), 'c', 0)).toEqual([])
  })

  it('reports every bad variable at once', () => {
    const problems: string[] = []
    readTurnConfig({ TURN_URLS: 'http://x,turn:y', TURN_SECRET: 'short', TURN_USERNAME: 'u', TURN_TTL_S: '5' }, problems)
    expect(problems).toEqual([
      expect.stringContaining('TURN_URLS: "http://x"'),
      expect.stringContaining('TURN_TTL_S'),
      expect.stringContaining('TURN_SECRET'),
      expect.stringContaining('TURN_USERNAME and TURN_CREDENTIAL')
    ])
  })
})
