import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

/** The three binaries @tensorflow/tfjs-backend-wasm may load, by SIMD/threads support. */
export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm'
] as const

/** Env override for the directory of the .wasm files (a packaged app unpacks them outside app.asar). */
export const WASM_DIR_ENV = 'DEFECT_STUDIO_WASM_DIR'

/**
 * `require` that works both in CommonJS (electron-vite output, tsx) and in
 * ES modules (vitest). Resolves relative to this file, i.e. the app's own
 * node_modules.
 */
export function nodeRequire(): NodeJS.Require {
  if (typeof require === 'function') return require
  return createRequire(import.meta.url)
}

export interface WasmDirResult {
  dir: string
  /** Where the directory came from, for the backend report. */
  source: 'option' | 'env' | 'package'
}

/**
 * Directory holding the wasm binaries, with a trailing separator as
 * setWasmPaths expects. Order: explicit option, DEFECT_STUDIO_WASM_DIR, the
 * installed package's dist folder. Throws with the path tried when the
 * binaries are not there.
 */
export function resolveWasmDir(override?: string, env: NodeJS.ProcessEnv = process.env): WasmDirResult {
  let dir: string
  let source: WasmDirResult['source']
  if (override !== undefined && override !== '') {
    dir = override
    source = 'option'
  } else if (env[WASM_DIR_ENV] !== undefined && env[WASM_DIR_ENV] !== '') {
    dir = env[WASM_DIR_ENV]!
    source = 'env'
  } else {
    const pkg = nodeRequire().resolve('@tensorflow/tfjs-backend-wasm/package.json')
    dir = path.join(path.dirname(pkg), 'dist')
    source = 'package'
  }
  dir = path.resolve(dir)
  const missing = WASM_BINARIES.filter((f) => !existsSync(path.join(dir, f)))
  // The plain and SIMD builds are the ones Node can load (threads are off in Node).
  if (missing.includes('tfjs-backend-wasm.wasm') || missing.includes('tfjs-backend-wasm-simd.wasm')) {
    throw new Error(`wasm binaries not found in ${dir} (from ${source}); missing ${missing.join(', ')}`)
  }
  return { dir: dir.endsWith(path.sep) ? dir : dir + path.sep, source }
}
