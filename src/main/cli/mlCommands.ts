import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { CPU_PRESET, DEFAULT_TRAIN, GPU_PRESET, type ModelConfig, type TrainConfig } from '../../shared/ml/config'
import type { EvalResult, ExperimentResult, InferResult, ProgressMessage, TrainResult } from '../../shared/ml/protocol'
import { renderEvalMarkdown, renderExperimentMarkdown } from '../../shared/ml/report'
import { buildDataset, snapshotOf } from '../services/ml/dataset'
import { MlHost, MlJobError } from '../services/ml/mlHost'
import { addModel, createRun, finishRun, findModel, recordEpoch, runModelDir, setActiveModel, setRunBackend } from '../services/runs'
import { importFolder } from '../services/import/runImport'
import { Workspace } from '../services/workspace'
import { SPLITS, type Split } from '../../shared/domain'
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args'
import { ProgressBar } from './progress'

function openWorkspace(args: ParsedArgs): Workspace {
  const dir = stringFlag(args, 'workspace')
  if (!dir) throw new UsageError('needs --workspace <dir>')
  return Workspace.open(resolve(dir))
}

function modelConfig(args: ParsedArgs): ModelConfig {
  const preset = stringFlag(args, 'preset') ?? 'cpu'
  if (preset !== 'cpu' && preset !== 'gpu') throw new UsageError('--preset must be cpu or gpu')
  const base = preset === 'gpu' ? GPU_PRESET : CPU_PRESET
  return { ...base, size: intFlag(args, 'size', base.size) }
}

function trainConfig(args: ParsedArgs): TrainConfig {
  return {
    ...DEFAULT_TRAIN,
    stage1Epochs: intFlag(args, 'epochs1', DEFAULT_TRAIN.stage1Epochs),
    stage2Epochs: intFlag(args, 'epochs2', DEFAULT_TRAIN.stage2Epochs),
    batchSize: intFlag(args, 'batch', DEFAULT_TRAIN.batchSize),
    seed: intFlag(args, 'seed', DEFAULT_TRAIN.seed)
  }
}

/** Prints the backend line every ML command starts with, with why better ones were skipped. */
async function startHost(): Promise<MlHost> {
  const host = MlHost.fork()
  const backend = await host.ready
  process.stderr.write(`backend: ${backend.name}${backend.gpu ? ' (GPU)' : ' (CPU)'}\n`)
  for (const s of backend.skipped) process.stderr.write(`  skipped ${s.name}: ${s.reason}\n`)
  return host
}

/** One progress bar per stage and epoch, replaced as training moves on. */
function stageBars(): { progress: (p: ProgressMessage) => void; finish: () => void } {
  let bar: ProgressBar | null = null
  let key = ''
  return {
    progress: (p) => {
      const next = p.epochs > 0 ? `${p.stage} epoch ${p.epoch}/${p.epochs}` : p.stage
      if (next !== key) {
        bar?.finish()
        bar = new ProgressBar(next)
        key = next
      }
      const detail = `${p.loss !== null ? `loss ${p.loss.toFixed(4)} ` : ''}${p.imagesPerSec.toFixed(1)} img/s`
      bar!.update(p.step, p.steps, detail)
    },
    finish: () => {
      bar?.finish()
      bar = null
      key = ''
    }
  }
}

function cancelOnSigint(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onSigint = (): void => {
    process.stderr.write('\nCancelling: the run stops at the next step and keeps its checkpoint...\n')
    controller.abort()
  }
  process.once('SIGINT', onSigint)
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) }
}

export async function trainCmd(args: ParsedArgs): Promise<number> {
  const ws = openWorkspace(args)
  const arch = (stringFlag(args, 'arch') ?? 'arcd') as 'arcd' | 'unet'
  if (arch !== 'arcd' && arch !== 'unet') throw new UsageError('--arch must be arcd or unet')
  const data = buildDataset(ws)
  if (data.counts.labeled === 0) throw new UsageError('nothing to train on: no labelled frames in this workspace')
  const model = modelConfig(args)
  const train = trainConfig(args)
  const resume = stringFlag(args, 'resume')
  const runId = createRun(ws, 'train', { arch, model, train }, snapshotOf(data), { arch })
  const outDir = runModelDir(ws, runId)
  const host = await startHost()
  const { signal, dispose } = cancelOnSigint()
  const bars = stageBars()
  try {
    setRunBackend(ws, runId, (await host.ready).name)
    const result = (await host.run(
      {
        kind: 'train',
        runId: String(runId),
        outDir,
        classes: data.classes,
        images: data.items,
        model,
        train,
        stages: arch === 'unet' ? ['disc'] : ['recon', 'disc'],
        arch,
        ...(resume ? { resumeFrom: resolve(resume) } : {})
      },
      {
        signal,
        onProgress: bars.progress,
        onEpoch: (e) => {
          bars.finish()
          recordEpoch(ws, runId, e)
          process.stderr.write(`${e.stage} epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)} val ${e.valLoss?.toFixed(4) ?? '-'}\n`)
        },
        onLog: (l) => l.level !== 'debug' && process.stderr.write(`[${l.level}] ${l.message}\n`)
      }
    )) as TrainResult
    const modelId = addModel(ws, runId, outDir, result.thresholds)
    finishRun(ws, runId, 'done', { metrics: result.valMetrics })
    if (args.flags.activate) setActiveModel(ws, modelId)
    process.stdout.write(`run ${runId} done: model in ${outDir}\nthresholds: ${JSON.stringify(result.thresholds)}\n`)
    return 0
  } catch (err) {
    const cancelled = err instanceof MlJobError && err.code === 'cancelled'
    finishRun(ws, runId, cancelled ? 'cancelled' : 'failed', { error: (err as Error).message })
    if (err instanceof MlJobError) {
      process.stderr.write(`run ${runId} ${cancelled ? 'cancelled' : 'failed'}: ${err.message}\n`)
      if (err.checkpoint) process.stderr.write(`resume with: npm run studio -- train --workspace ${ws.dir} --resume ${err.checkpoint}\n`)
      return cancelled ? 130 : 1
    }
    throw err
  } finally {
    dispose()
    await host.close()
    ws.close()
  }
}

export async function evalCmd(args: ParsedArgs): Promise<number> {
  const ws = openWorkspace(args)
  const split = (stringFlag(args, 'split') ?? 'test') as Split
  if (!SPLITS.includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}`)
  const model = findModel(ws, stringFlag(args, 'model'))
  const data = buildDataset(ws)
  const host = await startHost()
  const bar = new ProgressBar(`eval ${split}`)
  try {
    const result = (await host.run(
      { kind: 'eval', modelDir: model.dir, images: data.items, split },
      { onProgress: (p) => bar.update(p.step, p.steps) }
    )) as EvalResult
    bar.finish()
    if (args.flags.json) process.stdout.write(JSON.stringify(result.report, null, 2) + '\n')
    else process.stdout.write(renderEvalMarkdown(result.report, `Model of run ${model.run_id} on split ${split}`) + '\n')
    return 0
  } finally {
    await host.close()
    ws.close()
  }
}

export async function inferCmd(args: ParsedArgs): Promise<number> {
  const ws = openWorkspace(args)
  const model = findModel(ws, stringFlag(args, 'model'))
  const out = resolve(stringFlag(args, 'out') ?? join(ws.paths.cache, 'infer', `run-${model.run_id}`))
  const split = stringFlag(args, 'split') as Split | undefined
  const limit = intFlag(args, 'limit', 1_000_000)
  const data = buildDataset(ws, ['labeled', 'normal', 'unlabeled', 'needs-review'])
  const images = data.items.filter((i) => !split || i.split === split).slice(0, limit)
  const host = await startHost()
  const bar = new ProgressBar('infer')
  try {
    const result = (await host.run(
      { kind: 'infer', modelDir: model.dir, images, outDir: out, writePngs: true },
      { onProgress: (p) => bar.update(p.step, p.steps) }
    )) as InferResult
    bar.finish()
    process.stdout.write(`${result.items.length} frames: reconstructions, heatmaps and masks in ${out}\n`)
    if (args.flags.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n')
    return 0
  } finally {
    await host.close()
    ws.close()
  }
}

const MAGNETIC_TILE = resolve(__dirname, '../../../../shared/datasets/magnetic-tile')
const TILE_CLASSES = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']

/**
 * The thesis's comparison on real data: ARCD against the plain U-Net at 100%,
 * 50% and 30% of the labels, written as a table to docs/experiments.md.
 */
export async function experimentCmd(name: string | undefined, args: ParsedArgs): Promise<number> {
  if (name !== 'magnetic-tile') throw new UsageError('experiment needs a data set name: magnetic-tile')
  const data = resolve(stringFlag(args, 'data') ?? MAGNETIC_TILE)
  const out = resolve(stringFlag(args, 'out') ?? 'docs/experiments.md')
  const tmp = mkdtempSync(join(tmpdir(), 'ds-experiment-'))
  const ws = Workspace.create(join(tmp, 'ws'))
  try {
    // Only the tile's own classes: the steel defaults would be empty output channels.
    ws.db.prepare('DELETE FROM classes').run()
    process.stderr.write(`importing ${data} ...\n`)
    await importFolder(ws, { folder: join(data, 'images'), masks: join(data, 'masks'), maskClasses: TILE_CLASSES, view: 'D01' })
    await importFolder(ws, { folder: join(data, 'normal'), view: 'D01', normal: true })
    const dataset = buildDataset(ws)
    const model = { ...CPU_PRESET, size: intFlag(args, 'size', 128), reconBase: intFlag(args, 'width', 8), discBase: intFlag(args, 'width', 8) }
    const train = { ...trainConfig(args), stage1Epochs: intFlag(args, 'epochs1', 6), stage2Epochs: intFlag(args, 'epochs2', 10) }
    const fractions = (stringFlag(args, 'fractions') ?? '1,0.5,0.3').split(',').map(Number)
    const host = await startHost()
    const { signal, dispose } = cancelOnSigint()
    const bars = stageBars()
    try {
      const result = (await host.run(
        {
          kind: 'experiment',
          datasetItems: dataset.items,
          classes: dataset.classes,
          fractions,
          model,
          train,
          seed: train.seed,
          outDir: join(tmp, 'experiment')
        },
        {
          signal,
          onProgress: bars.progress,
          onLog: (l) => l.level !== 'debug' && process.stderr.write(`\n[${l.level}] ${l.message}\n`)
        }
      )) as ExperimentResult
      const md = renderExperimentMarkdown(result)
      mkdirSync(dirname(out), { recursive: true })
      writeFileSync(out, md)
      process.stdout.write(md + `\nwritten to ${out}\n`)
      return 0
    } finally {
      dispose()
      await host.close()
    }
  } finally {
    ws.close()
    rmSync(tmp, { recursive: true, force: true })
  }
}
