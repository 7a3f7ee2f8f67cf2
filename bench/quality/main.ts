/**
 * `npm run bench -- --only quality [--budget 15] [--fractions 1,0.3 | --skip-fraction]
 *   [--models arcd,unet,torch] [--out file.json] [--data dir] [--threads 2] [--seed 1]
 *   [--train '{"lr":1e-3}'] [--model '{"size":128}'] [--torch '{"base":8,"steps":1100}']
 *   [--no-sklearn] [--keep]`, or `--print <result.json>` to show a run again
 *
 * The app's default recipe (ARCD and the U-Net baseline) against a plain
 * PyTorch U-Net on magnetic-tile's fixed split (split.ts), each trained for
 * the same wall-clock budget and scored by the one evaluator against the
 * labels at native resolution. Runs one model at a time so each gets the
 * whole (shared) CPU. See docs/experiments.md, "Quality bench".
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import type { ModelConfig, TrainConfig } from '../../src/shared/arcd/config'
import { meanDefined } from '../../src/shared/arcd/confusion'
import { normalImages, type EvalReport } from '../../src/shared/arcd/metrics'
import type { Arch } from '../../src/shared/arcd/protocol'
import { ensureTorch } from '../ml/torchRunner'
import { runAppModel, type AppRun } from './appModels'
import { DEFAULT_DATA, loadTileData, splitCounts, trainingItems, type SplitCounts, type TileData } from './dataset'
import { crossCheck, sklearnAvailable, type SklearnCheck } from './sklearnCheck'
import { SPLIT_NAME } from './split'
import { runTorchModel, type TorchSummary } from './torchModel'

export type ModelKey = Arch | 'torch'

export interface QualityOptions {
  budgetMinutes: number
  /** Label fractions for the app's models; the PyTorch reference always trains on 100%. */
  fractions: number[]
  models: ModelKey[]
  out: string
  data: string
  threads: number
  seed: number
  trainOverrides: Partial<TrainConfig>
  /** Merged over the CPU preset (e.g. a smaller crop for more steps in the budget). */
  modelOverrides: Partial<ModelConfig>
  /** Ablations of the PyTorch reference (base, lr, loss, steps, prior, crop, batch); empty for the yardstick itself. */
  torchRecipe: Record<string, unknown>
  sklearn: boolean
  keep: boolean
}

export interface QualityRow {
  model: string
  key: ModelKey
  labelsPct: number
  trainDefectImages: number
  trainMinutes: number | null
  evalMinutes: number | null
  /** e.g. "recon 300 + disc 900 steps (9,600 samples)". */
  work: string
  report: EvalReport | null
  thresholds: Record<string, number> | null
  error?: string
  app?: Omit<AppRun, 'report' | 'thresholds'>
  torch?: TorchSummary
}

export interface QualityResult {
  split: { name: string; counts: SplitCounts[]; emptyMasks: string[]; traceLoss: { pixels: number; of: number } }
  options: Omit<QualityOptions, 'out'>
  loadBefore: string
  loadAfter: string
  startedAt: string
  seconds: number
  rows: QualityRow[]
  sklearn: SklearnCheck | { error: string } | null
  out: string
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

export function parseQualityArgs(argv: string[]): QualityOptions {
  const budget = Number(flag(argv, 'budget') ?? 15)
  if (!(budget > 0)) throw new Error(`--budget must be a positive number of minutes, got ${flag(argv, 'budget')}`)
  let fractions = (flag(argv, 'fractions') ?? '1,0.3').split(',').map(Number)
  if (fractions.some((f) => !(f > 0 && f <= 1))) throw new Error('--fractions takes shares in (0, 1], e.g. 1,0.3')
  if (argv.includes('--skip-fraction')) fractions = fractions.filter((f) => f === 1)
  if (fractions.length === 0) fractions = [1]
  const models = (flag(argv, 'models') ?? 'torch,arcd,unet').split(',') as ModelKey[]
  for (const m of models) if (!['arcd', 'unet', 'torch'].includes(m)) throw new Error(`--models takes arcd, unet, torch; got ${m}`)
  const train = flag(argv, 'train')
  const model = flag(argv, 'model')
  const torchRecipe = flag(argv, 'torch')
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  return {
    budgetMinutes: budget,
    fractions,
    models,
    out: path.resolve(flag(argv, 'out') ?? path.join('.tmp', 'bench', `quality-${stamp}.json`)),
    data: path.resolve(flag(argv, 'data') ?? DEFAULT_DATA),
    threads: Number(flag(argv, 'threads') ?? 2),
    seed: Number(flag(argv, 'seed') ?? 1),
    trainOverrides: train ? (JSON.parse(train) as Partial<TrainConfig>) : {},
    modelOverrides: model ? (JSON.parse(model) as Partial<ModelConfig>) : {},
    torchRecipe: torchRecipe ? (JSON.parse(torchRecipe) as Record<string, unknown>) : {},
    sklearn: !argv.includes('--no-sklearn'),
    keep: argv.includes('--keep')
  }
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim()
  } catch {
    return `load average: ${loadavg()
      .map((v) => v.toFixed(2))
      .join(', ')}`
  }
}

const log = (m: string): void => void process.stderr.write(`[quality] ${m}\n`)

function appWork(r: AppRun): string {
  if (!r.steps) return 'no plan reported'
  const parts = [r.steps.recon ? `recon ${r.steps.recon}` : '', `disc ${r.steps.disc}`].filter(Boolean)
  return `${parts.join(' + ')} steps (${(r.samplesSeen ?? 0).toLocaleString('en-US')} crops)`
}

export async function runQualityBench(o: QualityOptions): Promise<QualityResult> {
  const started = performance.now()
  const startedAt = new Date().toISOString()
  const loadBefore = uptime()
  log(`load before: ${loadBefore}`)
  const data: TileData = await loadTileData(o.data)
  const counts = splitCounts(data)
  log(`split ${SPLIT_NAME}: ${counts.map((c) => `${c.group} ${c.train}/${c.val}/${c.test}`).join(', ')} (train/val/test)`)
  const test = data.items.filter((i) => i.split === 'test')
  const work = mkdtempSync(path.join(tmpdir(), 'ds-quality-'))
  const rows: QualityRow[] = []
  let sklearn: QualityResult['sklearn'] = null
  const { out, ...options } = o
  const result = (loadAfter: string | null): QualityResult => ({
    split: { name: SPLIT_NAME, counts, emptyMasks: data.emptyMasks, traceLoss: data.traceLoss },
    options,
    loadBefore,
    loadAfter: loadAfter ?? '(still running)',
    startedAt,
    seconds: (performance.now() - started) / 1000,
    rows,
    sklearn,
    out
  })
  // Written after every model, so an interrupted run (hours on a shared CPU) keeps what it measured.
  const save = (r: QualityResult): void => {
    mkdirSync(path.dirname(out), { recursive: true })
    writeFileSync(out, JSON.stringify(r, null, 2))
  }
  try {
    if (o.models.includes('torch')) {
      const items = trainingItems(data, 1)
      const row: QualityRow = {
        model: 'PyTorch U-Net (reference)',
        key: 'torch',
        labelsPct: 100,
        trainDefectImages: items.filter((i) => i.split === 'train' && !i.normal).length,
        trainMinutes: null,
        evalMinutes: null,
        work: '',
        report: null,
        thresholds: null
      }
      try {
        // As `npm run bench -- --only ml` does: Debian's python3-torch is installed when missing.
        const missing = ensureTorch(true, log)
        if (missing) throw new Error(missing)
        const r = await runTorchModel({
          workDir: path.join(work, 'torch'),
          classes: data.classes,
          items,
          test,
          budgetMinutes: o.budgetMinutes,
          threads: o.threads,
          seed: o.seed,
          recipe: o.torchRecipe,
          log
        })
        Object.assign(row, {
          trainMinutes: r.summary.trainSeconds / 60,
          evalMinutes: r.summary.predictSeconds / 60,
          work: `${r.summary.steps} steps (${r.summary.samplesSeen.toLocaleString('en-US')} crops), ${(r.summary.params / 1e6).toFixed(2)}M params`,
          report: r.report,
          thresholds: r.thresholds,
          torch: r.summary
        })
        if (o.sklearn) {
          if (!sklearnAvailable()) sklearn = { error: 'scikit-learn not importable by /usr/bin/python3 (apt install python3-sklearn)' }
          else {
            try {
              sklearn = crossCheck(path.join(work, 'sklearn'), r.evaluator, r.report, r.images)
              log(`scikit-learn cross-check: max |difference| ${sklearn.maxAbsDiff.toExponential(2)}`)
            } catch (err) {
              sklearn = { error: (err as Error).message }
            }
          }
        }
      } catch (err) {
        row.error = (err as Error).message
        log(`torch failed: ${row.error}`)
      }
      rows.push(row)
      save(result(null))
    }
    for (const fraction of o.fractions) {
      for (const arch of ['arcd', 'unet'] as const) {
        if (!o.models.includes(arch)) continue
        const items = trainingItems(data, fraction)
        const pct = Math.round(fraction * 100)
        const row: QualityRow = {
          model: arch === 'arcd' ? 'app ARCD (default recipe)' : 'app U-Net baseline',
          key: arch,
          labelsPct: pct,
          trainDefectImages: items.filter((i) => i.split === 'train' && !i.normal).length,
          trainMinutes: null,
          evalMinutes: null,
          work: '',
          report: null,
          thresholds: null
        }
        try {
          const r = await runAppModel({
            arch,
            runId: `${arch}-${pct}`,
            outRoot: path.join(work, 'app'),
            classes: data.classes,
            items,
            test,
            budgetMinutes: o.budgetMinutes,
            trainOverrides: o.trainOverrides,
            modelOverrides: o.modelOverrides,
            log
          })
          const { report, thresholds, ...app } = r
          Object.assign(row, { trainMinutes: r.trainSeconds / 60, evalMinutes: r.evalSeconds / 60, work: appWork(r), report, thresholds, app })
        } catch (err) {
          row.error = (err as Error).message
          log(`${arch} ${pct}% failed: ${row.error}`)
        }
        rows.push(row)
        save(result(null))
      }
    }
  } finally {
    if (o.keep) log(`models and maps kept in ${work}`)
    else rmSync(work, { recursive: true, force: true })
  }
  const loadAfter = uptime()
  log(`load after: ${loadAfter}`)
  const final = result(loadAfter)
  save(final)
  return final
}

export function readQualityResult(file: string): QualityResult {
  return JSON.parse(readFileSync(path.resolve(file), 'utf8')) as QualityResult
}

// ------------------------------------------------------------ tables

export interface Table {
  title: string
  header: string[]
  rows: (string | number)[][]
}

const pc = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : (100 * v).toFixed(1))

export function qualityTables(r: QualityResult): Table[] {
  const classNames = r.rows.find((x) => x.report)?.report?.classes.map((c) => c.name) ?? []
  const main: Table = {
    title: `Quality on magnetic-tile (${r.split.name} test split: ${r.split.counts.reduce((s, c) => s + c.test, 0)} images), ${r.options.budgetMinutes} min training budget each (percent; pixel AP / AUROC per class)`,
    header: ['model', 'labels', 'train min', 'steps / samples', 'MIoU', 'MPA', 'mean AP', ...classNames.map((n) => `${n} AP / AUROC`), 'image AUROC', 'RA', 'note'],
    rows: r.rows.map((x) => {
      const o = x.report?.overall
      const byName = new Map(o?.classes.map((c) => [c.name, c]) ?? [])
      return [
        x.model,
        `${x.labelsPct}% (${x.trainDefectImages})`,
        x.trainMinutes === null ? '-' : x.trainMinutes.toFixed(1),
        x.work || '-',
        pc(o?.miou),
        pc(o?.mpa),
        pc(o ? meanDefined(o.classes.map((c) => c.pixelAp)) : null),
        ...classNames.map((n) => `${pc(byName.get(n)?.pixelAp)} / ${pc(byName.get(n)?.pixelAuroc)}`),
        pc(o?.imageAuroc),
        x.key === 'arcd' ? pc(o?.ra) : '-',
        x.error ? `FAILED: ${x.error}` : (x.app?.warnings.length ?? 0) > 0 ? `${x.app!.warnings.length} warnings (see JSON)` : ''
      ]
    })
  }
  const counted = r.rows.filter((x) => x.report?.overall.classes.some((c) => c.frames !== undefined))
  const frames: Table = {
    title: 'Frames per defect class at the model\'s thresholds: found / labelled test frames, and the normal test frames its mask marks',
    header: ['model', 'labels', ...classNames.map((n) => `${n} found / marked`)],
    rows: counted.map((x) => {
      const o = x.report!.overall
      const normals = normalImages(o)
      const byName = new Map(o.classes.map((c) => [c.name, c]))
      return [
        x.model,
        `${x.labelsPct}%`,
        ...classNames.map((n) => {
          const c = byName.get(n)
          return c?.frames === undefined ? '-' : `${c.framesFound} / ${c.frames}; ${c.normalsMarked} of ${normals}`
        })
      ]
    })
  }
  const split: Table = {
    title: 'Split (images per class: train / val / test)',
    header: ['class', 'train', 'val', 'test'],
    rows: r.split.counts.map((c) => [c.group, c.train, c.val, c.test])
  }
  const load: Table = {
    title: 'Machine load (other work shares the 2 cores; times are upper bounds)',
    header: ['when', 'uptime'],
    rows: [
      ['before', r.loadBefore],
      ['after', r.loadAfter]
    ]
  }
  const tables = counted.length > 0 ? [main, frames, split, load] : [main, split, load]
  if (r.sklearn && 'rows' in r.sklearn) {
    tables.push({
      title: `Metric cross-check against scikit-learn on the PyTorch model's test pixels (max |difference| ${r.sklearn.maxAbsDiff.toExponential(2)})`,
      header: ['what', 'positives / count', 'AP ours', 'AP sklearn', 'AUROC ours', 'AUROC sklearn'],
      rows: r.sklearn.rows.map((s) => [
        s.what,
        `${s.positives.toLocaleString('en-US')} / ${s.count.toLocaleString('en-US')}`,
        s.ours.ap?.toFixed(6) ?? '-',
        s.sklearn.ap?.toFixed(6) ?? '-',
        s.ours.auroc?.toFixed(6) ?? '-',
        s.sklearn.auroc?.toFixed(6) ?? '-'
      ])
    })
  } else if (r.sklearn && 'error' in r.sklearn) {
    tables.push({ title: 'Metric cross-check against scikit-learn', header: ['not run'], rows: [[r.sklearn.error]] })
  }
  return tables
}
