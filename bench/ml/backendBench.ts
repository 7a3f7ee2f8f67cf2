import * as tf from '@tensorflow/tfjs'
import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { initBackend, type BackendChoice, type BackendReport } from '../../src/ml/backend'
import { BENCH_UNET, createUNet, type UNetSpec } from './unet'
import { ensureTorch, runTorch, type TorchTiming } from './torchRunner'

/**
 * Times the bench U-Net (the app's CPU preset widths) on TF.js backends and
 * its PyTorch twin in the same run: forward at 128 and 256 (batch 1), one
 * Adam training step (batch 8 at 128, MSE on the sigmoid output). Medians
 * over `reps` after `warmup`. wasm can be timed at several thread counts;
 * each runs in its own process because wasm initialises once per process.
 */

export interface BenchOptions {
  /** TF.js backends to time; default: whichever initBackend picks. */
  backends?: BackendChoice[]
  /**
   * wasm thread counts to time, one row each (1: the stock build, > 1: the
   * threaded one). Default: whatever initBackend picks (2 where it can).
   * With more than one count, each wasm row is timed in a child process.
   */
  wasmThreads?: number | number[]
  /** PyTorch thread counts to time (one row each); [] skips PyTorch. Default [1, 2]. */
  torchThreads?: number[]
  /**
   * Which PyTorch row the ratios refer to. Default: the one with as many
   * threads as the TF.js row uses (else the largest timed), so a
   * single-threaded backend is compared with single-threaded PyTorch.
   */
  ratioThreads?: number
  /** apt-get install python3-torch when it is missing (default true). */
  installTorch?: boolean
  warmup?: number
  reps?: number
  /**
   * Repetitions for the slow pure-JS cpu backend (default 1). Its forward
   * passes get one warmup run, its training step (minutes) none.
   */
  cpuReps?: number
  sizes?: [number, number]
  trainSize?: number
  trainBatch?: number
  spec?: UNetSpec
  /**
   * 'wall' (default) or 'cpu': process CPU time, which other work on a shared
   * machine barely disturbs. CPU time sums all threads, so with 'cpu' only
   * single-threaded rows are comparable to each other.
   */
  clock?: 'wall' | 'cpu'
  log?: (msg: string) => void
}

export interface BenchRow {
  /** 'wasm', 'cpu', 'tensorflow', ... or 'pytorch' for the reference rows. */
  backend: string
  /** Extra facts: SIMD/threads for wasm, thread count for PyTorch. */
  detail: string
  /** Threads the row's backend computes with (libtensorflow: unknown, reported as 0). */
  threads: number
  network: string
  params: number
  /** Convolution FLOPs (2 * H * W * KH * KW * Cin * Cout summed) of one image. */
  flops128: number
  flops256: number
  forward128Ms: number | null
  forward256Ms: number | null
  /** The training step's batch: trainBatch images of trainSize x trainSize. */
  trainBatch: number
  trainSize: number
  trainStepMs: number | null
  trainImagesPerSec: number | null
  /** This row's time divided by the reference PyTorch row's (null when PyTorch was not timed). */
  ratio: { forward128: number; forward256: number; trainStep: number } | null
  ratioTo: string | null
  /** 1-minute load average when the row was timed: other work on the machine inflates wall times. */
  loadAvg: number
  clock: 'wall' | 'cpu'
  note?: string
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function clockMs(clock: 'wall' | 'cpu'): () => number {
  if (clock === 'wall') return () => performance.now()
  return () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  }
}

async function timeMs(run: () => Promise<void>, warmup: number, reps: number, clock: 'wall' | 'cpu'): Promise<number> {
  const now = clockMs(clock)
  for (let i = 0; i < warmup; i++) await run()
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = now()
    await run()
    times.push(now() - t0)
  }
  return median(times)
}

function describe(r: BackendReport): string {
  if (r.name === 'wasm') return `simd ${r.simd ? 'on' : 'off'}, ${r.threads ?? 1} thread${(r.threads ?? 1) > 1 ? 's' : ''}`
  if (r.name === 'cpu') return 'pure JS, 1 thread'
  return r.gpu ? 'libtensorflow GPU' : 'libtensorflow CPU'
}

type Resolved = Required<Omit<BenchOptions, 'backends' | 'ratioThreads' | 'log' | 'wasmThreads'>>

async function benchTfjs(choice: BackendChoice | undefined, wasmThreads: number | undefined, o: Resolved, log: (msg: string) => void): Promise<BenchRow> {
  const report = await initBackend({
    ...(choice === undefined ? {} : { prefer: choice, env: {} }),
    ...(wasmThreads === undefined ? {} : { wasmThreads })
  })
  const net = createUNet(o.spec, 1)
  const network = `unet-b${o.spec.base}-d${o.spec.depth}`
  const base = {
    backend: report.name,
    detail: describe(report),
    threads: report.name === 'wasm' || report.name === 'cpu' ? (report.threads ?? 1) : 0,
    network,
    params: net.paramCount,
    flops128: net.flops(o.sizes[0]),
    flops256: net.flops(o.sizes[1]),
    trainBatch: o.trainBatch,
    trainSize: o.trainSize,
    ratio: null,
    ratioTo: null,
    clock: o.clock
  }
  const threadNote = report.skipped.filter((s) => s.name.startsWith('wasm (')).map((s) => `${s.name}: ${s.reason}`)
  if (report.name === 'wasm' && wasmThreads !== undefined && (report.threads ?? 1) !== wasmThreads) {
    // Asked for a thread count the machine did not give: say so rather than mislabel the row.
    log(`wasm: asked for ${wasmThreads} thread(s), running ${report.threads ?? 1} (${threadNote.join('; ')})`)
  }
  if (choice !== undefined && (report.name === 'tensorflow-gpu' ? 'tensorflow' : report.name) !== choice) {
    net.dispose()
    const why = report.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')
    return { ...base, backend: choice, detail: 'unavailable', forward128Ms: null, forward256Ms: null, trainStepMs: null, trainImagesPerSec: null, loadAvg: os.loadavg()[0]!, note: why }
  }
  const slow = report.name === 'cpu'
  const warmup = slow ? Math.min(1, o.warmup) : o.warmup
  const reps = slow ? o.cpuReps : o.reps
  const before = tf.memory().numTensors
  try {
    const forward: number[] = []
    for (const size of o.sizes) {
      const x = tf.randomUniform([1, size, size, o.spec.inChannels], 0, 1, 'float32', 3) as tf.Tensor4D
      forward.push(
        await timeMs(
          async () => {
            const y = net.apply(x)
            await y.data()
            y.dispose()
          },
          warmup,
          reps,
          o.clock
        )
      )
      x.dispose()
      log(`${report.name} (${describe(report)}): forward ${size} = ${forward[forward.length - 1]!.toFixed(1)} ms`)
    }
    const opt = tf.train.adam(1e-4)
    const xb = tf.randomUniform([o.trainBatch, o.trainSize, o.trainSize, o.spec.inChannels], 0, 1, 'float32', 4) as tf.Tensor4D
    const yb = tf.randomUniform([o.trainBatch, o.trainSize, o.trainSize, o.spec.outChannels], 0, 1, 'float32', 5) as tf.Tensor4D
    const train = await timeMs(
      async () => {
        const loss = opt.minimize(() => tf.losses.meanSquaredError(yb, net.apply(xb)) as tf.Scalar, true, net.variables)
        if (loss === null) throw new Error('optimizer returned no loss')
        await loss.data()
        loss.dispose()
      },
      slow ? 0 : warmup,
      reps,
      o.clock
    )
    log(`${report.name} (${describe(report)}): train step = ${train.toFixed(1)} ms`)
    opt.dispose()
    tf.dispose([xb, yb])
    const notes = [...(slow ? [`median of ${reps} run(s); training step timed without warmup`] : []), ...(report.name === 'wasm' && (report.threads ?? 1) < (wasmThreads ?? 2) ? threadNote : [])]
    return {
      ...base,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
      forward128Ms: forward[0]!,
      forward256Ms: forward[1]!,
      trainStepMs: train,
      trainImagesPerSec: (o.trainBatch * 1000) / train,
      loadAvg: os.loadavg()[0]!
    }
  } finally {
    net.dispose()
    const leaked = tf.memory().numTensors - before
    if (leaked > 0) log(`${report.name}: warning, ${leaked} tensors left after the bench`)
  }
}

function torchRow(t: TorchTiming, o: { sizes: [number, number]; trainBatch: number; trainSize: number; network: string; flops128: number; flops256: number; clock: 'wall' | 'cpu' }): BenchRow {
  return {
    backend: 'pytorch',
    detail: `torch ${t.torch}, ${t.threads} thread${t.threads > 1 ? 's' : ''}`,
    threads: t.threads,
    network: o.network,
    params: t.params,
    flops128: o.flops128,
    flops256: o.flops256,
    forward128Ms: t.forwardMs[String(o.sizes[0])] ?? null,
    forward256Ms: t.forwardMs[String(o.sizes[1])] ?? null,
    trainBatch: o.trainBatch,
    trainSize: o.trainSize,
    trainStepMs: t.trainStepMs,
    trainImagesPerSec: (o.trainBatch * 1000) / t.trainStepMs,
    ratio: null,
    ratioTo: null,
    loadAvg: os.loadavg()[0]!,
    clock: o.clock
  }
}

/**
 * One wasm row timed by bench/ml/cli.ts in a fresh process (wasm's thread
 * count is fixed when it first initialises). The child runs with the same
 * loader flags (tsx) as this process.
 */
function benchWasmInChild(threads: number, o: Resolved, log: (msg: string) => void): BenchRow {
  const cli = path.join(__dirname, 'cli.ts')
  const args = [
    ...process.execArgv,
    cli,
    '--backends', 'wasm',
    '--wasm-threads', String(threads),
    '--no-torch',
    '--json',
    '--warmup', String(o.warmup),
    '--reps', String(o.reps),
    '--clock', o.clock,
    '--train-batch', String(o.trainBatch),
    '--train-size', String(o.trainSize),
    '--sizes', o.sizes.join(','),
    '--base', String(o.spec.base),
    '--depth', String(o.spec.depth)
  ]
  log(`wasm ${threads} thread(s): timing in a child process`)
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 1_800_000, maxBuffer: 16 << 20 })
  if (r.stderr) log(r.stderr.trimEnd())
  if (r.status !== 0) throw new Error(`wasm bench at ${threads} thread(s) failed: ${(r.stderr ?? String(r.error)).trim().split('\n').slice(-2).join(' | ')}`)
  const rows = JSON.parse(r.stdout) as BenchRow[]
  if (rows.length !== 1) throw new Error(`wasm bench at ${threads} thread(s) printed ${rows.length} rows`)
  return rows[0]!
}

export async function runBackendBench(opts: BenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? (() => undefined)
  const o: Resolved = {
    torchThreads: opts.torchThreads ?? [1, 2],
    installTorch: opts.installTorch ?? true,
    warmup: opts.warmup ?? 2,
    reps: opts.reps ?? 5,
    cpuReps: opts.cpuReps ?? 1,
    sizes: opts.sizes ?? ([128, 256] as [number, number]),
    trainSize: opts.trainSize ?? 128,
    trainBatch: opts.trainBatch ?? 8,
    spec: opts.spec ?? BENCH_UNET,
    clock: opts.clock ?? 'wall'
  }
  const wasmThreads = opts.wasmThreads === undefined ? [undefined] : Array.isArray(opts.wasmThreads) ? opts.wasmThreads : [opts.wasmThreads]
  const rows: BenchRow[] = []
  for (const b of opts.backends ?? [undefined]) {
    if (b !== 'wasm') rows.push(await benchTfjs(b, undefined, o, log))
    else if (wasmThreads.length === 1) rows.push(await benchTfjs(b, wasmThreads[0], o, log))
    else for (const t of wasmThreads) rows.push(benchWasmInChild(t ?? 1, o, log))
  }

  const ref = rows[0]!
  if (o.torchThreads.length > 0) {
    const missing = ensureTorch(o.installTorch, log)
    if (missing !== null) {
      log(`PyTorch column skipped: ${missing}`)
      rows.forEach((r) => (r.note = r.note ?? `no PyTorch comparison: ${missing}`))
      return rows
    }
    const torchRows: BenchRow[] = []
    for (const threads of o.torchThreads) {
      log(`pytorch: ${threads} thread(s)`)
      const t = runTorch({ threads, warmup: o.warmup, reps: o.reps, sizes: o.sizes, trainSize: o.trainSize, trainBatch: o.trainBatch, base: o.spec.base, depth: o.spec.depth, clock: o.clock })
      if (t.params !== ref.params) log(`warning: PyTorch net has ${t.params} parameters, TF.js net ${ref.params}`)
      torchRows.push(torchRow(t, { sizes: o.sizes, trainBatch: o.trainBatch, trainSize: o.trainSize, network: ref.network, flops128: ref.flops128, flops256: ref.flops256, clock: o.clock }))
    }
    const div = (a: number | null, b: number | null): number => (a === null || b === null ? Number.NaN : a / b)
    const pick = (threads: number): BenchRow => {
      const want = opts.ratioThreads ?? threads
      return torchRows.find((t) => t.threads === want) ?? torchRows.reduce((a, b) => (b.threads > a.threads ? b : a))
    }
    for (const r of [...rows, ...torchRows]) {
      const base = pick(r.backend === 'pytorch' ? (opts.ratioThreads ?? 1) : r.threads)
      r.ratio = {
        forward128: div(r.forward128Ms, base.forward128Ms),
        forward256: div(r.forward256Ms, base.forward256Ms),
        trainStep: div(r.trainStepMs, base.trainStepMs)
      }
      r.ratioTo = base.detail
    }
    rows.push(...torchRows)
  }
  return rows
}

/** Plain-text table of the rows, one line per row. */
export function formatBenchTable(rows: BenchRow[]): string {
  const f = (v: number | null, d = 1): string => (v === null || Number.isNaN(v) ? '-' : v.toFixed(d))
  const head = ['backend', 'detail', 'network', 'params', 'GFLOP@128', 'fwd128 ms', 'fwd256 ms', 'train ms', 'img/s', 'x fwd128', 'x fwd256', 'x train', 'load']
  const body = rows.map((r) => [
    r.backend,
    r.detail,
    r.network,
    String(r.params),
    (r.flops128 / 1e9).toFixed(2),
    f(r.forward128Ms),
    f(r.forward256Ms),
    f(r.trainStepMs),
    f(r.trainImagesPerSec),
    f(r.ratio?.forward128 ?? null, 2),
    f(r.ratio?.forward256 ?? null, 2),
    f(r.ratio?.trainStep ?? null, 2),
    r.loadAvg.toFixed(1)
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  const notes = rows.filter((r) => r.note !== undefined).map((r) => `note (${r.backend}): ${r.note}`)
  if (rows.some((r) => r.clock === 'cpu')) notes.push('times are process CPU time (threads summed): compare single-threaded rows only')
  const refs = [...new Set(rows.filter((r) => r.ratioTo !== null).map((r) => `${r.backend} ${r.detail} -> ${r.ratioTo}`))]
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...(refs.length > 0 ? ['ratios (x ...) are time / time of the PyTorch row:', ...refs.map((r) => `  ${r}`)] : []),
    ...notes
  ].join('\n')
}
