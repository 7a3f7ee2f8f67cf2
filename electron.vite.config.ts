import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'
import type { Plugin } from 'vite'

// Native and wasm-carrying packages stay external: they are loaded from
// node_modules (unpacked from the asar when packaged), never bundled.
const external = ['better-sqlite3', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm']

/**
 * React Refresh injects an inline preamble script in dev only; the shipped page
 * keeps `script-src 'self'`. This widens the CSP for `npm run dev`'s server alone.
 */
const devOnlyInlineScripts: Plugin = {
  name: 'defect-studio-dev-csp',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
}

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        external,
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'ml-host': resolve(__dirname, 'src/ml/host.ts')
        }
      }
    }
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } }
    },
    plugins: [react(), devOnlyInlineScripts]
  }
})
