/** Contract payloads for in-app training: runs, their progress, comparison, retrain and predictions. */
import type { JobStateName } from './types'
import type { EvalReport } from '../arcd/metrics'

export type RunKindName = 'train' | 'eval' | 'infer' | 'experiment'
export type ArchName = 'arcd' | 'unet'

/** Training settings kept per workspace; Retrain and the Runs page use them. */
export interface TrainingSettings {
  preset: 'cpu' | 'gpu'
  size: number
  reconBase: number
  discBase: number
  epochs1: number
  epochs2: number
  batchSize: number
  /** Promote a retrained model by itself when its test MIoU does not drop. */
  autoPromote: boolean
}

export interface RunProgress {
  runId: number
  stage: string
  epoch: number
  epochs: number
  step: number
  steps: number
  loss: number | null
  imagesPerSec: number
  etaSec: number | null
}

export interface RunEpoch {
  runId: number
  stage: string
  epoch: number
  trainLoss: number
  valLoss: number | null
}

export interface RunStateChange {
  runId: number
  kind: RunKindName
  state: JobStateName
  error?: string
}

/** What a run trained on: frames, label revisions, counts. */
export interface DataSnapshot {
  counts: { images: number; normal: number; labeled: number; byView: Record<string, number>; bySplit: Record<string, number>; byClass: Record<string, number> }
  /** Newest label revision included. */
  maxRevision: number
  imageIds: number[]
  /** The fixed test set the run was evaluated on. */
  testImageIds: number[]
}

export interface RunSummary {
  id: number
  kind: RunKindName
  arch: ArchName
  state: JobStateName
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  backend: string | null
  error: string | null
  parentRunId: number | null
  warmStartModelId: number | null
  modelId: number | null
  active: boolean
  decision: 'promoted' | 'declined' | null
  /** Test MIoU over background + defect classes, when evaluated. */
  testMiou: number | null
  progress: RunProgress | null
  /** A failed or cancelled run with a checkpoint to resume from. */
  resumable: boolean
}

export interface RunDetail extends RunSummary {
  config: unknown
  snapshot: DataSnapshot | null
  epochs: RunEpoch[]
  valMetrics: EvalReport | null
  testMetrics: EvalReport | null
  thresholds: Record<string, number>
}

export interface MetricDelta {
  a: number | null
  b: number | null
  /** b - a, when both exist. */
  delta: number | null
}

export interface RunComparison {
  a: RunSummary
  b: RunSummary
  overall: { mpa: MetricDelta; miou: MetricDelta; imageAuroc: MetricDelta }
  classes: { name: string; iou: MetricDelta; pixelAuroc: MetricDelta; pixelAp: MetricDelta }[]
  views: { view: string; mpa: MetricDelta; miou: MetricDelta }[]
  data: {
    onlyA: number
    onlyB: number
    both: number
    /** Label revisions in B's data that A did not have. */
    newRevisions: number
    countsA: DataSnapshot['counts'] | null
    countsB: DataSnapshot['counts'] | null
    /** True when both were tested on the same frames, so the metrics compare like with like. */
    sameTestSet: boolean
  }
}

export interface RetrainStatus {
  activeModel: { id: number; runId: number } | null
  /** Defect labels created or changed since the active model's data snapshot. */
  newDefectLabels: number
  /** Frames marked normal since then (stage 1 reruns only for these, or when asked). */
  newNormalFrames: number
  /** A retrain waiting for the user to accept or decline it. */
  pending: RunSummary | null
  running: RunSummary | null
}

export interface BackendStatus {
  name: string | null
  gpu: boolean
  skipped: { name: string; reason: string }[]
  /** Why there is no backend yet: the ML process has not started, or failed to. */
  note?: string
}

export interface PredictionMap {
  classId: number
  width: number
  height: number
  /** 8-bit: probability x 255 for heatmaps, 0/1 for masks. */
  data: Uint8Array
}

export interface FramePredictions {
  imageId: number
  modelId: number
  runId: number
  score: number
  classScores: Record<string, number>
  heatmaps: PredictionMap[]
  masks: PredictionMap[]
}
