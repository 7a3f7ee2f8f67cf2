/**
 * The label-fraction experiment (thesis Table 3.4): ARCD against the plain
 * U-Net with 100/50/30% of the labelled defect images.
 *
 * - One fixed split of the defect images (drawn from `splitSeed`, not from
 *   the training seed, so that seeds can be averaged), stratified by class (each image's
 *   class = the class of most of its polygons): test `testShare` (0.3),
 *   validation `valShare` (0.15), training the rest. Normal images are split
 *   with the same shares.
 * - Label fractions are nested per class (the 30% set lies inside the 50%
 *   set), drawn once with the split. Validation stays whole for every fraction
 *   so thresholds and early stopping are equally informed; stage 2 validates
 *   on the validation defect images plus as many normal ones.
 * - Stage 1 (reconstruction, normal images only: no labels) runs once and is
 *   shared by every ARCD run; each ARCD run trains stage 2 on it. The U-Net
 *   sees the same stage-2 data (labelled images plus normal negatives) on the
 *   image alone.
 * - A run whose finished model folder already matches (configuration and
 *   training images) is evaluated again instead of retrained, so an
 *   interrupted experiment continues where it stopped.
 */
import path from 'node:path'
import { renderExperimentMarkdown } from '../../shared/arcd/report'
import {
  EXPERIMENT_DEFAULTS,
  type Arch,
  type DatasetItem,
  type ExperimentJobSpec,
  type ExperimentResult,
  type ExperimentRow,
  type TrainJobSpec,
  type TrainStage
} from '../../shared/arcd/protocol'
import { createRng } from '../data/rng'
import { exists, readJson, writeFileAtomic, writeJsonAtomic } from '../io/files'
import { disposeNets, loadModelDir, readModelConfig, type Manifest } from '../io/modelDir'
import { trainModel } from '../train/trainer'
import type { AnalysisCache } from '../train/tileData'
import { validateItems, type FrameCache } from '../train/dataset'
import { badInput, log, type JobContext } from './context'
import { evaluateModel } from './eval'
import { appendAll } from '../../shared/arrays'

export interface ExperimentSplit {
  train: DatasetItem[]
  val: DatasetItem[]
  test: DatasetItem[]
  normalTrain: DatasetItem[]
  normalVal: DatasetItem[]
  normalTest: DatasetItem[]
  /** Training defect images in draw order per class; a fraction takes a prefix of each. */
  trainByClass: DatasetItem[][]
}

function primaryClass(item: DatasetItem): number {
  const counts = new Map<number, number>()
  for (const p of item.polygons) counts.set(p.classIndex, (counts.get(p.classIndex) ?? 0) + 1)
  let best = 0
  let bestN = -1
  for (const [c, n] of [...counts.entries()].sort((a, b) => a[0] - b[0])) {
    if (n > bestN) {
      best = c
      bestN = n
    }
  }
  return best
}

function shares(n: number, testShare: number, valShare: number): { test: number; val: number } {
  let test = Math.round(n * testShare)
  let val = Math.round(n * valShare)
  if (n >= 3) {
    test = Math.max(1, test)
    val = Math.max(1, val)
  }
  if (test + val >= n) {
    test = Math.min(test, Math.max(0, n - 1))
    val = Math.max(0, Math.min(val, n - 1 - test))
  }
  return { test, val }
}

function withSplit(items: DatasetItem[], split: DatasetItem['split']): DatasetItem[] {
  return items.map((it) => ({ ...it, split }))
}

export function splitExperiment(spec: Pick<ExperimentJobSpec, 'datasetItems' | 'classes' | 'seed' | 'testShare' | 'valShare'>): ExperimentSplit {
  const testShare = spec.testShare ?? 0.3
  const valShare = spec.valShare ?? 0.15
  const rng = createRng(spec.seed)
  const byId = (a: DatasetItem, b: DatasetItem) => String(a.id).localeCompare(String(b.id), 'en', { numeric: true })
  const defects = spec.datasetItems.filter((it) => !it.normal && it.polygons.length > 0).sort(byId)
  const normals = spec.datasetItems.filter((it) => it.normal).sort(byId)
  const out: ExperimentSplit = { train: [], val: [], test: [], normalTrain: [], normalVal: [], normalTest: [], trainByClass: [] }
  for (let c = 0; c < spec.classes.length; c++) {
    const group = rng.shuffle(defects.filter((it) => primaryClass(it) === c))
    const { test, val } = shares(group.length, testShare, valShare)
    appendAll(out.test, withSplit(group.slice(0, test), 'test'))
    appendAll(out.val, withSplit(group.slice(test, test + val), 'val'))
    const train = withSplit(group.slice(test + val), 'train')
    appendAll(out.train, train)
    out.trainByClass.push(train)
  }
  const n = rng.shuffle(normals.slice())
  const { test, val } = shares(n.length, testShare, valShare)
  out.normalTest = withSplit(n.slice(0, test), 'test')
  out.normalVal = withSplit(n.slice(test, test + val), 'val')
  out.normalTrain = withSplit(n.slice(test + val), 'train')
  return out
}

/** The labelled training images of a fraction: a prefix of each class's draw (at least one per class). */
export function fractionOf(split: ExperimentSplit, fraction: number): DatasetItem[] {
  return split.trainByClass.flatMap((items) => items.slice(0, items.length === 0 ? 0 : Math.max(1, Math.round(items.length * fraction))))
}

function pct(f: number): string {
  return String(Math.round(f * 100)).padStart(3, '0')
}

async function reusable(dir: string, spec: TrainJobSpec): Promise<boolean> {
  if (!(await exists(path.join(dir, 'config.json')))) return false
  try {
    const cfg = await readModelConfig(dir)
    const manifest = await readJson<Manifest>(path.join(dir, 'manifest.json'), 'manifest')
    const ids = (items: { id: number | string; split: string }[]) => items.map((i) => `${i.split}:${String(i.id)}`).sort().join('|')
    return (
      JSON.stringify([cfg.arch, cfg.model, cfg.train, cfg.classes]) === JSON.stringify([spec.arch, spec.model, spec.train, spec.classes]) &&
      ids(manifest.images) === ids(spec.images.filter((i) => i.normal || i.polygons.length > 0))
    )
  } catch {
    return false
  }
}

export async function runExperiment(spec: ExperimentJobSpec, ctx: JobContext, backend: string): Promise<ExperimentResult> {
  const started = performance.now()
  if (!spec.outDir || !path.isAbsolute(spec.outDir)) throw badInput('outDir must be an absolute path')
  if (!Array.isArray(spec.fractions) || spec.fractions.length === 0 || spec.fractions.some((f) => !(f > 0 && f <= 1))) {
    throw badInput('fractions must be numbers in (0, 1]')
  }
  if (!Array.isArray(spec.classes) || spec.classes.length === 0) throw badInput('classes must list at least one class')
  validateItems(spec.datasetItems, spec.classes.length)
  const splitSeed = spec.splitSeed ?? EXPERIMENT_DEFAULTS.splitSeed
  const split = splitExperiment({ ...spec, seed: splitSeed })
  if (split.train.length === 0 || split.test.length === 0) throw badInput('the experiment needs defect images with polygons for training and testing')
  if (split.normalTrain.length === 0) throw badInput('the experiment needs normal images for stage 1')
  log(
    ctx,
    'info',
    `experiment split: defects ${split.train.length} train / ${split.val.length} val / ${split.test.length} test; ` +
      `normal ${split.normalTrain.length} / ${split.normalVal.length} / ${split.normalTest.length}`
  )
  const normalsTrainVal = [...split.normalTrain, ...split.normalVal]
  // Stage-2 validation runs every epoch of six trainings: as many normal frames as defect frames is enough there.
  const stage2NormalVal = split.normalVal.slice(0, split.val.length)
  const testItems = [...split.test, ...split.normalTest]
  const train = { ...spec.train, seed: spec.seed }
  const base = (runId: string, arch: Arch, stages: TrainStage[], images: DatasetItem[]): TrainJobSpec => ({
    kind: 'train',
    runId,
    outDir: path.join(spec.outDir, runId),
    classes: spec.classes,
    images,
    model: spec.model,
    train,
    stages,
    arch
  })

  const frameCache: FrameCache = new Map()
  const analysisCache: AnalysisCache = new Map()
  const runs = 1 + 2 * spec.fractions.length
  let runNo = 0
  /** Trains one model, or reuses the finished one (no steps, no warnings). */
  const train1 = async (job: TrainJobSpec): Promise<Pick<ExperimentRow, 'steps' | 'warnings'>> => {
    runNo++
    if (await reusable(job.outDir, job)) {
      log(ctx, 'info', `run ${runNo}/${runs} ${job.runId}: finished model found, reused`)
      return { steps: null, warnings: [] }
    }
    log(ctx, 'info', `run ${runNo}/${runs} ${job.runId}: training (${job.stages.join(' + ')})`)
    const r = await trainModel(job, ctx, backend, { frameCache, analysisCache })
    for (const w of r.warnings) log(ctx, 'warn', `${job.runId}: ${w}`)
    return { steps: r.plan.stage2Steps, warnings: r.warnings }
  }

  const stage1 = base('arcd-stage1', 'arcd', ['recon'], normalsTrainVal)
  await train1(stage1)

  const rows: ExperimentRow[] = []
  for (const fraction of spec.fractions) {
    const labelled = fractionOf(split, fraction)
    const images = [...labelled, ...split.val, ...split.normalTrain, ...stage2NormalVal]
    for (const arch of ['arcd', 'unet'] as const) {
      const job = base(`${arch}-f${pct(fraction)}`, arch, ['disc'], images)
      if (arch === 'arcd') job.warmStartFrom = stage1.outDir
      const trained = await train1(job)
      const model = await loadModelDir(job.outDir)
      try {
        const report = await evaluateModel(model, testItems, ctx, 4, frameCache, spec.classes, analysisCache)
        rows.push({ arch, fraction, trainDefectImages: labelled.length, ...trained, report, modelDir: job.outDir })
      } finally {
        disposeNets(model.nets)
      }
    }
  }
  const result: ExperimentResult = {
    kind: 'experiment',
    outDir: spec.outDir,
    classes: spec.classes,
    model: spec.model,
    train,
    seed: spec.seed,
    splitSeed,
    split: {
      train: split.train.length,
      val: split.val.length,
      test: split.test.length,
      normalTrain: split.normalTrain.length,
      normalVal: split.normalVal.length,
      normalTest: split.normalTest.length
    },
    rows,
    backend,
    seconds: (performance.now() - started) / 1000
  }
  await writeJsonAtomic(path.join(spec.outDir, 'results.json'), result)
  await writeFileAtomic(path.join(spec.outDir, 'results.md'), renderExperimentMarkdown(result))
  return result
}
