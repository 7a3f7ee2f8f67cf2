/**
 * End-to-end training on tiny real PNG files (16 px model, base width 2) on
 * the pure-JS backend: both stages, the model folder, reload, evaluation,
 * inference, cancel + resume, NaN stop, warm start and bad input.
 */
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN } from '../../shared/arcd/config'
import type { ClassSpec, DatasetItem, TrainJobSpec } from '../../shared/arcd/protocol'
import { initBackend } from '../backend'
import { readTensorFiles } from '../io/weights'
import { recordingContext, JobError, type JobEvent } from '../jobs/context'
import { runEval } from '../jobs/eval'
import { runInfer } from '../jobs/infer'
import { findCheckpoint, readCheckpointState } from './checkpoint'
import { makeSyntheticDataset } from './syntheticData'
import { trainModel } from './trainer'

let tmp: string
let items: DatasetItem[]
let classes: ClassSpec[]

// The thesis's letterbox input; tiles have their own tests (tilesTrainer.test.ts).
const model = { ...CPU_PRESET, input: 'letterbox' as const, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 }
const train = { ...DEFAULT_TRAIN, batchSize: 4, lr: 1e-2, stage1Epochs: 3, stage2Epochs: 3, patience: 10, seed: 3, loss: 'focal-batch' as const, ssimWeight: 0.01 }

function spec(name: string, over: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return {
    kind: 'train',
    runId: name,
    outDir: path.join(tmp, 'models', name),
    classes,
    images: items,
    model,
    train,
    stages: ['recon', 'disc'],
    arch: 'arcd',
    ...over
  }
}

async function weightsOf(dir: string): Promise<number[][]> {
  return (await readTensorFiles(dir, 'model')).map((n) => Array.from(n.tensor.dataSync()))
}

function epochs(events: JobEvent[], stage: string) {
  return events.filter((e): e is Extract<JobEvent, { type: 'epoch' }> => e.type === 'epoch' && e.stage === stage)
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' })
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-train-'))
  ;({ items, classes } = await makeSyntheticDataset({ dir: path.join(tmp, 'data'), normal: 10, defects: 10, width: 20, height: 16, views: ['D01', 'D02'] }))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('training both stages', () => {
  let result: Awaited<ReturnType<typeof trainModel>>
  const ctx = recordingContext('full')
  let tensorsBefore = 0
  let tensorsAfter = 0

  beforeAll(async () => {
    tensorsBefore = tf.memory().numTensors
    result = await trainModel(spec('full'), ctx, 'cpu')
    tensorsAfter = tf.memory().numTensors
  })

  it('frees every tensor it made', () => {
    expect(tensorsAfter).toBe(tensorsBefore)
  })

  it('lowers the loss in both stages and reports progress', () => {
    const rec = epochs(ctx.events, 'recon')
    const disc = epochs(ctx.events, 'disc')
    expect(rec).toHaveLength(3)
    expect(disc).toHaveLength(3)
    expect(rec[2]!.trainLoss).toBeLessThan(rec[0]!.trainLoss)
    expect(disc[2]!.trainLoss).toBeLessThan(disc[0]!.trainLoss)
    const progress = ctx.events.filter((e) => e.type === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    const p = progress[progress.length - 1]!
    expect(p).toMatchObject({ stage: 'disc', epoch: 3, epochs: 3 })
    if (p.type === 'progress') expect(p.imagesPerSec).toBeGreaterThan(0)
    expect(result.stages.map((s) => s.stage)).toEqual(['recon', 'disc'])
  })

  it('writes a complete model folder and drops the checkpoints', async () => {
    const dir = result.modelDir
    const entries = (await fs.readdir(dir)).sort()
    expect(entries).toEqual(['config.json', 'disc', 'manifest.json', 'metrics.json', 'recon', 'thresholds.json'])
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'))
    expect(manifest.counts.perClass.blob.images).toBeGreaterThan(0)
    expect(manifest.counts.bySplit.test).toBeUndefined()
    const thresholds = JSON.parse(await fs.readFile(path.join(dir, 'thresholds.json'), 'utf8'))
    expect(Object.keys(thresholds.perClass)).toEqual(['blob', 'scratch'])
    expect(result.valMetrics?.overall.images).toBeGreaterThan(0)
  })

  it('reloads to identical outputs: evaluating the saved model reproduces the validation report', async () => {
    const ev = await runEval({ kind: 'eval', modelDir: result.modelDir, images: items, split: 'val' }, recordingContext('ev'))
    expect(ev.report).toEqual(result.valMetrics)
    expect(Object.keys(ev.report.perView).sort()).toEqual(['D01', 'D02'])
  })

  it('infers frame-size maps and writes PNGs', async () => {
    const out = path.join(tmp, 'infer')
    const frames = items.filter((it) => it.split === 'test')
    const r = await runInfer({ kind: 'infer', modelDir: result.modelDir, images: frames, outDir: out, writePngs: true }, recordingContext('inf'))
    expect(r.items).toHaveLength(frames.length)
    const first = r.items[0]!
    expect(first.score).toBeGreaterThanOrEqual(0)
    expect(first.score).toBeLessThanOrEqual(1)
    for (const f of [first.files!.recon!, first.files!.heatmap, first.files!.masks.blob!]) {
      const meta = await sharp(f).metadata()
      expect([meta.width, meta.height]).toEqual([20, 16])
    }
  })
})

describe('cancel and resume', () => {
  it('cancels mid-epoch with a checkpoint and resumes to the same weights as an uninterrupted run', async () => {
    const short = { ...train, stage1Epochs: 2, stage2Epochs: 2 }
    const tensorsAtStart = tf.memory().numTensors
    await trainModel(spec('straight', { train: short }), recordingContext('a'), 'cpu')

    const s = spec('interrupted', { train: short })
    // Cancel during stage 1 (3rd step), then during stage 2 (2nd step).
    const c1 = recordingContext('b', (ev) => ev.filter((e) => e.type === 'progress').length === 3)
    const err1 = await trainModel(s, c1, 'cpu').catch((e: unknown) => e)
    expect(err1).toBeInstanceOf(JobError)
    expect((err1 as JobError).code).toBe('cancelled')
    const ck1 = (err1 as JobError).checkpoint!
    const st1 = await readCheckpointState(ck1)
    expect(st1).toMatchObject({ stage: 'recon', epoch: 1, step: 1, stageDone: false })
    expect(await findCheckpoint(path.join(s.outDir, 'checkpoints'))).toBe(ck1)

    const c2 = recordingContext('c', (ev) => ev.filter((e) => e.type === 'progress' && e.stage === 'disc').length === 2)
    const err2 = await trainModel({ ...s, resumeFrom: path.join(s.outDir, 'checkpoints') }, c2, 'cpu').catch((e: unknown) => e)
    expect((err2 as JobError).code).toBe('cancelled')
    const st2 = await readCheckpointState((err2 as JobError).checkpoint!)
    expect(st2).toMatchObject({ stage: 'disc', epoch: 0, step: 2 })

    expect(tf.memory().numTensors).toBe(tensorsAtStart)
    const c3 = recordingContext('d')
    const done = await trainModel({ ...s, resumeFrom: (err2 as JobError).checkpoint! }, c3, 'cpu')
    expect(done.resumedFromEpoch).toBe(0)
    expect(done.history.map((h) => `${h.stage}${h.epoch}`)).toEqual(['recon1', 'recon2', 'disc1', 'disc2'])

    for (const net of ['recon', 'disc']) {
      const a = await weightsOf(path.join(tmp, 'models', 'straight', net))
      const b = await weightsOf(path.join(s.outDir, net))
      expect(b.length).toBe(a.length)
      a.forEach((w, i) => {
        const d = Math.max(...w.map((v, k) => Math.abs(v - b[i]![k]!)))
        expect(d).toBeLessThan(1e-5)
      })
    }
  })
})

describe('divergence', () => {
  it('stops on a non-finite loss with a clear error and keeps the last good checkpoint', async () => {
    const s = spec('nan', { train: { ...train, stage1Epochs: 3 }, stages: ['recon'] })
    const c1 = recordingContext('n1', (ev) => ev.some((e) => e.type === 'epoch'))
    const err1 = (await trainModel(s, c1, 'cpu').catch((e: unknown) => e)) as JobError
    expect(err1.code).toBe('cancelled')
    const good = err1.checkpoint!
    const before = await fs.readdir(path.join(s.outDir, 'checkpoints'))

    // An infinite learning rate turns the weights into inf/NaN after one step.
    const err2 = (await trainModel({ ...s, train: { ...s.train, lr: Number.POSITIVE_INFINITY }, resumeFrom: good }, recordingContext('n2'), 'cpu').catch(
      (e: unknown) => e
    )) as JobError
    expect(err2).toBeInstanceOf(JobError)
    expect(err2.code).toBe('nan-loss')
    expect(err2.message).toMatch(/loss became NaN|loss became -?Infinity/)
    expect(err2.message).toContain(good)
    expect(err2.checkpoint).toBe(good)
    expect(err2.recoverable).toBe(true)
    expect(await fs.readdir(path.join(s.outDir, 'checkpoints'))).toEqual(before)
    expect(await findCheckpoint(path.join(s.outDir, 'checkpoints'))).toBe(good)
    await expect(fs.access(path.join(s.outDir, 'config.json'))).rejects.toThrow()
  })
})

describe('warm start and baselines', () => {
  it('trains ARCD stage 2 on a warm-started reconstruction, and the plain U-Net on the image alone', async () => {
    const stage1 = await trainModel(spec('s1', { stages: ['recon'], train: { ...train, stage1Epochs: 1 } }), recordingContext('w1'), 'cpu')
    expect(stage1.thresholds).toEqual({})
    const cfg = JSON.parse(await fs.readFile(path.join(stage1.modelDir, 'config.json'), 'utf8'))
    expect(cfg.nets).toEqual({ recon: true, disc: false })

    const ctx = recordingContext('w2')
    const arcd = await trainModel(spec('s2', { stages: ['disc'], warmStartFrom: stage1.modelDir, train: { ...train, stage2Epochs: 1 } }), ctx, 'cpu')
    expect(arcd.warmStarted?.loaded).toBeGreaterThan(0)
    expect(arcd.warmStarted?.skipped).toBe(0)
    const a = await weightsOf(path.join(stage1.modelDir, 'recon'))
    const b = await weightsOf(path.join(arcd.modelDir, 'recon'))
    expect(b).toEqual(a)

    const unet = await trainModel(spec('u', { arch: 'unet', stages: ['disc'], train: { ...train, stage2Epochs: 1 } }), recordingContext('w3'), 'cpu')
    expect((await fs.readdir(unet.modelDir)).includes('recon')).toBe(false)
    const ev = await runEval({ kind: 'eval', modelDir: unet.modelDir, images: items }, recordingContext('w4'))
    expect(ev.split).toBe('test')
    expect(ev.report.overall.ra).toBeNull()
  })

  it('rejects bad input with clear messages', async () => {
    await expect(trainModel(spec('bad1', { outDir: 'relative/dir' }), recordingContext(), 'cpu')).rejects.toThrow(/absolute/)
    await expect(trainModel(spec('bad2', { stages: ['disc'] }), recordingContext(), 'cpu')).rejects.toThrow(/warmStartFrom/)
    const broken = items.map((it, i) => (i === 12 ? { ...it, polygons: [{ classIndex: 5, points: [0, 0, 1, 0, 1, 1] }] } : it))
    await expect(trainModel(spec('bad3', { images: broken }), recordingContext(), 'cpu')).rejects.toThrow(/class index 5/)
    const wrongSize = items.map((it, i) => (i === 0 ? { ...it, width: 99 } : it))
    await expect(trainModel(spec('bad4', { images: wrongSize }), recordingContext(), 'cpu')).rejects.toThrow(/decodes to 20x16/)
  })
})
