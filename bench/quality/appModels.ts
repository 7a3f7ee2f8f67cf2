/**
 * The app's models, trained and scored through the ML engine's own job API
 * (runJob: the same code the ML host process runs), in this process. The
 * 'eval' job scores against the labels with SegmentationEvaluator, as the
 * PyTorch reference is scored in score.ts.
 */
import path from 'node:path'
import { CPU_PRESET, DEFAULT_TRAIN, type ModelConfig, type TrainConfig } from '../../src/shared/arcd/config'
import type { EvalReport } from '../../src/shared/arcd/metrics'
import type { Arch, ClassSpec, DatasetItem, EvalResult, TrainJobSpec, TrainResult } from '../../src/shared/arcd/protocol'
import type { JobContext, JobEvent } from '../../src/ml/jobs/context'

export interface AppRun {
  arch: Arch
  backend: string
  trainSeconds: number
  evalSeconds: number
  /** Optimiser steps per stage and samples they saw, when the trainer reports a plan. */
  steps: { recon: number; disc: number } | null
  samplesSeen: number | null
  reconQuality: TrainResult['reconQuality']
  warnings: string[]
  report: EvalReport
  thresholds: Record<string, number>
}

let backendName: Promise<string> | null = null

/** The backend the ML host would pick (initBackend's defaults, same environment variables). */
export function appBackend(): Promise<string> {
  backendName ??= import('../../src/ml/backend').then(async ({ initBackend }) => (await initBackend()).name)
  return backendName
}

function context(jobId: string, log: (m: string) => void, deadline: number | null): JobContext & { cancelledByWatchdog(): boolean } {
  let last = 0
  let watchdog = false
  return {
    jobId,
    emit(e: JobEvent) {
      if (e.type === 'log') {
        if (e.level !== 'debug') log(`${jobId} [${e.level}] ${e.message}`)
        return
      }
      const now = Date.now()
      if (e.type === 'epoch' || now - last > 30_000) {
        last = now
        if (e.type === 'epoch') {
          const ap = e.valMetrics?.meanAp
          const score = ap !== undefined && ap !== null ? `, val mean AP ${ap.toFixed(4)}` : ''
          log(`${jobId} ${e.stage} round ${e.epoch}: train ${e.trainLoss.toFixed(4)} val ${e.valLoss?.toFixed(4) ?? '-'}${score}`)
        }
        else log(`${jobId} ${e.stage} ${e.step}/${e.steps}${e.etaSec !== null ? `, ${Math.round(e.etaSec)} s left in stage` : ''}`)
      }
    },
    isCancelled() {
      if (deadline !== null && Date.now() > deadline) watchdog = true
      return watchdog
    },
    cancelledByWatchdog: () => watchdog
  }
}

export interface AppRunOptions {
  arch: Arch
  runId: string
  outRoot: string
  classes: ClassSpec[]
  /** Training and validation items (split 'train' / 'val'). */
  items: DatasetItem[]
  /** Test items (split 'test'). */
  test: DatasetItem[]
  budgetMinutes: number
  /** Ablations only: merged over the default recipe. */
  trainOverrides?: Partial<TrainConfig>
  modelOverrides?: Partial<ModelConfig>
  log: (m: string) => void
}

/**
 * A trainer that ignored the budget would make the comparison meaningless
 * and could hold the shared CPU for hours: past three times the budget plus
 * twenty minutes the run is cancelled and reported as failed. The margin is for
 * what the budget does not cover (decoding ~800 frames, a minimum number of
 * steps, validation rounds of minutes each on a loaded machine, thresholds):
 * a 0.5-minute smoke run of ARCD took over 10 minutes at load 10.
 */
function watchdogMs(budgetMinutes: number): number {
  return (3 * budgetMinutes + 20) * 60_000
}

export async function runAppModel(o: AppRunOptions): Promise<AppRun> {
  const { runJob } = await import('../../src/ml/jobs/runner')
  const backend = await appBackend()
  // --train '{"budgetMinutes":0,"stage2Steps":1100}' trains a fixed number of
  // steps (ablations at equal steps on a busy machine); --budget still sets the watchdog.
  const train: TrainConfig = { ...DEFAULT_TRAIN, budgetMinutes: o.budgetMinutes, ...o.trainOverrides }
  const spec: TrainJobSpec = {
    kind: 'train',
    runId: o.runId,
    outDir: path.join(o.outRoot, o.runId),
    classes: o.classes,
    images: o.items,
    model: { ...CPU_PRESET, ...o.modelOverrides },
    train,
    stages: o.arch === 'arcd' ? ['recon', 'disc'] : ['disc'],
    arch: o.arch
  }
  const t0 = performance.now()
  const ctx = context(o.runId, o.log, Date.now() + watchdogMs(o.budgetMinutes))
  let result: TrainResult
  try {
    result = (await runJob(spec, ctx, backend)) as TrainResult
  } catch (err) {
    if (ctx.cancelledByWatchdog()) {
      throw new Error(`training ignored the ${o.budgetMinutes}-minute budget and was stopped after ${((performance.now() - t0) / 60_000).toFixed(1)} min`)
    }
    throw err
  }
  const trainSeconds = (performance.now() - t0) / 1000
  const t1 = performance.now()
  const evalResult = (await runJob(
    { kind: 'eval', modelDir: result.modelDir, images: o.test, classes: o.classes, split: 'test' },
    context(`${o.runId}-eval`, o.log, null),
    backend
  )) as EvalResult
  const evalSeconds = (performance.now() - t1) / 1000
  // Trainers from before the budget recipe return no plan: report what is known.
  const plan = (result as Partial<TrainResult>).plan
  const steps = plan ? { recon: plan.stage1Steps, disc: plan.stage2Steps } : null
  return {
    arch: o.arch,
    backend,
    trainSeconds,
    evalSeconds,
    steps,
    samplesSeen: steps ? (steps.recon + steps.disc) * train.batchSize : null,
    reconQuality: (result as Partial<TrainResult>).reconQuality ?? null,
    warnings: (result as Partial<TrainResult>).warnings ?? [],
    report: evalResult.report,
    thresholds: result.thresholds
  }
}
