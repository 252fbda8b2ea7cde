/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The Python app (`bidding serve`, port 8000 by default). Not a BIDDING_* variable: the app rejects unknown ones.
const backend = process.env.FRONTEND_DEV_BACKEND ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    // vue-i18n feature flags: Composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  // The built app is served by the Python app at `/` (SPA fallback), so assets use absolute paths.
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The identity pages load pkijs + @peculiar/x509 (~630 kB, one lazy chunk); the rest stays small.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false, ws: true },
      // The opening room's WebSocket (src/room/client.ts).
      '/ws': { target: backend, ws: true },
      '/health': { target: backend },
      // The transparency log's C2SP endpoints (checkpoint, vkey, tiles; docs/transparency-log.md).
      '/log': { target: backend },
      '/ready': { target: backend },
    },
  },
  test: {
    environment: 'node',
    include: ['tests/**/*.spec.ts'],
  },
})
