/** Contract payloads for in-app training: runs, their progress, comparison, retrain and predictions. */
import type { JobStateName } from './types'
import type { EvalReport } from '../arcd/metrics'
import type { ClassSpec, StageSummary, TrainPlan } from '../arcd/protocol'

export type RunKindName = 'train' | 'eval' | 'infer' | 'experiment'
export type ArchName = 'arcd' | 'unet'

export type TrainingInput = 'tiles' | 'letterbox'
export type TrainingLoss = 'focal-dice' | 'bce-dice' | 'focal-batch'
export const TRAINING_INPUTS: readonly TrainingInput[] = ['tiles', 'letterbox']
export const TRAINING_LOSSES: readonly TrainingLoss[] = ['focal-dice', 'bce-dice', 'focal-batch']

/**
 * Training settings kept per workspace; Retrain, the Runs page and the CLI
 * use them. A workspace saved before a field existed gets its default.
 */
export interface TrainingSettings {
  /** Network sizes and blocks: 'cpu' small, 'gpu' near the thesis. */
  preset: 'cpu' | 'gpu'
  /** 'tiles': crops at the analysis scale, tiled inference; 'letterbox': whole frames shrunk to one square. */
  input: TrainingInput
  /** Side of a training crop and inference tile ('tiles'), or of the letterboxed square. */
  size: number
  /** 'tiles': frames whose short side exceeds this are shrunk so it fits. */
  maxShortSide: number
  reconBase: number
  discBase: number
  reconDepth: number
  discDepth: number
  /** 'tiles': minutes for the whole run (steps follow from the measured speed); 0 runs steps1/steps2 instead. */
  budgetMinutes: number
  /** 'tiles' with budget 0: optimiser steps of stage 1 and stage 2. */
  steps1: number
  steps2: number
  /** Validation passes per stage: each is a checkpoint and a point on the curves. */
  evalRounds: number
  /** 'letterbox': epochs of stage 1 and stage 2. */
  epochs1: number
  epochs2: number
  batchSize: number
  /** Peak learning rate (Adam). */
  lr: number
  loss: TrainingLoss
  /** Stage-1 loss: L2 + ssimWeight x (1 - SSIM). */
  ssimWeight: number
  /**
   * ARCD with tiles: the share of stage 2's steps, at its start, that learn
   * anomalies simulated on normal frames before the labels (0: none).
   */
  pretrainShare: number
  /** Augment with 90-degree turns (flips always). */
  rotate90: boolean
  /**
   * 'tiles': most of the validation normal frames a defect class's mask may
   * show on; a best-F1 threshold that marks more is raised (1: best-F1
   * thresholds as they are).
   */
  maxNormalMarked: number
  /**
   * 'tiles': the model's maps average its segmentation net over each tile
   * and the tile's three mirror images (two to three times the inference time;
   * thresholds are chosen on such maps).
   */
  inferFlips: boolean
  /** Promote a retrained model by itself when its test MIoU does not drop. */
  autoPromote: boolean
  /**
   * Regression guard: a retrain whose MIoU or any defect class's pixel AP is
   * lower than the active model's by more than this (absolute, 0..1, both
   * evaluated on the current labels of the same test frames), or whose mask
   * of a defect class shows on a share of the normal test frames higher by
   * more than this (and on at least two more of them), is a regression:
   * Decline becomes the primary action and auto-promote refuses it.
   */
  regressionMargin: number
}

/** The simulated-anomaly share in words, as the app and the CLI say it: "the first 30% of stage 2", or "none". */
export function simulatedShareText(share: number): string {
  return share > 0 ? `the first ${Math.round(share * 100)}% of stage 2` : 'none'
}

/** The threshold rule in words, as the app and the CLI say it: "best F1, each class on at most 20% of normal frames", or "best F1". */
export function normalMarkedText(share: number): string {
  return share >= 1 ? 'best F1' : `best F1, each class on at most ${Math.round(share * 100)}% of normal frames`
}

/** A regression's rise in the share of normal frames a class marks, as main's reason and the comparison both say it: "rose from 5% to 20% of the normal test frames". */
export function normalsRiseText(a: number, b: number): string {
  return `rose from ${Math.round(a * 100)}% to ${Math.round(b * 100)}% of the normal test frames`
}

export interface SettingsProblem {
  path: keyof TrainingSettings
  message: string
}

/**
 * Rules that tie fields together, which a per-field schema cannot see: the
 * networks halve the input once per level, and a crop larger than the
 * analysis scale's short side would be mostly padding.
 */
export function trainingSettingsProblems(s: TrainingSettings): SettingsProblem[] {
  const out: SettingsProblem[] = []
  const levels = Math.max(s.reconDepth, s.discDepth)
  const unit = 2 ** levels
  if (s.size % unit !== 0) out.push({ path: 'size', message: `a multiple of ${unit} for networks ${levels} levels deep, got ${s.size}` })
  if (s.input === 'tiles' && s.size > s.maxShortSide) {
    out.push({ path: 'size', message: `a crop of ${s.size} px does not fit frames shrunk to a short side of ${s.maxShortSide} px` })
  }
  return out
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
  /** The frames it validated on (chose thresholds, picked epochs); absent in snapshots older than split groups. */
  valImageIds?: number[]
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

/**
 * How a training run was set up, read from its stored configs (what it ran
 * with, CLI overrides included). Null fields: runs recorded before the
 * setting existed.
 */
export interface RunSetup {
  preset: 'cpu' | 'gpu' | null
  input: TrainingInput
  size: number
  /** 'tiles' only. */
  maxShortSide: number | null
  reconBase: number
  discBase: number
  reconDepth: number
  discDepth: number
  /** The reconstruction net has skip connections (false for runs recorded before they existed). */
  reconSkips: boolean
  /** ARCD's segmentation net reads image - reconstruction (false for runs recorded before it existed). */
  reconResidual: boolean
  budgetMinutes: number | null
  steps1: number | null
  steps2: number | null
  evalRounds: number | null
  epochs1: number
  epochs2: number
  batchSize: number
  lr: number
  loss: TrainingLoss | null
  ssimWeight: number | null
  /** Null for runs recorded before the setting existed (they had none). */
  pretrainShare: number | null
  rotate90: boolean | null
  /** Null for runs recorded before the setting existed (their thresholds were best F1 as it was). */
  maxNormalMarked: number | null
  /** False for runs recorded before the setting existed (their maps had one pass). */
  inferFlips: boolean
  seed: number
  /** Stage 1 left out on purpose: a retrain reusing the active model's reconstruction net. */
  skipStage1: boolean
}

/** What a finished training run did, as the ML engine reported it. */
export interface RunOutcome {
  /** The classes the model has outputs for. */
  classes: ClassSpec[]
  /** Workspace classes without labels in the run's data: the model has no output for them. */
  untrainedClasses: string[]
  warnings: string[]
  /** Null from an ML engine that did not report one. */
  plan: TrainPlan | null
  /** Stage 1 on validation normal frames; null without stage 1. */
  reconQuality: { ra: number; ssim: number; l2: number } | null
  stages: StageSummary[]
}

/** What auto-promote decided about a finished retrain, kept with the run. */
export interface AutoPromoteRecord {
  promoted: boolean
  /** In words, e.g. "refused: MIoU fell by 0.051 (0.235 -> 0.184)". */
  reason: string
  drops: MetricDrop[]
}

export interface RunDetail extends RunSummary {
  config: unknown
  /** Training runs only. */
  setup: RunSetup | null
  /** Training runs that finished (older runs recorded none). */
  outcome: RunOutcome | null
  snapshot: DataSnapshot | null
  epochs: RunEpoch[]
  valMetrics: EvalReport | null
  testMetrics: EvalReport | null
  thresholds: Record<string, number>
  /** Retrains only, when auto-promote was on as it finished. */
  autoPromote: AutoPromoteRecord | null
}

export interface MetricDelta {
  a: number | null
  b: number | null
  /** b - a, when both exist. */
  delta: number | null
}

/** A metric on which B is worse than A by more than the regression margin. */
export interface MetricDrop {
  /** "MIoU", "<class> pixel AP" or "<class> normal frames marked". */
  metric: string
  a: number
  /** Null: B has no output for the class. */
  b: number | null
  /** How much worse B is: a - b (positive), or a when B has no output; b - a for a figure that is worse higher (`rise`). */
  drop: number
  /** The figure is a share of normal frames that is worse when it rises; missing for figures worse when they fall. */
  rise?: true
}

export interface RegressionCheck {
  margin: number
  regressed: boolean
  drops: MetricDrop[]
}

/**
 * Where a comparison's figures come from. 'current-labels': both models were
 * evaluated (now, or earlier on the same label state) on the current labels
 * of the same frames; 'stored': each run's own test report, because the two
 * share no test frame that still has ground truth, or a model is missing.
 */
export interface ComparisonBasis {
  kind: 'current-labels' | 'stored'
  /** Frames both models were evaluated on. */
  frames: number
  /** Hash of those frames' current labels and statuses: the re-evaluations are stored under it. */
  labelState: string | null
  /** Frames whose labels changed since each run's own test report (null: not known for that run). */
  changedSinceA: number | null
  changedSinceB: number | null
  /** The eval runs that produced the figures. */
  evalRunIds: number[]
  /** Why the figures are the stored ones. */
  note?: string
}

export interface RunComparison {
  a: RunDetail
  b: RunDetail
  basis: ComparisonBasis
  /** B judged against A (A the active model in a retrain); null without figures for both. */
  regression: RegressionCheck | null
  overall: { mpa: MetricDelta; miou: MetricDelta; imageAuroc: MetricDelta }
  /**
   * normalsMarked: the share of normal test frames the class's mask marks
   * (lower is better); null for regions and for reports saved before frame counts.
   */
  classes: { name: string; iou: MetricDelta; pixelAuroc: MetricDelta; pixelAp: MetricDelta; normalsMarked: MetricDelta }[]
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
  /**
   * Settings stage 1 depends on (input, crop size, scale, reconstruction
   * width and depth, SSIM weight, preset, skip connections) differ from the active model's, so
   * its reconstruction net cannot be reused: stage 1 reruns.
   */
  reconSettingsChanged: boolean
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
