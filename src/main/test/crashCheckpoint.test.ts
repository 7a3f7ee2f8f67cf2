/**
 * SIGKILL of the ML process in the middle of a checkpoint write, through the
 * real process boundary main uses (MlHost): the moment a checkpoint's
 * staging folder appears, the process dies. Afterwards every checkpoint under
 * its final name is whole, and a new run resumes from the newest one and
 * finishes, after which the checkpoints are gone (the model folder replaces them).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, watch } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import type { DatasetItem, TrainJobSpec } from '../../shared/arcd/protocol'
import { MlHost, MlJobError } from '../services/training/mlHost'
import { tempDir } from './fixtures'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

const CKPT = /^ckpt-\d{6}$/
const STAGING = /^\.ckpt-\d{6}\.tmp-/

async function frames(dir: string, n: number): Promise<DatasetItem[]> {
  mkdirSync(dir, { recursive: true })
  const items: DatasetItem[] = []
  for (let i = 0; i < n; i++) {
    const file = join(dir, `f${i}.png`)
    await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 90 + i * 7, g: 100, b: 110 } } })
      .png()
      .toFile(file)
    items.push({ id: i + 1, path: file, width: 40, height: 40, view: 'D01', split: i < n - 2 ? 'train' : 'val', normal: true, polygons: [] })
  }
  return items
}

/** Every folder named ckpt-NNNNNN holds a readable state.json and every part it lists. */
function assertCheckpointsWhole(dir: string): string[] {
  const names = readdirSync(dir).filter((n) => CKPT.test(n)).sort()
  for (const name of names) {
    const state = JSON.parse(readFileSync(join(dir, name, 'state.json'), 'utf8')) as { format: string; files: Record<string, boolean> }
    expect(state.format).toBe('defect-studio-checkpoint')
    for (const net of ['recon', 'disc'] as const) {
      if (state.files[net]) expect(existsSync(join(dir, name, net, 'model.json')), `${name}/${net}`).toBe(true)
    }
  }
  return names
}

describe('crash safety: checkpoint writes', () => {
  it('a SIGKILL mid-checkpoint leaves only whole checkpoints, and the next run resumes from the newest', async () => {
    const { dir: tmp, cleanup } = tempDir('ds-crash-ckpt-')
    cleanups.push(cleanup)
    const images = await frames(join(tmp, 'frames'), 6)
    const outDir = join(tmp, 'models', 'run-1')
    const ckDir = join(outDir, 'checkpoints')
    const spec: TrainJobSpec = {
      kind: 'train',
      runId: 'run-1',
      outDir,
      classes: [{ name: 'fold', kind: 'defect' }],
      images,
      // Letterboxed, fixed epochs: the test counts checkpoints by epoch, which a time budget would not fix.
      model: { ...CPU_PRESET, input: 'letterbox', size: 16, reconBase: 4, reconDepth: 1, discBase: 2, discDepth: 1 },
      train: { ...DEFAULT_TRAIN, budgetMinutes: 0, batchSize: 2, stage1Epochs: 40, stage2Epochs: 0, patience: 100, seed: 5 },
      stages: ['recon'],
      arch: 'arcd'
    }
    const env = { ...process.env, DEFECT_STUDIO_BACKEND: 'wasm' }

    // Kill at the moment a staging folder appears. The first checkpoint is let through, so a whole one exists to fall back to.
    let midWrite = false
    for (let attempt = 0; attempt < 6 && !midWrite; attempt++) {
      const host = MlHost.fork(undefined, env)
      cleanups.push(() => host.close())
      await host.ready
      mkdirSync(ckDir, { recursive: true })
      const already = readdirSync(ckDir).filter((n) => CKPT.test(n)).length
      let seen = 0
      const watcher = watch(ckDir, (_event, name) => {
        if (!name || !STAGING.test(String(name)) || existsSync(join(ckDir, String(name).replace(/^\.(ckpt-\d{6}).*$/, '$1')))) return
        seen += 1
        if (already + seen >= 2) host.kill()
      })
      const resume = already > 0 ? { resumeFrom: ckDir } : {}
      const outcome = await host.run({ ...spec, ...resume }).then(
        () => 'finished',
        (err: unknown) => (err instanceof MlJobError ? err.code : String(err))
      )
      watcher.close()
      expect(outcome).toBe('crashed')
      // A staging folder left behind is the proof the kill landed inside a write.
      midWrite = readdirSync(ckDir).some((n) => STAGING.test(n))
    }
    expect(midWrite).toBe(true)

    const whole = assertCheckpointsWhole(ckDir)
    expect(whole.length).toBeGreaterThan(0)
    const newest = whole.at(-1)!
    const { epoch } = JSON.parse(readFileSync(join(ckDir, newest, 'state.json'), 'utf8')) as { epoch: number }

    const host = MlHost.fork(undefined, env)
    cleanups.push(() => host.close())
    const logs: string[] = []
    const result = await host.run({ ...spec, train: { ...spec.train, stage1Epochs: epoch + 2 }, resumeFrom: ckDir }, { onLog: (m) => logs.push(m.message) })
    expect(result.kind).toBe('train')
    expect(logs.join('\n')).toContain(`resuming from ${join(ckDir, newest)}`)
    expect(existsSync(join(outDir, 'config.json'))).toBe(true)
    // Checkpoints live until the run that needs them succeeds; then the model folder replaces them, leftovers included.
    expect(existsSync(ckDir)).toBe(false)
  })
})
