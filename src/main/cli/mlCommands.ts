import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { EvalResult, ExperimentResult, InferResult, ProgressMessage } from '../../shared/arcd/protocol'
import type { RunEpoch, RunOutcome, RunProgress, RunStateChange, TrainingSettings } from '../../shared/contract'
import { renderEvalMarkdown, renderExperimentMarkdown, renderSeedSummary } from '../../shared/arcd/report'
import { buildDataset } from '../services/training/dataset'
import { MlHost } from '../services/training/mlHost'
import { findModel, runModelDir } from '../services/runs'
import { EventHub } from '../services/events'
import { MlService } from '../services/training/mlService'
import { getRun } from '../services/training/runsRead'
import { getTrainingSettings, mergeTrainingSettings } from '../services/training/trainingSettings'
import { importFolder } from '../services/import/runImport'
import { Workspace } from '../services/workspace'
import { SPLITS, type Split } from '../../shared/domain'
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args'
import { ProgressBar } from './progress'
import { experimentRequest } from './experimentFlags'
import { ignoredFlagNotes, settingsLine, trainRequest } from './trainFlags'

function openWorkspace(args: ParsedArgs): Workspace {
  const dir = stringFlag(args, 'workspace')
  if (!dir) throw new UsageError('needs --workspace <dir>')
  return Workspace.open(resolve(dir))
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
type StageProgress = Pick<ProgressMessage, 'epoch' | 'epochs' | 'step' | 'steps' | 'loss' | 'imagesPerSec'> & { stage: string }

function stageBars(): { progress: (p: StageProgress) => void; finish: () => void } {
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

/**
 * Trains through the same MlService the app uses: the run, its data snapshot,
 * the test-split evaluation and the model are recorded exactly as in the app.
 */
export async function trainCmd(args: ParsedArgs): Promise<number> {
  const request = trainRequest(args)
  const ws = openWorkspace(args)
  const { arch, resume } = request
  if (resume === null) {
    let effective: TrainingSettings
    try {
      effective = mergeTrainingSettings(getTrainingSettings(ws), request.settings)
    } catch (err) {
      ws.close()
      throw err
    }
    process.stderr.write(`settings: ${settingsLine(effective, arch)}\n`)
    for (const note of ignoredFlagNotes(args, effective, arch)) process.stderr.write(`note: ${note}\n`)
  }
  const events = new EventHub()
  const ml = new MlService(ws, events, () => MlHost.fork())
  const { signal, dispose } = cancelOnSigint()
  const bars = stageBars()
  let runId = 0
  try {
    const backend = await ml.backendStatus()
    process.stderr.write(`backend: ${backend.name ?? 'none'}${backend.gpu ? ' (GPU)' : ' (CPU)'}${backend.note ? ` - ${backend.note}` : ''}\n`)
    for (const s of backend.skipped) process.stderr.write(`  skipped ${s.name}: ${s.reason}\n`)
    const finished = new Promise<RunStateChange>((ok) => {
      events.subscribe((event, payload) => {
        if (event === 'run.progress' && (payload as RunProgress).runId === runId) bars.progress(payload as RunProgress)
        if (event === 'run.epoch' && (payload as RunEpoch).runId === runId) {
          const e = payload as RunEpoch
          bars.finish()
          process.stderr.write(`${e.stage} epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)} val ${e.valLoss?.toFixed(4) ?? '-'}\n`)
        }
        const st = payload as RunStateChange
        if (event === 'run.state' && st.runId === runId && ['done', 'failed', 'cancelled'].includes(st.state)) ok(st)
      })
    })
    runId = resume !== null ? ml.resume(resume) : ml.train({ arch, settings: { ...request.settings, ...(request.seed !== null ? { seed: request.seed } : {}) } })
    signal.addEventListener('abort', () => ml.cancel(runId))
    const end = await finished
    bars.finish()
    const run = getRun(ws, runId)
    if (end.state !== 'done') {
      process.stderr.write(`run ${runId} ${end.state}${end.error ? `: ${end.error}` : ''}\n`)
      if (run.resumable) process.stderr.write(`resume with: npm run studio -- train --workspace ${ws.dir} --resume ${runId}\n`)
      return end.state === 'cancelled' ? 130 : 1
    }
    if (request.activate) ml.promote(runId)
    process.stdout.write(
      `run ${runId} done: model ${run.modelId} in ${runModelDir(ws, runId)}\n` +
        `test MIoU ${run.testMiou === null ? '-' : (run.testMiou * 100).toFixed(2)}; thresholds ${JSON.stringify(run.thresholds)}\n` +
        outcomeLines(run.outcome).join('')
    )
    return 0
  } finally {
    dispose()
    await ml.close()
    ws.close()
  }
}

/** What the run did beyond its metrics: the plan, stage 1's quality, classes left out, warnings. */
export function outcomeLines(o: RunOutcome | null): string[] {
  if (!o) return []
  const lines: string[] = []
  if (o.plan) {
    const steps = o.plan.reconReused ? `stage 1 reused from the warm-start model, stage 2 ${o.plan.stage2Steps} steps` : `${o.plan.stage1Steps} + ${o.plan.stage2Steps} steps`
    lines.push(`plan: ${o.plan.input}, ${steps}\n`)
  }
  if (o.reconQuality) lines.push(`stage 1 on validation normal frames: RA ${o.reconQuality.ra.toFixed(3)}, SSIM ${o.reconQuality.ssim.toFixed(3)}\n`)
  if (o.untrainedClasses.length > 0) lines.push(`not trained (no labels): ${o.untrainedClasses.join(', ')}\n`)
  for (const w of o.warnings) lines.push(`warning: ${w}\n`)
  return lines
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
      { kind: 'eval', modelDir: model.dir, images: data.items, classes: data.classes, split },
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
  const out = resolve(stringFlag(args, 'out') ?? 'docs/experiments-latest.md')
  // Bad flags are refused before the minute the import takes.
  const { model, train, fractions, seeds, splitSeed } = experimentRequest(args)
  const tmp = mkdtempSync(join(tmpdir(), 'ds-experiment-'))
  const ws = Workspace.create(join(tmp, 'ws'))
  try {
    // Only the tile's own classes: the steel defaults would be empty output channels.
    ws.db.prepare('DELETE FROM classes').run()
    process.stderr.write(`importing ${data} ...\n`)
    await importFolder(ws, { folder: join(data, 'images'), masks: join(data, 'masks'), maskClasses: TILE_CLASSES, view: 'D01' })
    await importFolder(ws, { folder: join(data, 'normal'), view: 'D01', normal: true })
    const dataset = buildDataset(ws)
    const host = await startHost()
    const { signal, dispose } = cancelOnSigint()
    const bars = stageBars()
    const json = out.replace(/\.md$/i, '') + '.json'
    const results: ExperimentResult[] = []
    // Written after every seed, so that a run stopped in its third hour keeps the seeds it finished.
    const write = (): string => {
      const md = [...(results.length > 1 ? [renderSeedSummary(results)] : []), ...results.map(renderExperimentMarkdown)].join('\n')
      mkdirSync(dirname(out), { recursive: true })
      writeFileSync(out, md)
      // The figures in full, so that runs made apart can still be averaged.
      writeFileSync(json, JSON.stringify(results, null, 1))
      return md
    }
    try {
      for (const seed of seeds) {
        if (seeds.length > 1) process.stderr.write(`\nseed ${seed} (${results.length + 1} of ${seeds.length})\n`)
        results.push(
          (await host.run(
            {
              kind: 'experiment',
              datasetItems: dataset.items,
              classes: dataset.classes,
              fractions,
              model,
              // The job sets train.seed from seed.
              train,
              seed,
              splitSeed,
              outDir: join(tmp, `experiment-seed${seed}`)
            },
            {
              signal,
              onProgress: bars.progress,
              onLog: (l) => l.level !== 'debug' && process.stderr.write(`\n[${l.level}] ${l.message}\n`)
            }
          )) as ExperimentResult
        )
        const md = write()
        if (results.length === seeds.length) process.stdout.write(md + `\nwritten to ${out} and ${json}\n`)
        else process.stderr.write(`\nseed ${seed} done: ${out} and ${json} hold the seeds so far\n`)
      }
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
