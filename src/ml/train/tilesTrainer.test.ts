/**
 * The crop recipe's run mechanics on tiny real PNG files: cancel + resume to
 * the same weights, stage 1 reused on a retrain with the same normal frames,
 * outputs only for labelled classes, evaluation with the workspace's class
 * list, frames larger than the analysis scale, and a time budget.
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
import { readModelConfig } from '../io/modelDir'
import { readTensorFiles } from '../io/weights'
import { type JobError, recordingContext } from '../jobs/context'
import { runEval } from '../jobs/eval'
import { runInfer } from '../jobs/infer'
import { readCheckpointState } from './checkpoint'
import { makeSyntheticDataset } from './syntheticData'
import { trainModel } from './trainer'

let tmp: string
let items: DatasetItem[]
/** The workspace's classes: the two synthetic defects plus one nobody labelled. */
let classes: ClassSpec[]

const model = { ...CPU_PRESET, size: 16, reconBase: 2, reconDepth: 1, discBase: 2, discDepth: 1 }
const train = { ...DEFAULT_TRAIN, budgetMinutes: 0, stage1Steps: 4, stage2Steps: 4, evalRounds: 2, batchSize: 4, lr: 1e-2, patience: 0, seed: 3 }

function spec(name: string, over: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return { kind: 'train', runId: name, outDir: path.join(tmp, 'models', name), classes, images: items, model, train, stages: ['recon', 'disc'], arch: 'arcd', ...over }
}

async function weightsOf(dir: string): Promise<number[][]> {
  return (await readTensorFiles(dir, 'model')).map((n) => Array.from(n.tensor.dataSync()))
}

beforeAll(async () => {
  await initBackend()
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ds-tiles-'))
  const ds = await makeSyntheticDataset({ dir: path.join(tmp, 'data'), normal: 10, defects: 10, width: 28, height: 20 })
  items = ds.items
  classes = [{ name: 'lathe', kind: 'region' }, ...ds.classes]
  // Polygons index the workspace list, which has 'lathe' first.
  items = items.map((it) => ({ ...it, polygons: it.polygons.map((p) => ({ ...p, classIndex: p.classIndex + 1 })) }))
})
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true })
})

describe('tiles recipe', () => {
  it('gives outputs only to labelled classes and names the others', async () => {
    const ctx = recordingContext('c')
    const r = await trainModel(spec('classes'), ctx, 'test')
    expect(r.classes.map((c) => c.name)).toEqual(['blob', 'scratch'])
    // Stage 2 reconstructs its validation frames once, not at every round.
    const seen = items.filter((it) => it.split === 'val').length
    expect(seen).toBeGreaterThan(0)
    expect(ctx.events.some((e) => e.type === 'log' && new RegExp(`stage 2: reconstructed ${seen} frames once`).test(e.message))).toBe(true)
    expect(r.untrainedClasses).toEqual(['lathe'])
    expect(r.plan).toMatchObject({ input: 'tiles', stage1Steps: 4, stage2Steps: 4, reconReused: false })
    expect(r.reconQuality?.ssim).toBeGreaterThan(-1)
    const cfg = await readModelConfig(r.modelDir)
    expect(cfg.classes.map((c) => c.name)).toEqual(['blob', 'scratch'])
    expect(cfg.untrainedClasses).toEqual(['lathe'])
    // The eval job maps the workspace's class indices to the model's by name.
    const { report } = await runEval({ kind: 'eval', modelDir: r.modelDir, images: items, classes, split: 'test' }, recordingContext('e'))
    const pos = Object.fromEntries(report.overall.classes.map((c) => [c.name, c.positives]))
    const expected = { blob: 0, scratch: 0 }
    for (const it of items.filter((i) => i.split === 'test')) {
      for (const p of it.polygons) expected[classes[p.classIndex]!.name as 'blob' | 'scratch'] += 1
    }
    expect(pos.blob! > 0).toBe(expected.blob > 0)
    expect(pos.scratch! > 0).toBe(expected.scratch > 0)
    expect(report.overall.images).toBe(items.filter((i) => i.split === 'test').length)
  })

  it('reuses stage 1 on a retrain with the same normal frames, and trains it again when they change', async () => {
    const first = spec('reuse-a')
    await trainModel(first, recordingContext('a'), 'test')
    const ctxB = recordingContext('b')
    const again = await trainModel(spec('reuse-b', { warmStartFrom: first.outDir }), ctxB, 'test')
    expect(again.plan.reconReused).toBe(true)
    const discConverted = (c: ReturnType<typeof recordingContext>): boolean =>
      c.events.some((e) => e.type === 'log' && /warm start disc: its first convolution converted to read the reconstruction/.test(e.message))
    expect(discConverted(ctxB)).toBe(false)
    // A segmentation net that reads the reconstruction the other way (residual or not) has the same shapes but
    // another input: it is loaded with its first convolution converted (models.test.ts checks the function is kept),
    // and stage 1 is still reused.
    const ctxF = recordingContext('f')
    const otherInput = await trainModel(spec('reuse-f', { warmStartFrom: first.outDir, model: { ...model, reconResidual: !model.reconResidual } }), ctxF, 'test')
    expect(otherInput.plan.reconReused).toBe(true)
    expect(discConverted(ctxF)).toBe(true)
    expect(ctxF.events.some((e) => e.type === 'log' && /warm start disc: \d+ weights loaded, 0 kept fresh/.test(e.message))).toBe(true)
    expect(again.history.filter((h) => h.stage === 'recon')).toHaveLength(0)
    const a = await weightsOf(path.join(first.outDir, 'recon'))
    const b = await weightsOf(path.join(again.modelDir, 'recon'))
    expect(b).toEqual(a)

    const fewer = items.filter((it, i) => !(it.normal && it.split === 'train' && i === items.findIndex((x) => x.normal && x.split === 'train')))
    const changed = await trainModel(spec('reuse-c', { warmStartFrom: first.outDir, images: fewer }), recordingContext('c'), 'test')
    expect(changed.plan.reconReused).toBe(false)
    expect(changed.history.filter((h) => h.stage === 'recon').length).toBeGreaterThan(0)

    // A reconstruction of another shape (here without skips) is neither reused nor lent, half loaded, to stage 2 alone.
    const noSkips = { ...model, reconSkips: false }
    const reshaped = await trainModel(spec('reuse-d', { warmStartFrom: first.outDir, model: noSkips }), recordingContext('d'), 'test')
    expect(reshaped.plan.reconReused).toBe(false)
    expect(reshaped.history.filter((h) => h.stage === 'recon').length).toBeGreaterThan(0)
    await expect(trainModel(spec('reuse-e', { warmStartFrom: first.outDir, model: noSkips, stages: ['disc'] }), recordingContext('e'), 'test')).rejects.toThrow(
      /reconstruction net has another shape \(\d+ of its weights do not fit/
    )
  })

  it('cancels with a checkpoint and resumes to the same weights as an uninterrupted run', async () => {
    const t = { ...train, stage1Steps: 4, stage2Steps: 4, evalRounds: 2 }
    const tensorsAtStart = tf.memory().numTensors
    await trainModel(spec('straight', { train: t }), recordingContext('s'), 'test')
    const s = spec('interrupted', { train: t })
    const c1 = recordingContext('i1', (ev) => ev.filter((e) => e.type === 'progress' && e.stage === 'disc').length === 3)
    const err = await trainModel(s, c1, 'test').catch((e: unknown) => e)
    expect((err as JobError).code).toBe('cancelled')
    const st = await readCheckpointState((err as JobError).checkpoint!)
    expect(st).toMatchObject({ stage: 'disc', epoch: 1, step: 1, stageDone: false })
    expect(st.plan).toMatchObject({ stage1Steps: 4, stage2Steps: 4 })
    // Without a time budget, stage 2 reads every candidate, and the resumed run the frames the checkpoint names.
    const v = st.plan!.validation!
    expect([v.labelled, v.normals, v.roundLabelled]).toEqual([v.candidateLabelled, v.candidateNormals, v.candidateLabelled])
    expect(v.candidateLabelled + v.candidateNormals).toBeGreaterThan(0)
    expect(tf.memory().numTensors).toBe(tensorsAtStart)
    const done = await trainModel({ ...s, resumeFrom: (err as JobError).checkpoint! }, recordingContext('i2'), 'test')
    expect(done.plan.validation).toEqual(v)
    expect(done.history.map((h) => `${h.stage}${h.epoch}`)).toEqual(['recon1', 'recon2', 'disc1', 'disc2'])
    for (const net of ['recon', 'disc']) {
      const a = await weightsOf(path.join(tmp, 'models', 'straight', net))
      const b = await weightsOf(path.join(s.outDir, net))
      a.forEach((w, i) => expect(Math.max(...w.map((v, k) => Math.abs(v - b[i]![k]!)))).toBeLessThan(1e-4))
    }
  })

  it('works at the analysis scale on frames larger than it and writes maps at frame size', async () => {
    const big = path.join(tmp, 'big.png')
    const W = 90
    const H = 60
    const grey = Buffer.alloc(W * H, 128)
    await sharp(grey, { raw: { width: W, height: H, channels: 1 } }).png().toFile(big)
    const r = await trainModel(spec('scaled', { model: { ...model, maxShortSide: 30 } }), recordingContext('sc'), 'test')
    const out = path.join(tmp, 'maps')
    const inf = await runInfer(
      { kind: 'infer', modelDir: r.modelDir, images: [{ id: 'big', path: big, width: W, height: H, view: 'D01', split: 'test', normal: false, polygons: [] }], outDir: out, writePngs: true },
      recordingContext('inf')
    )
    const meta = await sharp(inf.items[0]!.files!.probs.blob!).metadata()
    expect([meta.width, meta.height]).toEqual([W, H])
    expect(Object.keys(inf.items[0]!.maskPixels)).toEqual(['blob', 'scratch'])
  })

  it('sizes the run from a time budget', async () => {
    const r = await trainModel(spec('budget', { train: { ...train, budgetMinutes: 0.1, stage1Share: 0.4 } }), recordingContext('bu'), 'test')
    expect(r.plan.secondsPerStep.recon).toBeGreaterThan(0)
    expect(r.plan.secondsPerStep.disc).toBeGreaterThan(0)
    expect(r.plan.stage1Steps).toBeGreaterThanOrEqual(train.evalRounds)
    expect(r.plan.stage2Steps).toBeGreaterThanOrEqual(train.evalRounds)
    // However slow the machine, the final pass keeps its floors (8 labelled, 10 normal frames) and the rounds read inside it.
    const v = r.plan.validation!
    expect(v.labelled).toBeGreaterThanOrEqual(Math.min(8, v.candidateLabelled))
    expect(v.normals).toBeGreaterThanOrEqual(Math.min(10, v.candidateNormals))
    expect(v.roundLabelled).toBeLessThanOrEqual(v.labelled)
    expect(v.roundNormals).toBeLessThanOrEqual(v.normals)
  })

  it('spends the first share of stage 2 on simulated anomalies when asked, and refuses a share of 1', async () => {
    const steps = { ...train, stage2Steps: 8, evalRounds: 2 }
    const plain = await trainModel(spec('pre-0', { train: steps }), recordingContext('p0'), 'test')
    const ctx = recordingContext('p1')
    const pre = await trainModel(spec('pre-1', { train: { ...steps, discPretrainShare: 0.5 }, warmStartFrom: plain.modelDir, stages: ['disc'] }), ctx, 'test')
    expect(ctx.events.some((e) => e.type === 'log' && /stage 2: the first 4 steps learn simulated anomalies on \d+ normal frames/.test(e.message))).toBe(true)
    // The run's plan says so, for the Runs page.
    expect(pre.plan.stage2SimulatedSteps).toBe(4)
    expect(plain.plan.stage2SimulatedSteps).toBeUndefined()
    // Same start, same labelled crops at steps 4-7: only the first four steps differ, and they move the net elsewhere.
    const again = await trainModel(spec('pre-2', { train: steps, warmStartFrom: plain.modelDir, stages: ['disc'] }), recordingContext('p2'), 'test')
    expect(await weightsOf(path.join(pre.modelDir, 'disc'))).not.toEqual(await weightsOf(path.join(again.modelDir, 'disc')))
    await expect(trainModel(spec('pre-bad', { train: { ...steps, discPretrainShare: 1 } }), recordingContext('pb'), 'test')).rejects.toThrow(/discPretrainShare must be at least 0 and below 1, got 1/)
    // No normal training frame to simulate on: the labels alone, and the run says why.
    const labelledOnly = items.filter((it) => !(it.split === 'train' && it.normal))
    const none = await trainModel(spec('pre-none', { images: labelledOnly, train: { ...steps, discPretrainShare: 0.5 }, warmStartFrom: plain.modelDir, stages: ['disc'] }), recordingContext('pn'), 'test')
    expect(none.warnings).toContain('simulated anomalies: no normal training frames to simulate them on; stage 2 trained on the labels alone')
    expect(none.plan.stage2SimulatedSteps).toBeUndefined()
  })

  it('refuses stage 2 without labels and bad settings with clear messages', async () => {
    const unlabelled = items.map((it) => ({ ...it, polygons: [] }))
    await expect(trainModel(spec('nolabels', { images: unlabelled }), recordingContext('x'), 'test')).rejects.toThrow(/needs labelled frames/)
    await expect(trainModel(spec('badsteps', { train: { ...train, stage2Steps: 0 } }), recordingContext('y'), 'test')).rejects.toThrow(/stage2Steps must be a positive integer/)
    await expect(trainModel(spec('badscale', { model: { ...model, maxShortSide: 8 } }), recordingContext('z'), 'test')).rejects.toThrow(/maxShortSide 8 must be at least the crop size 16/)
    await expect(trainModel(spec('badtile', { model: { ...model, inferTile: 8 } }), recordingContext('w'), 'test')).rejects.toThrow(/inferTile must be a whole number of pixels at least the crop size 16, got 8/)
  })
})
