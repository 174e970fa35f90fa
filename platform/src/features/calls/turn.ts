/**
 * STUN/TURN servers for calls [P-3.8]: devices behind NAT and browsers on locked-down networks
 * reach each other through a TURN relay (coturn in docker-compose.yml). Configured by
 * `TURN_URLS` with either a shared secret (coturn `use-auth-secret`: short-lived credentials
 * per call, nothing long-lived leaves the platform) or a fixed username and credential.
 */
import { createHmac } from 'node:crypto'
import type { RtcIceServer } from '@eldercare/protocols'

export interface TurnConfig {
  /** `TURN_URLS`, comma-separated `stun:`, `turn:` or `turns:` URLs; empty: host candidates only (LAN, loopback). */
  urls: string[]
  /** `TURN_SECRET`: coturn's static-auth-secret; credentials are derived per call and expire. */
  secret: string | null
  /** `TURN_USERNAME` / `TURN_CREDENTIAL`: fixed credentials, when no secret is set. */
  username: string | null
  credential: string | null
  /** `TURN_TTL_S`: lifetime of derived credentials, in seconds. Default 3600. */
  ttlS: number
}

export const NO_TURN: TurnConfig = { urls: [], secret: null, username: null, credential: null, ttlS: 3600 }

/** Reads the TURN variables; every problem goes to `problems` (the config reports them all at once). */
export function readTurnConfig (env: NodeJS.ProcessEnv, problems: string[]): TurnConfig {
  const urls = (env.TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean)
  for (const u of urls) {
    if (!/^(stun|turn|turns):[^\s]+$/.test(u)) problems.push(`TURN_URLS: "${u}" must start with stun:, turn: or turns: (e.g. turn:turn.example.org:3478?transport=udp)`)
  }
  const secret = env.TURN_SECRET || null
  const username = env.TURN_USERNAME || null
  const credential = env.TURN_CREDENTIAL || null
  const ttlS = Number(env.TURN_TTL_S ?? 3600)
  if (!(Number.isInteger(ttlS) && ttlS >= 60 && ttlS <= 86_400)) problems.push(`TURN_TTL_S="${env.TURN_TTL_S}" must be a whole number of seconds between 60 and 86400`)
  if (secret !== null && secret.length < 16) problems.push('TURN_SECRET must be at least 16 characters (coturn static-auth-secret)')
  if ((username === null) !== (credential === null)) problems.push('TURN_USERNAME and TURN_CREDENTIAL go together: set both or neither')
  if (urls.some((u) => u.startsWith('turn')) && secret === null && username === null) problems.push('TURN_URLS names a TURN server: set TURN_SECRET (or TURN_USERNAME and TURN_CREDENTIAL)')
  return { urls, secret, username, credential, ttlS }
}

/**
 * The ICE servers for one call. With a secret, coturn's REST-API scheme: username
 * `<expiry epoch s>:<call id>`, credential base64(HMAC-SHA1(secret, username)).
 */
export function iceServersFor (turn: TurnConfig, callId: string, nowMs: number): RtcIceServer[] {
  if (turn.urls.length === 0) return []
  const stun = turn.urls.filter((u) => u.startsWith('stun:'))
  const relays = turn.urls.filter((u) => !u.startsWith('stun:'))
  const servers: RtcIceServer[] = stun.length ? [{ urls: stun }] : []
  if (relays.length === 0) return servers
  if (turn.secret) {
    const username = `${Math.floor(nowMs / 1000) + turn.ttlS}:${callId}`
    servers.push({ urls: relays, username, credential: createHmac('sha1', turn.secret).update(username).digest('base64') })
  } else {
    servers.push({ urls: relays, username: turn.username ?? undefined, credential: turn.credential ?? undefined })
  }
  return servers
}
