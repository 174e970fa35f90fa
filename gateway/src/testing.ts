/**
 * @eldercare/gateway/testing — what tests and benchmarks drive below the gateway's interface
 * (the detector on a store of their own, the gateway's SQL). Only tests/ may import it
 * (scripts/check-imports.mjs, rule b); the platform uses the package root.
 */
export { GatewayStore, PRESENCE_ROWS_PER_STATEMENT, type DeviceOwner, type PresencePatch } from './store.ts'
export { Readings, toSamples } from './readings.ts'
export { Detector, DETECTOR_DEFAULTS, type Sample } from './detect/detector.ts'
export { DetectionScans } from './detect/scans.ts'
export { DetectionStateStore, DETECTION_STATE_ROWS_PER_STATEMENT } from './detect/state.ts'
export { ROWS_PER_PAGE as DETECTION_ROWS_PER_PAGE } from './detect/reads.ts'
export { DetectionSettingsCache } from './detect/settings.ts'
export { SafeZoneCache } from './detect/safe-zones.ts'
export { PositionTracker, PositionWatch, POSITION_ROWS_PER_STATEMENT } from './positions.ts'
