import * as tf from '@tensorflow/tfjs'
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { nodeRequire } from './wasmDir'

/**
 * The multi-threaded (pthreads + SIMD) wasm build in Node.
 *
 * TF.js never uses it in Node (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired
 * false there), yet the build runs fine on worker_threads once it is given
 * what its browser-oriented loader cannot provide:
 * - the pthread worker script as a real file (the package ships it only as a
 *   string meant for a Blob URL), and the main script as a real file (each
 *   worker re-evaluates it; a copy outside app.asar also works packaged);
 * - a core count: the C++ side uses half of emscripten_num_logical_cores()
 *   (assuming hyper-threading) and caps the XNNPACK pool there, so a 2-core
 *   machine would get 1 thread. We answer that import with 2 x the threads
 *   wanted, through Emscripten's instantiateWasm hook.
 * The backend replaces the stock 'wasm' factory under the same name, so every
 * wasm kernel (and ours) applies unchanged.
 */

/**
 * Env var setting the wasm thread count: a number (1 forces the stock
 * single-threaded build), or 'auto' for all cores. Unset: DEFAULT_WASM_THREADS.
 */
export const WASM_THREADS_ENV = 'DEFECT_STUDIO_WASM_THREADS'

/**
 * Threads wasm trains with unless told otherwise: 2, the cores of the
 * machines this app targets. With both threads the convolutions and their
 * gradients (one XNNPACK convolution each, see kernels/conv2dGrads.ts) run
 * about twice as fast; with fewer cores than threads the pool would only
 * time-slice, so the default drops to what the machine has.
 */
export const DEFAULT_WASM_THREADS = 2

/** Starting the threaded build never takes this long; past it, something (a worker) hangs and the stock build takes over. */
export const THREADED_START_TIMEOUT_MS = 30_000

/** XNNPACK's pool in this build is created with at most 8 threads (8 pre-spawned workers). */
export const MAX_WASM_THREADS = 8

interface EmscriptenImports {
  env: Record<string, unknown>
}
type ReceiveInstance = (instance: object, module: object) => void

/** The one WebAssembly call needed; declared here because the ml layer compiles without DOM typings. */
interface WebAssemblyApi {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object; module: object }>
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly

interface NodeWorkerLike {
  unref(): void
}

interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number
  tfjs?: Record<string, (...a: number[]) => number>
  PThread?: { runningWorkers: NodeWorkerLike[]; unusedWorkers: NodeWorkerLike[] }
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>

/** Parses the env value; null when it is unset (the default applies), 1 when threads are turned off. */
export function threadsFromEnv(value: string | undefined): number | null {
  if (value === undefined || value === '') return null
  if (value === 'auto') return Math.min(MAX_WASM_THREADS, os.availableParallelism())
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${WASM_THREADS_ENV} must be a thread count or 'auto', got '${value}'`)
  return Math.max(1, Math.min(MAX_WASM_THREADS, n))
}

/**
 * The thread count to ask for and, when it is less than the default, why
 * (for the backend report). `explicit` (an option) beats the env var, which
 * beats DEFAULT_WASM_THREADS capped at the cores available.
 */
export function wantedWasmThreads(explicit: number | undefined, envValue: string | undefined, cores = os.availableParallelism()): { threads: number; reason: string | null } {
  if (explicit !== undefined) {
    const threads = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(explicit)))
    return { threads, reason: threads < DEFAULT_WASM_THREADS ? `wasmThreads: ${explicit}` : null }
  }
  const fromEnv = threadsFromEnv(envValue)
  if (fromEnv !== null) return { threads: fromEnv, reason: fromEnv < DEFAULT_WASM_THREADS ? `${WASM_THREADS_ENV}=${envValue}` : null }
  const threads = Math.max(1, Math.min(DEFAULT_WASM_THREADS, cores))
  return { threads, reason: threads < DEFAULT_WASM_THREADS ? `${cores} CPU core${cores === 1 ? '' : 's'}: a second thread would not be faster` : null }
}

/** Writes `content` under a name keyed by its hash (once), returns the path. */
function materialise(name: string, content: string, dir: string): string {
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16)
  const file = path.join(dir, `${name}-${hash}.js`)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, content)
    // rename is atomic: concurrent processes never see half a file.
    renameSync(tmp, file)
  }
  return file
}

let installed: { threads: number } | null = null
let lastFailure: string | null = null
/** The stock single-threaded factory, kept so a failed threaded start can fall back to it. */
let stock: { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number } | null = null

/**
 * Replaces the 'wasm' backend factory with the threaded build. Must run
 * before the wasm backend is first initialised (tf.setBackend('wasm'));
 * returns false (and changes nothing) when it already was.
 */
export function installThreadedWasm(opts: { wasmDir: string; threads: number; scratchDir?: string }): boolean {
  if (installed !== null) return installed.threads === opts.threads
  if (tf.findBackend('wasm') !== null) return false
  const threads = Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(opts.threads)))
  const req = nodeRequire()
  const pkgDir = path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
  const outDir = path.join(pkgDir, 'wasm-out')
  const scratch = opts.scratchDir ?? path.join(os.tmpdir(), 'defect-studio-wasm')
  const mainSource = readFileSync(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.js'), 'utf8')
  const { wasmWorkerContents } = req(path.join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }
  // The string was written for a Blob: its "\n" escapes became real newlines inside string literals.
  const workerFile = materialise('tfjs-wasm-worker', wasmWorkerContents.replace(/\n/g, '\\n'), scratch)
  const mainFile = materialise('tfjs-wasm-threaded-simd', mainSource, scratch)
  const factory = req(mainFile) as Factory
  const binary = path.join(opts.wasmDir, 'tfjs-backend-wasm-threaded-simd.wasm')
  if (!existsSync(binary)) throw new Error(`threaded wasm binary not found: ${binary}`)

  stock = tf.engine().registryFactory.wasm ?? null
  tf.removeBackend('wasm')
  tf.registerBackend(
    'wasm',
    async () => {
      let reject: (e: unknown) => void = () => undefined
      const failed = new Promise<never>((_, r) => (reject = r))
      const fail = (e: unknown): void => {
        lastFailure = e instanceof Error ? e.message : String(e)
        reject(e)
      }
      let timer: ReturnType<typeof setTimeout> | undefined
      const timeout = new Promise<never>((_, r) => {
        timer = setTimeout(() => {
          lastFailure = `did not start within ${THREADED_START_TIMEOUT_MS / 1000} s`
          r(new Error(lastFailure))
        }, THREADED_START_TIMEOUT_MS)
        timer.unref()
      })
      const module = await Promise.race([
        factory({
          locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(opts.wasmDir, file)),
          mainScriptUrlOrBlob: mainFile,
          instantiateWasm: (imports: EmscriptenImports, receive: ReceiveInstance) => {
            imports.env.emscripten_num_logical_cores = () => 2 * threads
            wasmApi.instantiate(readFileSync(binary), imports).then(
              (r) => receive(r.instance, r.module),
              (e: unknown) => fail(e)
            )
            return {}
          }
        }),
        failed,
        timeout
      ]).finally(() => clearTimeout(timer))
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, [])
      }
      setThreadsCount(threads)
      // BackendWasm's constructor types want its own module interface; this is that module.
      const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0])
      // The pool's threads wait forever for work; unreferenced, they no longer keep the process alive.
      for (const w of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) w.unref()
      return backend
    },
    2
  )
  installed = { threads }
  return true
}

/** Why the threaded build last failed to start, if it did. */
export function threadedWasmFailure(): string | null {
  return lastFailure
}

/**
 * Puts the stock single-threaded wasm factory back after the threaded build
 * failed to start. Returns false when there is nothing to restore or wasm is
 * already running.
 */
export function restoreStockWasm(): boolean {
  if (stock === null || tf.findBackend('wasm') !== null) return false
  tf.removeBackend('wasm')
  tf.registerBackend('wasm', stock.factory, stock.priority)
  stock = null
  installed = null
  return true
}
