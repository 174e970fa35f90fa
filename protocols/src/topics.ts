/**
 * Topic names of device protocol v1 (`shared/design/device-protocol-v1.md` §2).
 * Every topic is `care/v1/devices/{deviceId}/{suffix}`.
 */

export const TOPIC_PREFIX = 'care/v1/devices/'

/** Topic suffixes a device publishes on. */
export const UPSTREAM_KINDS = ['telemetry', 'events', 'intercom', 'status', 'commands/ack', 'rtc/up'] as const
/** Topic suffixes the gateway publishes on for a device (`rtc/down`: WebRTC signalling [P-3.8]). */
export const DOWNSTREAM_KINDS = ['commands', 'errors', 'rtc/down'] as const

export type UpstreamKind = (typeof UPSTREAM_KINDS)[number]
export type DownstreamKind = (typeof DOWNSTREAM_KINDS)[number]
export type TopicKind = UpstreamKind | DownstreamKind

/** [P-1.3] Device ids. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/

/**
 * Username (and clientId) prefix of every MQTT observer login (read-only recorders an
 * administrator creates for an area). `:` never occurs in a device id ([P-1.3]), so an
 * observer can never be mistaken for a device nor take over a device's session.
 */
export const OBSERVER_PREFIX = 'observer:'

export function isValidDeviceId (id: string): boolean {
  return DEVICE_ID_PATTERN.test(id)
}

export function deviceTopic (deviceId: string, kind: TopicKind): string {
  return `${TOPIC_PREFIX}${deviceId}/${kind}`
}

export interface ParsedTopic {
  deviceId: string
  kind: TopicKind
}

const KINDS: ReadonlySet<string> = new Set<string>([...UPSTREAM_KINDS, ...DOWNSTREAM_KINDS])

/** Splits a device topic; returns null for anything that is not exactly one of ours (wildcards included). */
export function parseDeviceTopic (topic: string): ParsedTopic | null {
  if (!topic.startsWith(TOPIC_PREFIX)) return null
  const rest = topic.slice(TOPIC_PREFIX.length)
  const slash = rest.indexOf('/')
  if (slash < 0) return null
  const deviceId = rest.slice(0, slash)
  const kind = rest.slice(slash + 1)
  if (!isValidDeviceId(deviceId) || !KINDS.has(kind)) return null
  return { deviceId, kind: kind as TopicKind }
}

export function isUpstreamKind (kind: TopicKind): kind is UpstreamKind {
  return (UPSTREAM_KINDS as readonly string[]).includes(kind)
}
