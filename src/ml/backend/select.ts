import * as tf from '@tensorflow/tfjs'
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { registerDilatedConvGradients } from './dilatedConvGrad'
import { registerCpuKernelFixes, registerWasmTrainingKernels } from './registerKernels'
import { nodeRequire, resolveWasmDir } from './wasmDir'
import { DEFAULT_WASM_THREADS, installThreadedWasm, restoreStockWasm, threadedWasmFailure, wantedWasmThreads, WASM_THREADS_ENV } from './wasmThreads'

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'
export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu'

export interface BackendReport {
  name: BackendName
  gpu: boolean
  /** Every better backend that was not used, with the reason. */
  skipped: { name: string; reason: string }[]
  threads?: number
  simd?: boolean
}

export interface InitBackendOptions {
  /** Start the search here instead of at the best backend; worse ones stay as fallbacks. */
  prefer?: BackendChoice
  /** Directory of the .wasm binaries; else DEFECT_STUDIO_WASM_DIR, else the installed package. */
  wasmDir?: string
  /**
   * Threads for wasm: > 1 loads the multi-threaded build (see wasmThreads.ts),
   * 1 the stock single-threaded one. Else DEFECT_STUDIO_WASM_THREADS (a count
   * or 'auto'), else DEFAULT_WASM_THREADS (2) when the machine has the cores.
   * A thread count below the default, or a threaded build that fails to
   * start, is listed in `skipped` with the reason. Only takes effect before
   * wasm first initialises.
   */
  wasmThreads?: number
  /** Defaults to process.env; tests pass their own. */
  env?: NodeJS.ProcessEnv
}

/** Forces one backend (no fallback): cpu | wasm | tensorflow. Meant for tests and diagnosis. */
export const BACKEND_ENV = 'DEFECT_STUDIO_BACKEND'

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']
const CHOICES: readonly BackendChoice[] = ['tensorflow', 'wasm', 'cpu']
const NODE_PACKAGES: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node'
}

function family(name: BackendName): BackendChoice {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name
}

function parseChoice(value: string | undefined, what: string): BackendChoice | undefined {
  if (value === undefined || value === '') return undefined
  if ((CHOICES as readonly string[]).includes(value)) return value as BackendChoice
  throw new Error(`${what} must be one of ${CHOICES.join(', ')}; got '${value}'`)
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Loads tfjs-node(-gpu); 'not installed' when the package is absent, else the load error. */
function loadNodeBinding(pkg: string): string | null {
  try {
    nodeRequire()(pkg)
    return null
  } catch (e) {
    const code = (e as { code?: string }).code
    const text = message(e)
    if (code === 'MODULE_NOT_FOUND' && text.includes(pkg)) return 'not installed'
    return `failed to load: ${text.split('\n')[0]}`
  }
}

let wasmDirInUse: string | null = null

type Attempt = { ok: true; report: Partial<BackendReport>; skipped?: BackendReport['skipped'] } | { ok: false; reason: string }

async function tryBackend(name: BackendName, opts: InitBackendOptions): Promise<Attempt> {
  const env = opts.env ?? process.env
  const pkg = NODE_PACKAGES[name]
  if (pkg !== undefined) {
    const failure = loadNodeBinding(pkg)
    if (failure !== null) return { ok: false, reason: failure }
    // Both packages register the same 'tensorflow' backend name.
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: `${pkg} loaded but its backend failed to initialise` }
    return { ok: true, report: { gpu: name === 'tensorflow-gpu' } }
  }
  if (name === 'wasm') {
    let dir: string
    try {
      dir = resolveWasmDir(opts.wasmDir, env).dir
    } catch (e) {
      return { ok: false, reason: message(e) }
    }
    // The binaries are read once, when wasm first initialises; later calls reuse them.
    let wanted: { threads: number; reason: string | null }
    try {
      wanted = wantedWasmThreads(opts.wasmThreads, env[WASM_THREADS_ENV])
    } catch (e) {
      return { ok: false, reason: message(e) }
    }
    const threads = wanted.threads
    const skipped: BackendReport['skipped'] = []
    let threaded = false
    if (tf.findBackend('wasm') === null) {
      if (wanted.reason !== null) skipped.push({ name: `wasm (${DEFAULT_WASM_THREADS} threads)`, reason: wanted.reason })
      if (threads > 1) {
        try {
          threaded = installThreadedWasm({ wasmDir: dir, threads })
        } catch (e) {
          skipped.push({ name: `wasm (${threads} threads)`, reason: message(e) })
        }
      }
      if (!threaded && wasmDirInUse !== dir) {
        try {
          setWasmPaths(dir)
        } catch (e) {
          return { ok: false, reason: `wasm could not be pointed at ${dir}: ${message(e)}` }
        }
      }
      wasmDirInUse = dir
    }
    registerWasmTrainingKernels()
    const start = async (): Promise<string | null> => {
      try {
        return (await tf.setBackend('wasm')) ? null : `wasm failed to initialise from ${dir}`
      } catch (e) {
        return `wasm failed to initialise from ${dir}: ${message(e)}`
      }
    }
    let failure = await start()
    if (failure !== null && threaded && restoreStockWasm()) {
      // The threaded build would not start (TF.js logged why); the stock one still may.
      const cause = threadedWasmFailure()
      skipped.push({ name: `wasm (${threads} threads)`, reason: cause === null ? failure : `${failure}: ${cause}` })
      try {
        setWasmPaths(dir)
        failure = await start()
      } catch (e) {
        failure = `wasm could not be pointed at ${dir}: ${message(e)}`
      }
    }
    if (failure !== null) return { ok: false, reason: failure }
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))
    // -1 when the build has no thread pool (the stock single-threaded one).
    return { ok: true, report: { gpu: false, simd, threads: Math.max(1, getThreadsCount()) }, skipped }
  }
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend failed to initialise' }
  return { ok: true, report: { gpu: false, threads: 1 } }
}

/**
 * Picks and activates the best TF.js backend available:
 * tensorflow GPU > tensorflow CPU > wasm > cpu. Registers the wasm training
 * kernels, the cpu kernel fixes and the dilated-convolution gradients on the
 * way. DEFECT_STUDIO_BACKEND forces one family and fails instead of falling
 * back. tfjs-node-gpu counts as GPU once it loads; whether libtensorflow then
 * finds a CUDA device is up to it.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendReport> {
  const env = opts.env ?? process.env
  const forced = parseChoice(env[BACKEND_ENV], BACKEND_ENV)
  const prefer = parseChoice(opts.prefer, 'prefer')
  registerDilatedConvGradients()
  registerCpuKernelFixes()

  const skipped: BackendReport['skipped'] = []
  const start = forced ?? prefer
  for (const name of ORDER) {
    if (start !== undefined && ORDER.indexOf(name) < ORDER.findIndex((n) => family(n) === start)) {
      skipped.push({ name, reason: forced !== undefined ? `${BACKEND_ENV}=${forced}` : `prefer: '${prefer}'` })
      continue
    }
    if (forced !== undefined && family(name) !== forced) break
    const attempt = await tryBackend(name, opts)
    if (attempt.ok) {
      return { name, gpu: false, ...attempt.report, skipped: [...skipped, ...(attempt.skipped ?? [])] }
    }
    skipped.push({ name, reason: attempt.reason })
  }
  const detail = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')
  throw new Error(forced !== undefined ? `${BACKEND_ENV}=${forced} could not be used (${detail})` : `no TF.js backend could be initialised (${detail})`)
}
