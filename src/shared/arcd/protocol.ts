/**
 * Typed messages between main (the parent) and the ML host process
 * (src/ml/host.ts). Plain JSON-safe data only: the same objects cross Node's
 * child_process IPC and Electron's utilityProcess port. Main never imports
 * src/ml; this file is the whole interface.
 */
import type { ClassKind, Split } from '../domain'
import { CPU_PRESET, DEFAULT_TRAIN, type ModelConfig, type TrainConfig } from './config'
import type { EvalReport } from './metrics'

export type TrainStage = 'recon' | 'disc'
export type ProgressStage = TrainStage | 'eval' | 'infer'
/** 'arcd': reconstruction net + discriminative net; 'unet': plain U-Net on the image alone. */
export type Arch = 'arcd' | 'unet'

export interface ClassSpec {
  name: string
  kind: ClassKind
}

export interface DatasetPolygon {
  /** Index into the job's `classes` (0-based; NOT the database class id). */
  classIndex: number
  /** Flat [x0, y0, x1, y1, ...] in frame pixels, origin at the top-left corner. */
  points: number[]
}

export interface DatasetItem {
  id: number | string
  /** Absolute path of the frame on this machine. */
  path: string
  width: number
  height: number
  view: string
  split: Split
  /** The frame is marked defect-free (a negative; stage 1 trains on these). */
  normal: boolean
  polygons: DatasetPolygon[]
  /** Content hash, copied into the model's manifest when given. */
  hash?: string
}

export interface TrainJobSpec {
  kind: 'train'
  runId: string
  /** Absolute model directory (models/<run>/); created if missing. */
  outDir: string
  classes: ClassSpec[]
  images: DatasetItem[]
  model: ModelConfig
  train: TrainConfig
  /** Stages to run, in order. 'unet' runs 'disc' only; ARCD without 'recon' needs warmStartFrom. */
  stages: TrainStage[]
  /** A model directory whose weights are copied where shapes match. */
  warmStartFrom?: string
  /** A checkpoint directory, or a checkpoints/ folder (its latest checkpoint is used). */
  resumeFrom?: string
  arch: Arch
}

export interface EvalJobSpec {
  kind: 'eval'
  modelDir: string
  images: DatasetItem[]
  /**
   * The class list the items' classIndex refers to (the workspace's). Mapped
   * to the model's classes by name; labels of classes the model has no
   * output for are ignored. Default: the model's own class list.
   */
  classes?: ClassSpec[]
  /** Split to evaluate; default 'test'. Items of other splits are ignored. */
  split?: Split
  batchSize?: number
}

export interface InferJobSpec {
  kind: 'infer'
  modelDir: string
  /** Polygons, split and normal are ignored; only id, path, width, height and view are read. */
  images: DatasetItem[]
  /** Where PNGs go: outDir/<id>/{recon,heatmap,mask-<class>}.png. Required when writePngs. */
  outDir?: string
  writePngs?: boolean
  /** Per-class threshold overrides by class name (e.g. tuned by an engineer). */
  thresholds?: Record<string, number>
  batchSize?: number
}

export interface ExperimentJobSpec {
  kind: 'experiment'
  /** Every image: normal ones marked normal, defect images with their polygons. Splits are ignored: the experiment makes its own. */
  datasetItems: DatasetItem[]
  classes: ClassSpec[]
  /** Shares of the labelled training defect images to use, e.g. [1, 0.5, 0.3]. */
  fractions: number[]
  model: ModelConfig
  train: TrainConfig
  /** The training seed (crops, initial weights). */
  seed: number
  /**
   * Seed of the split and of the label fractions' draw (default 1), apart
   * from `seed` so that repeated runs with other seeds differ in training
   * only and their figures can be averaged over one test set.
   */
  splitSeed?: number
  /** Absolute folder for the experiment's models and results.json. */
  outDir: string
  /** Share of defect images held out for testing (default 0.3) and for validation (default 0.15). */
  testShare?: number
  valShare?: number
}

/**
 * The label-fraction experiment on magnetic-tile data runs the default
 * recipe (crops at the analysis scale) with a time budget per training:
 * stage 1 once, then ARCD and the U-Net per fraction, so 7 budgets in all.
 * 6 minutes each: the final threshold pass (mirrored tiles, the frame cap's
 * normal frames) takes about 2 of them on magnetic-tile, and at 4 an ARCD
 * stage 2 trained for 1.2 minutes (docs/experiments.md, twenty-eighth
 * measurement).
 */
export const EXPERIMENT_DEFAULTS: Required<Pick<ExperimentJobSpec, 'fractions' | 'model' | 'train' | 'seed' | 'splitSeed'>> = {
  fractions: [1, 0.5, 0.3],
  seed: 1,
  splitSeed: 1,
  model: { ...CPU_PRESET },
  train: { ...DEFAULT_TRAIN, budgetMinutes: 6, seed: 1 }
}

export type JobSpec = TrainJobSpec | EvalJobSpec | InferJobSpec | ExperimentJobSpec
export type JobKind = JobSpec['kind']

// ---------------------------------------------------------------- results

export interface EpochRecord {
  stage: TrainStage
  epoch: number
  trainLoss: number
  valLoss: number | null
  lr: number
  valMetrics?: Record<string, number | null>
}

export interface StageSummary {
  stage: TrainStage
  epochsRun: number
  bestEpoch: number
  bestValLoss: number | null
  stoppedEarly: boolean
  /** The stage reached its share of the time budget before its planned steps (the CPU was slower than the speed probe said). */
  outOfTime?: boolean
  /** Optimiser steps this session ran, when the stage filled its time (rounds re-planned from the measured pace). */
  stepsRun?: number
  trainImages: number
  valImages: number
}

/** What a run actually did, derived from its settings and the measured speed. */
export interface TrainPlan {
  input: 'tiles' | 'letterbox'
  /** Optimiser steps per stage (tiles), or epochs x steps per epoch (letterbox). */
  stage1Steps: number
  stage2Steps: number
  /** Validation rounds per stage, when thinned to fit the budget. */
  stage1Rounds?: number
  stage2Rounds?: number
  /** ARCD: the first stage-2 steps, planned, that learn simulated anomalies (discPretrainShare); absent for none. */
  stage2SimulatedSteps?: number
  /** Seconds per step measured before training ('tiles' with a budget), per stage. */
  secondsPerStep: { recon: number | null; disc: number | null }
  /** Stage 1 was skipped because the warm-start model's reconstruction net was reused. */
  reconReused: boolean
  /** Stage 2's validation frames (tiles); absent in runs recorded before it, which read every candidate. */
  validation?: ValidationPlan
}

/**
 * How many validation frames stage 2 read, as prefixes of its random
 * orders of candidates (at most 24 labelled and 40 normal frames): the final
 * pass, which sets the thresholds, and the rounds, which pick the checkpoint.
 */
export interface ValidationPlan {
  labelled: number
  normals: number
  roundLabelled: number
  roundNormals: number
  /** The final pass read mirrored maps, as inference makes them. */
  finalFlips: boolean
  candidateLabelled: number
  candidateNormals: number
}

export interface TrainResult {
  kind: 'train'
  runId: string
  modelDir: string
  arch: Arch
  /** The classes the model has outputs for (classes with labels in its training data). */
  classes: ClassSpec[]
  /** Workspace classes left out: "not trained: no labels". */
  untrainedClasses: string[]
  /** Things the user should know (threshold fallbacks, skipped frames). */
  warnings: string[]
  plan: TrainPlan
  /** Stage 1 on validation normal frames: RA (eq. 4-9), SSIM and L2 of the reconstructions; null without stage 1 or validation frames. */
  reconQuality: { ra: number; ssim: number; l2: number } | null
  stages: StageSummary[]
  history: EpochRecord[]
  /** Per-class thresholds by class name (best F1 on validation). */
  thresholds: Record<string, number>
  /** Validation metrics of the final model at those thresholds (null when stage 2 did not run). */
  valMetrics: EvalReport | null
  backend: string
  resumedFromEpoch: number | null
  warmStarted: { loaded: number; skipped: number } | null
}

export interface EvalResult {
  kind: 'eval'
  modelDir: string
  split: Split
  report: EvalReport
}

export interface InferItemResult {
  id: number | string
  /** Image score: max of the smoothed defect-class probability maps. */
  score: number
  /** Max probability per class name. */
  classScores: Record<string, number>
  /** Pixels above threshold per class name, at frame size. */
  maskPixels: Record<string, number>
  /** Written files (when writePngs); recon is null for the plain U-Net. */
  files?: { dir: string; recon: string | null; heatmap: string; masks: Record<string, string>; probs: Record<string, string> }
}

export interface InferResult {
  kind: 'infer'
  modelDir: string
  thresholds: Record<string, number>
  items: InferItemResult[]
}

export interface ExperimentRow {
  arch: Arch
  fraction: number
  trainDefectImages: number
  /** Stage-2 optimiser steps that ran; null when a finished model from an earlier run was reused. */
  steps: number | null
  /** The training's warnings (thresholds raised, out of time); empty when reused. */
  warnings: string[]
  report: EvalReport
  modelDir: string
}

export interface ExperimentResult {
  kind: 'experiment'
  outDir: string
  classes: ClassSpec[]
  model: ModelConfig
  train: TrainConfig
  seed: number
  splitSeed: number
  split: { train: number; val: number; test: number; normalTrain: number; normalVal: number; normalTest: number }
  rows: ExperimentRow[]
  backend: string
  seconds: number
}

export type JobResult = TrainResult | EvalResult | InferResult | ExperimentResult

// ---------------------------------------------------------------- messages

/** Same shape as src/ml/backend's BackendReport. */
export interface BackendInfo {
  name: string
  gpu: boolean
  skipped: { name: string; reason: string }[]
}

export interface ReadyMessage {
  type: 'ready'
  backend: BackendInfo
}

export interface ProgressMessage {
  type: 'progress'
  jobId: string
  stage: ProgressStage
  /** 1-based; 0 when the stage has no epochs (eval, infer). */
  epoch: number
  epochs: number
  /** Steps done in this epoch (or items done for eval/infer). */
  step: number
  steps: number
  /** Running mean loss of the epoch; null for eval/infer. */
  loss: number | null
  imagesPerSec: number
  /** Estimated seconds left in this stage; null until measurable. */
  etaSec: number | null
}

export interface EpochMessage {
  type: 'epoch'
  jobId: string
  stage: TrainStage
  epoch: number
  trainLoss: number
  valLoss: number | null
  valMetrics?: Record<string, number | null>
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface LogMessage {
  type: 'log'
  level: LogLevel
  message: string
  jobId?: string
}

export interface DoneMessage {
  type: 'done'
  jobId: string
  result: JobResult
}

/**
 * code: 'cancelled' (the job stopped on request; a training run keeps a
 * consistent checkpoint and can be resumed), 'nan-loss' (training diverged;
 * the last good checkpoint is kept), 'bad-input' (the spec or a file is
 * wrong), 'busy' (another job is running), 'internal'.
 */
export type JobErrorCode = 'cancelled' | 'nan-loss' | 'bad-input' | 'busy' | 'internal'

export interface ErrorMessage {
  type: 'error'
  jobId: string
  message: string
  code: JobErrorCode
  /** True when resuming or retrying can succeed (cancelled, NaN with a checkpoint). */
  recoverable?: boolean
  /** Checkpoint directory a training run can resume from, when one exists. */
  checkpoint?: string
}

export type HostMessage = ReadyMessage | ProgressMessage | EpochMessage | LogMessage | DoneMessage | ErrorMessage

export interface StartMessage {
  type: 'start'
  jobId: string
  spec: JobSpec
}

export interface CancelMessage {
  type: 'cancel'
  jobId: string
}

/** Asks the host to finish (cancelling any job) and exit. */
export interface ShutdownMessage {
  type: 'shutdown'
}

export type ParentMessage = StartMessage | CancelMessage | ShutdownMessage

const HOST_TYPES = new Set(['ready', 'progress', 'epoch', 'log', 'done', 'error'])
const PARENT_TYPES = new Set(['start', 'cancel', 'shutdown'])

export function isHostMessage(value: unknown): value is HostMessage {
  return typeof value === 'object' && value !== null && HOST_TYPES.has((value as { type?: unknown }).type as string)
}

export function isParentMessage(value: unknown): value is ParentMessage {
  return typeof value === 'object' && value !== null && PARENT_TYPES.has((value as { type?: unknown }).type as string)
}
