import react from '@vitejs/plugin-react'
import { defineProject } from 'vitest/config'

// Listed as a project by the root vitest.config.ts; paths are relative to this folder.
export default defineProject({
  plugins: [react()],
  test: {
    name: 'dashboard',
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/testing/setup-tests.ts']
  }
})
