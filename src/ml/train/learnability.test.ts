/**
 * The recipe must learn: on small synthetic frames (a striped texture with
 * dark blobs and thin bright scratches, written as real PNG files), a few
 * hundred crop-training steps on the best backend available reach pixel AP
 * >= 0.5 for each defect class and image AUROC >= 0.9 on held-out test
 * frames, scored by the eval job against the labels. A recipe change that
 * stops the model learning (a loss that saturates, a broken crop sampler,
 * misaligned targets) fails here, long before anyone runs the real-data bench.
 */
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import { auroc, averagePrecision } from '../../shared/arcd/ranking'
import type { ClassSpec, DatasetItem, TrainResult } from '../../shared/arcd/protocol'
import { initBackend } from '../backend'
import { recordingContext } from '../jobs/context'
import { runEval } from '../jobs/eval'
import { makeSyntheticDataset } from './syntheticData'
import { trainModel } from './trainer'

let tmp: string
let items: DatasetItem[]
let classes: ClassSpec[]

beforeAll(async () => {
  await initBackend()
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-learn-'))
  ;({ items, classes } = await makeSyntheticDataset({ dir: path.join(tmp, 'data'), normal: 40, defects: 60, width: 96, height: 80, seed: 11 }))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('learnability of the crop recipe', () => {
  for (const arch of ['unet', 'arcd'] as const) {
    it(`${arch}: pixel AP >= 0.5 per defect class and image AUROC >= 0.9 on unseen frames`, async () => {
      const outDir = path.join(tmp, 'models', arch)
      const ctx = recordingContext(arch)
      const result = (await trainModel(
        {
          kind: 'train',
          runId: arch,
          outDir,
          classes,
          images: items,
          model: { ...CPU_PRESET, size: 48, reconBase: 4, reconDepth: 2, discBase: 6, discDepth: 2 },
          train: { ...DEFAULT_TRAIN, budgetMinutes: 0, stage1Steps: 60, stage2Steps: 240, evalRounds: 4, batchSize: 8, lr: 3e-3, patience: 0, seed: 5 },
          stages: arch === 'arcd' ? ['recon', 'disc'] : ['disc'],
          arch
        },
        ctx,
        'test'
      )) as TrainResult
      expect(result.plan.stage2Steps).toBe(240)
      expect(result.classes.map((c) => c.name)).toEqual(['blob', 'scratch'])
      const { report } = await runEval({ kind: 'eval', modelDir: outDir, images: items, split: 'test' }, recordingContext('eval'))
      const byName = Object.fromEntries(report.overall.classes.map((c) => [c.name, c]))
      expect(byName.blob!.positives).toBeGreaterThan(0)
      expect(byName.scratch!.positives).toBeGreaterThan(0)
      expect(byName.blob!.pixelAp!).toBeGreaterThanOrEqual(0.5)
      expect(byName.scratch!.pixelAp!).toBeGreaterThanOrEqual(0.5)
      expect(report.overall.imageAuroc!).toBeGreaterThanOrEqual(0.9)
      // Sanity of the scorer itself on a case with a known answer.
      expect(averagePrecision([0.9, 0.8, 0.1], [1, 1, 0])).toBe(1)
      expect(auroc([0.9, 0.1], [1, 0])).toBe(1)
    }, 240_000)
  }
})
