import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

/** Where `npm run dev` forwards API, realtime, docs and metrics calls; default: a local `npm start`. */
const platformUrl = process.env.PLATFORM_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      treeshake: {
        // protocols/ is pure at import time except for the device-payload validators it compiles
        // for the gateway (ajv, TypeBox). The console uses none of them, so let unused
        // protocols modules drop out of the bundle instead of shipping a JSON-schema compiler.
        moduleSideEffects: [{ test: /[\\/]protocols[\\/]src[\\/]/, sideEffects: false }]
      }
    }
  },
  server: {
    proxy: {
      '/api': { target: platformUrl, changeOrigin: true },
      '/socket.io': { target: platformUrl, changeOrigin: true, ws: true },
      '/docs': { target: platformUrl, changeOrigin: true },
      '/metrics': { target: platformUrl, changeOrigin: true }
    }
  }
})
