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
      { test: { name: 'tests', include: ['tests/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000 } },
      'dashboard/vitest.config.ts'
    ]
  }
})
