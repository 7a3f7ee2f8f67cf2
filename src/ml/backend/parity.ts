import * as tf from '@tensorflow/tfjs'
import { extent } from '../../shared/arrays'

/**
 * Runs the same computation on two backends from identical inputs and
 * reports how far apart the results are. Used by the backend tests to prove
 * each wasm kernel (and each op's gradient) matches the cpu reference.
 */

export interface InputSpec {
  shape: number[]
  dtype?: 'float32' | 'int32'
  /** Explicit values; otherwise uniform in [min, max) from the seeded generator. */
  values?: number[]
  min?: number
  max?: number
}

export interface ParityResult {
  /** max |a - b| / max |b| over every output, 0 when both are all zero. */
  relErr: number
  /** The error per output (op value and each gradient, or kernel outputs). */
  perOutput: number[]
}

/** Small deterministic generator (mulberry32) so both backends see the same numbers. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function materialise(specs: InputSpec[], seed: number): { shape: number[]; dtype: 'float32' | 'int32'; values: number[] }[] {
  const rnd = seededRandom(seed)
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1)
    const dtype = s.dtype ?? 'float32'
    if (s.values !== undefined) {
      if (s.values.length !== size) throw new Error(`input values length ${s.values.length} does not match shape [${s.shape}]`)
      return { shape: s.shape, dtype, values: s.values }
    }
    const lo = s.min ?? -1
    const hi = s.max ?? 1
    const values = Array.from({ length: size }, () => {
      const v = lo + (hi - lo) * rnd()
      return dtype === 'int32' ? Math.floor(v) : v
    })
    return { shape: s.shape, dtype, values }
  })
}

export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY
  let diff = 0
  let scale = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.POSITIVE_INFINITY
    if (Number.isNaN(x)) continue
    diff = Math.max(diff, Math.abs(x - y))
    scale = Math.max(scale, Math.abs(y))
  }
  if (diff === 0) return 0
  return scale === 0 ? Number.POSITIVE_INFINITY : diff / scale
}

async function onBackend<T>(name: string, run: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend()
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' is not available`)
  try {
    return await run()
  } finally {
    if (previous !== undefined && previous !== name) await tf.setBackend(previous)
  }
}

async function readAll(ts: tf.Tensor[]): Promise<number[][]> {
  const out: number[][] = []
  for (const t of ts) out.push(Array.from(await t.data()))
  return out
}

function compare(a: number[][], b: number[][]): ParityResult {
  const perOutput = a.map((v, i) => relativeError(v, b[i] ?? []))
  if (a.length !== b.length) perOutput.push(Number.POSITIVE_INFINITY)
  return { relErr: Math.max(0, extent(perOutput)?.max ?? 0), perOutput }
}

/**
 * Value and gradients (for a fixed random upstream gradient) of `f` on both
 * backends. Only float32 inputs get gradients.
 */
export async function gradParity(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: InputSpec[],
  opts: { backends?: [string, string]; seed?: number } = {}
): Promise<ParityResult> {
  const [test, ref] = opts.backends ?? ['wasm', 'cpu']
  const data = materialise(inputs, opts.seed ?? 7)
  const diffIdx = data.flatMap((d, i) => (d.dtype === 'float32' ? [i] : []))
  const run = async (): Promise<number[][]> => {
    const xs = data.map((d) => tf.tensor(d.values, d.shape, d.dtype))
    try {
      const y = tf.tidy(() => f(...xs))
      const dyData = materialise([{ shape: y.shape }], (opts.seed ?? 7) + 1)[0]!
      const dy = tf.tensor(dyData.values, y.shape)
      const grads = tf.tidy(() => {
        const g = tf.grads((...ds: tf.Tensor[]) => f(...xs.map((x, i) => (diffIdx.includes(i) ? ds[diffIdx.indexOf(i)]! : x))))
        return g(diffIdx.map((i) => xs[i]!), dy)
      })
      const values = await readAll([y, ...grads])
      tf.dispose([y, dy, ...grads])
      return values
    } finally {
      tf.dispose(xs)
    }
  }
  const a = await onBackend(test, run)
  const b = await onBackend(ref, run)
  return compare(a, b)
}

/** One kernel run directly through the engine on both backends. */
export async function kernelParity(
  kernelName: string,
  inputs: Record<string, InputSpec>,
  attrs: Record<string, unknown>,
  opts: { backends?: [string, string]; seed?: number } = {}
): Promise<ParityResult> {
  const [test, ref] = opts.backends ?? ['wasm', 'cpu']
  const names = Object.keys(inputs)
  const data = materialise(names.map((n) => inputs[n]!), opts.seed ?? 11)
  const run = async (): Promise<number[][]> => {
    const xs = data.map((d) => tf.tensor(d.values, d.shape, d.dtype))
    try {
      const named: tf.NamedTensorMap = {}
      names.forEach((n, i) => (named[n] = xs[i]!))
      const out = tf.engine().runKernel(kernelName, named, attrs as unknown as tf.NamedAttrMap)
      const outs = Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor]
      const values = await readAll(outs)
      tf.dispose(outs)
      return values
    } finally {
      tf.dispose(xs)
    }
  }
  const a = await onBackend(test, run)
  const b = await onBackend(ref, run)
  return compare(a, b)
}

/**
 * Starts wasm (asserting it started) and the cpu reference backend the
 * parity helpers compare against, leaving wasm active; for a test file's beforeAll.
 */
export async function startWasmWithCpuReference(initBackend: (o: { prefer: 'wasm'; env: Record<string, string> }) => Promise<{ name: string }>): Promise<void> {
  const report = await initBackend({ prefer: 'wasm', env: {} })
  if (report.name !== 'wasm') throw new Error(`wasm did not start (got '${report.name}')`)
  await tf.setBackend('cpu')
  await tf.setBackend('wasm')
}
