export { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './secrets.ts'
export { EnvReader, ConfigError, loadTlsFiles, type TlsFiles } from './env.ts'
