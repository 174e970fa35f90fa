import { defineConfig } from 'vitest/config'

// One root `npm test` runs every project; each part keeps its tests beside its code.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'protocols', include: ['protocols/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'common', include: ['common/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'gateway', include: ['gateway/test/**/*.test.ts'], environment: 'node' } },
      { test: { name: 'platform', include: ['platform/test/**/*.test.ts'], environment: 'node', testTimeout: 30_000, hookTimeout: 60_000 } },
      { test: { name: 'device-sim', include: ['device-sim/test/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
      { test: { name: 'tests', include: ['tests/**/*.test.ts'], exclude: ['tests/faults/**', '**/node_modules/**'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000 } },
      // The fault suite (docs/testing.md) kills, starts and floods whole processes: it runs after
      // every other project, one file at a time, so its time bounds measure the system, not the suite.
      { test: { name: 'faults', include: ['tests/faults/**/*.test.ts'], environment: 'node', testTimeout: 150_000, hookTimeout: 120_000, fileParallelism: false, sequence: { groupOrder: 1 } } },
      'dashboard/vitest.config.ts'
    ]
  }
})
