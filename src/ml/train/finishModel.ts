/** The end of every training recipe: the model folder written, and the run's result built from the same facts. */
import type { ModelConfig } from '../../shared/arcd/config'
import type { EvalReport } from '../../shared/arcd/metrics'
import type { ClassSpec, DatasetItem, EpochRecord, StageSummary, TrainJobSpec, TrainPlan, TrainResult } from '../../shared/arcd/protocol'
import { buildManifest, MODEL_FORMAT, MODEL_FORMAT_VERSION, writeModelDir, type Nets } from '../io/modelDir'
import { mapPrecisionWarnings } from './thresholdPrecision'

export interface FinishedTraining {
  spec: TrainJobSpec
  backendName: string
  nets: Nets
  /** The model configuration the weights were trained with (the spec's, completed with defaults). */
  model: ModelConfig
  /** The classes the model has outputs for. */
  classes: ClassSpec[]
  /** The frames the run used (train and val), for the manifest. */
  used: DatasetItem[]
  plan: TrainPlan
  /** What stage 1 learnt from (ARCD on crops), so a retrain can reuse it. */
  reconKey?: string
  untrainedClasses: string[]
  warnings: string[]
  reconQuality: TrainResult['reconQuality']
  history: EpochRecord[]
  summaries: StageSummary[]
  thresholds: Record<string, number>
  method: string
  valReport: EvalReport | null
  resumedFromEpoch: number | null
  warmStarted: TrainResult['warmStarted']
}

export async function finishModel(f: FinishedTraining): Promise<TrainResult> {
  const { spec, nets } = f
  await writeModelDir(spec.outDir, {
    config: {
      format: MODEL_FORMAT,
      version: MODEL_FORMAT_VERSION,
      runId: spec.runId,
      arch: spec.arch,
      model: f.model,
      train: spec.train,
      classes: f.classes,
      nets: { recon: !!nets.recon, disc: !!nets.disc },
      createdAt: new Date().toISOString(),
      backend: f.backendName,
      ...(f.reconKey ? { reconKey: f.reconKey } : {}),
      // Letterbox folders keep their older format, without plan and untrained classes.
      ...(f.plan.input === 'letterbox' ? {} : { plan: f.plan, untrainedClasses: f.untrainedClasses })
    },
    nets,
    thresholds: { method: f.method, perClass: f.thresholds },
    metrics: { history: f.history, stages: f.summaries, valReport: f.valReport },
    manifest: buildManifest(spec.runId, f.used, spec.classes)
  })
  return {
    kind: 'train',
    runId: spec.runId,
    modelDir: spec.outDir,
    arch: spec.arch,
    classes: f.classes,
    untrainedClasses: f.untrainedClasses,
    warnings: [...f.warnings, ...mapPrecisionWarnings(f.thresholds)],
    plan: f.plan,
    reconQuality: f.reconQuality,
    stages: f.summaries,
    history: f.history,
    thresholds: f.thresholds,
    valMetrics: f.valReport,
    backend: f.backendName,
    resumedFromEpoch: f.resumedFromEpoch,
    warmStarted: f.warmStarted
  }
}
