/**
 * The PyTorch reference: writes its job (images, the rasterised label masks,
 * budget), runs torch_quality.py with Debian's python3, then scores its maps
 * with the app's evaluator:
 * - targets: rasterised from the same polygons the app's eval job uses
 *   (classTargets, the one rasteriser at native resolution);
 * - image score: postprocess.ts's imageScore, as the app scores its own;
 * - thresholds: best F1 per class on its validation maps
 *   (SegmentationEvaluator.chooseThresholds), as the app picks its own.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { SegmentationEvaluator, type EvalReport } from '../../src/shared/arcd/metrics'
import { imageScore } from '../../src/shared/arcd/postprocess'
import type { ClassSpec } from '../../src/shared/arcd/protocol'
import { classIndexMask, classTargets, type TileItem } from './dataset'
import { PYTHON } from '../ml/torchRunner'
import { readClassMaps } from './npy'

const SCRIPT = path.join(__dirname, 'torch_quality.py')

export interface TorchSummary {
  torch: string
  threads: number
  params: number
  steps: number
  samplesSeen: number
  trainSeconds: number
  loadSeconds: number
  predictSeconds: number
  predicted: number
  finalLoss: number | null
  /** Overrides of the reference recipe (ablations only; see torch_quality.py). */
  recipe?: Record<string, unknown>
}

export interface TorchRun {
  summary: TorchSummary
  thresholds: Record<string, number>
  report: EvalReport
  mapsDir: string
  /** The scored evaluator and test image scores, for the scikit-learn cross-check. */
  evaluator: SegmentationEvaluator
  images: { score: number; anomalous: boolean }[]
}

export interface TorchRunOptions {
  workDir: string
  classes: ClassSpec[]
  /** Training and validation items, as given to the app. */
  items: TileItem[]
  test: TileItem[]
  budgetMinutes: number
  threads: number
  seed: number
  /** Ablations: overrides of the reference recipe (base, lr, loss, steps, prior, crop, batch). */
  recipe?: Record<string, unknown>
  log: (m: string) => void
}

async function writeMaskPng(item: TileItem, file: string): Promise<void> {
  await sharp(Buffer.from(classIndexMask(item)), { raw: { width: item.width, height: item.height, channels: 1 } })
    .png()
    .toFile(file)
}

function runPython(args: string[], threads: number, log: (m: string) => void, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // OMP_NUM_THREADS keeps OpenMP from spinning up threads beyond set_num_threads.
    const child = spawn(PYTHON, args, { env: { ...process.env, OMP_NUM_THREADS: String(threads) }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString()
      for (const line of d.toString().split('\n')) if (line.trim()) log(`torch: ${line.trim()}`)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${path.basename(args[0]!)} failed (${signal ?? `exit ${code}`}): ${err.trim().split('\n').slice(-3).join(' | ')}`))
    })
  })
}

/** Loads one item's maps and adds it to the evaluator; returns its image score. */
export function addTorchImage(ev: SegmentationEvaluator, item: TileItem, classes: ClassSpec[], file: string): number {
  const maps = readClassMaps(readFileSync(file))
  if (maps.classes !== classes.length || maps.width !== item.width || maps.height !== item.height) {
    throw new Error(`${file}: maps are ${maps.classes}x${maps.height}x${maps.width}, expected ${classes.length}x${item.height}x${item.width}`)
  }
  const score = imageScore(maps.probs, item.width, item.height, classes)
  ev.addImage({
    view: item.view,
    probs: maps.probs,
    targets: classTargets(item, classes.length),
    width: item.width,
    height: item.height,
    anomalous: isAnomalous(item, classes),
    score
  })
  return score
}

function isAnomalous(item: TileItem, classes: ClassSpec[]): boolean {
  return item.polygons.some((p) => classes[p.classIndex]?.kind === 'defect')
}

export async function runTorchModel(o: TorchRunOptions): Promise<TorchRun> {
  const maskDir = path.join(o.workDir, 'masks')
  const mapsDir = path.join(o.workDir, 'maps')
  mkdirSync(maskDir, { recursive: true })
  const labelled = o.items.filter((i) => i.split === 'train' && !i.normal)
  for (const it of labelled) await writeMaskPng(it, path.join(maskDir, `${it.stem}.png`))
  const val = o.items.filter((i) => i.split === 'val')
  const job = {
    classes: o.classes.map((c) => c.name),
    train: labelled.map((i) => ({ image: i.path, mask: path.join(maskDir, `${i.stem}.png`) })),
    trainNormal: o.items.filter((i) => i.split === 'train' && i.normal).map((i) => i.path),
    predict: [...val, ...o.test].map((i) => ({ id: i.stem, image: i.path })),
    budgetSeconds: o.budgetMinutes * 60,
    outDir: mapsDir,
    threads: o.threads,
    seed: o.seed,
    recipe: o.recipe ?? {}
  }
  const jobFile = path.join(o.workDir, 'job.json')
  writeFileSync(jobFile, JSON.stringify(job))
  o.log(`torch: training for ${o.recipe?.steps ? `${String(o.recipe.steps)} steps` : `${o.budgetMinutes} min`}${o.recipe && Object.keys(o.recipe).length ? ` (recipe ${JSON.stringify(o.recipe)})` : ''} on ${job.train.length} labelled + ${job.trainNormal.length} normal images, ${o.threads} threads`)
  const out = await runPython([SCRIPT, '--job', jobFile], o.threads, o.log, (o.budgetMinutes * 2 + 20) * 60_000)
  const summary = JSON.parse(out.trim().split('\n').pop() ?? '') as TorchSummary

  const mapFile = (i: TileItem): string => path.join(mapsDir, `${i.stem}.npy`)
  // Thresholds first (placeholders only feed the confusion counts, which are not read).
  const placeholder = Object.fromEntries(o.classes.map((c) => [c.name, 0.5]))
  const valEv = new SegmentationEvaluator(o.classes, placeholder)
  for (const it of val) addTorchImage(valEv, it, o.classes, mapFile(it))
  const thresholds = valEv.chooseThresholds()
  const ev = new SegmentationEvaluator(o.classes, thresholds)
  const images = o.test.map((it) => ({ score: addTorchImage(ev, it, o.classes, mapFile(it)), anomalous: isAnomalous(it, o.classes) }))
  return { summary, thresholds, report: ev.report(), mapsDir, evaluator: ev, images }
}
