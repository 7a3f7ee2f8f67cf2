import { spawnSync } from 'node:child_process'
import path from 'node:path'

/** What torch_unet.py prints. */
export interface TorchTiming {
  torch: string
  threads: number
  params: number
  forwardMs: Record<string, number>
  trainStepMs: number
}

export const PYTHON = '/usr/bin/python3'
const SCRIPT = path.join(__dirname, 'torch_unet.py')

function run(cmd: string, args: string[], timeoutMs: number): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 })
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') }
}

export function torchAvailable(): boolean {
  return run(PYTHON, ['-c', 'import torch'], 60_000).ok
}

/**
 * Makes sure Debian's python3-torch is importable, installing it with apt
 * when allowed. Returns null when torch is usable, else a note saying why not.
 */
export function ensureTorch(install: boolean, log: (msg: string) => void): string | null {
  if (torchAvailable()) return null
  if (!install) return 'PyTorch not installed (python3-torch); run without --no-install to let the bench apt-get it'
  log('python3-torch missing: apt-get update && apt-get install -y python3-torch')
  const update = run('apt-get', ['update'], 600_000)
  if (!update.ok) return `apt-get update failed: ${update.err.trim().split('\n').pop() ?? ''}`
  const policy = run('apt-cache', ['policy', 'python3-torch'], 60_000)
  if (!/Candidate:\s*(?!\(none\))\S+/.test(policy.out)) return 'python3-torch has no installable candidate in the apt sources'
  const install_ = spawnSync('apt-get', ['install', '-y', 'python3-torch'], {
    encoding: 'utf8',
    timeout: 1_800_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  if (install_.status !== 0) return `apt-get install python3-torch failed: ${(install_.stderr ?? '').trim().split('\n').pop() ?? ''}`
  return torchAvailable() ? null : 'python3-torch installed but "import torch" still fails'
}

export interface TorchRunOptions {
  threads: number
  warmup: number
  reps: number
  sizes: number[]
  trainSize: number
  trainBatch: number
  base: number
  depth: number
  clock: 'wall' | 'cpu'
}

/** Runs the PyTorch twin once; throws with its stderr when it fails. */
export function runTorch(o: TorchRunOptions): TorchTiming {
  const args = [
    SCRIPT,
    '--threads', String(o.threads),
    '--warmup', String(o.warmup),
    '--reps', String(o.reps),
    '--sizes', o.sizes.join(','),
    '--train-size', String(o.trainSize),
    '--train-batch', String(o.trainBatch),
    '--base', String(o.base),
    '--depth', String(o.depth),
    '--clock', o.clock
  ]
  // OMP_NUM_THREADS keeps OpenMP from spinning up threads beyond set_num_threads.
  const r = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    timeout: 900_000,
    env: { ...process.env, OMP_NUM_THREADS: String(o.threads) }
  })
  if (r.status !== 0) throw new Error(`torch_unet.py failed: ${(r.stderr ?? String(r.error)).trim().split('\n').slice(-3).join(' | ')}`)
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? ''
  return JSON.parse(line) as TorchTiming
}
