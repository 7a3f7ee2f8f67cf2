/**
 * npx tsx bench/ml/cli.ts [--backends wasm,cpu] [--wasm-threads 1,2] [--torch-threads 1,2]
 *                         [--ratio-threads 2] [--reps 5] [--warmup 2] [--clock wall|cpu]
 *                         [--train-batch 8] [--train-size 128] [--sizes 128,256]
 *                         [--base 8] [--depth 4] [--no-torch] [--no-install] [--json]
 * Prints the backend bench table (or the rows as JSON).
 */
import { formatBenchTable, runBackendBench, type BenchOptions } from './backendBench'
import { BENCH_UNET } from './unet'
import type { BackendChoice } from '../../src/ml/backend'

function parseArgs(argv: string[]): { opts: BenchOptions; json: boolean } {
  const opts: BenchOptions = { log: (m) => process.stderr.write(`${m}\n`) }
  let json = false
  const list = (v: string | undefined, flag: string): string[] => {
    if (v === undefined || v === '') throw new Error(`${flag} needs a comma-separated value`)
    return v.split(',').map((s) => s.trim())
  }
  const int = (v: string | undefined, flag: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got '${v}'`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    switch (a) {
      case '--backends': {
        const bs = list(argv[++i], a)
        for (const b of bs) if (!['wasm', 'cpu', 'tensorflow'].includes(b)) throw new Error(`unknown backend '${b}' (wasm, cpu, tensorflow)`)
        opts.backends = bs as BackendChoice[]
        break
      }
      case '--torch-threads':
        opts.torchThreads = list(argv[++i], a).map((v) => int(v, a))
        break
      case '--wasm-threads': {
        const ts = list(argv[++i], a).map((v) => int(v, a))
        opts.wasmThreads = ts.length === 1 ? ts[0]! : ts
        break
      }
      case '--train-batch':
        opts.trainBatch = int(argv[++i], a)
        break
      case '--train-size':
        opts.trainSize = int(argv[++i], a)
        break
      case '--sizes': {
        const [s1, s2] = list(argv[++i], a).map((v) => int(v, a))
        if (s1 === undefined || s2 === undefined) throw new Error(`${a} needs two sizes, e.g. 128,256`)
        opts.sizes = [s1, s2]
        break
      }
      case '--base':
        opts.spec = { ...(opts.spec ?? BENCH_UNET), base: int(argv[++i], a) }
        break
      case '--depth':
        opts.spec = { ...(opts.spec ?? BENCH_UNET), depth: int(argv[++i], a) }
        break
      case '--ratio-threads':
        opts.ratioThreads = int(argv[++i], a)
        break
      case '--reps':
        opts.reps = int(argv[++i], a)
        break
      case '--warmup':
        opts.warmup = int(argv[++i], a)
        break
      case '--clock': {
        const c = argv[++i]
        if (c !== 'wall' && c !== 'cpu') throw new Error(`--clock needs 'wall' or 'cpu', got '${c}'`)
        opts.clock = c
        break
      }
      case '--no-torch':
        opts.torchThreads = []
        break
      case '--no-install':
        opts.installTorch = false
        break
      case '--json':
        json = true
        break
      default:
        throw new Error(`unknown argument '${a}'`)
    }
  }
  return { opts, json }
}

async function main(): Promise<void> {
  const { opts, json } = parseArgs(process.argv.slice(2))
  const rows = await runBackendBench(opts)
  process.stdout.write(json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatBenchTable(rows)}\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
