export { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './secrets.ts'
export { EnvReader, ConfigError, loadTlsFiles, type TlsFiles } from './env.ts'
export { bearerCheck, runHealthChecks, type HealthCheck, type HealthReport } from './ops.ts'
export { handleDroppedRejections } from './redis.ts'
