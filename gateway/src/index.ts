export { Gateway, type GatewayOptions, type GatewayEvents, type ListenOptions, type InboxNotice, type CommandAckNotice, type GatewayCounters } from './gateway.ts'
export { generateDeviceSecret, hashDeviceSecret } from './secrets.ts'
export { GatewayError } from './errors.ts'
export type { Sql } from './store.ts'
