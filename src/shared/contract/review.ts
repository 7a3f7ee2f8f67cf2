/** Contract payloads of the review workspace: the queue, the cached maps, metrics and curves, verdicts, the report. */
import type { ImageStatus, Split, ViewOrUnassigned } from '../domain'
import type { ClassCurves } from '../review/curves'
import type { FrameOutcome } from '../review/outcomes'
import type { Evidence } from '../review/order'
import type { VerdictState } from './accept'

export const REVIEW_VERDICTS = ['true_defect', 'false_positive', 'missed_defect'] as const
export type ReviewVerdictName = (typeof REVIEW_VERDICTS)[number]

/** Per-class thresholds keyed by class name, as models.thresholds stores them. */
export type Thresholds = Record<string, number>

export interface ReviewFilter {
  views?: ViewOrUnassigned[]
  splits?: Split[]
  statuses?: ImageStatus[]
  /** Frames where one of these classes is labelled or predicted; the order and counts then use only them. */
  classIds?: number[]
  /** The frame's latest verdict under this model; 'none' for frames without one. */
  verdicts?: (ReviewVerdictName | 'none')[]
}

/** A trained model the review can look at. */
export interface ReviewModel {
  id: number
  runId: number
  arch: string
  active: boolean
  createdAt: string
  thresholds: Thresholds
  thresholdRevision: number
  /** Frames with a stored prediction of this model. */
  predictions: number
  testMiou: number | null
}

export interface ReviewVerdict {
  id: number
  imageId: number
  modelId: number | null
  classId: number | null
  verdict: ReviewVerdictName
  author: string
  note: string | null
  at: string
  /** Whether it acted on the frame, waits for confirmation (a test frame) or was settled or undone. */
  state: VerdictState
  /** Labels the verdict added (a true defect applied or confirmed). */
  labelIds: number[]
}

export interface ReviewClassStats {
  classId: number
  /** Pixels predicted (probability >= threshold). */
  predicted: number
  /** Predicted pixels outside every label of the class (pixel false positives). */
  outside: number
  /** Labelled pixels not predicted (pixel false negatives). */
  missed: number
  labelled: number
  maxProb: number
  outcome: FrameOutcome
}

export interface ReviewItem {
  imageId: number
  relPath: string
  view: ViewOrUnassigned
  split: Split
  status: ImageStatus
  /** Frame size, and the size of the maps the statistics come from (the same unless the frame changed). */
  width: number
  height: number
  classes: ReviewClassStats[]
  evidence: Evidence
  verdict: ReviewVerdict | null
  /** Changes when the frame is inferred again or its labels change: the page reloads what it cached. */
  version: { predictionAt: string; labelsRev: number }
}

export interface FrameCounts {
  tp: number
  fp: number
  fn: number
  tn: number
}

export interface ReviewQueue {
  modelId: number
  thresholds: Thresholds
  thresholdRevision: number
  /** In review order (src/shared/review/order.ts). */
  items: ReviewItem[]
  /** Frame outcomes per class id, over the filtered frames. */
  counts: Record<string, FrameCounts>
  /** The same per view, then per class id. */
  countsByView: Record<string, Record<string, FrameCounts>>
  /** Filtered frames whose statistics are still being computed from the maps (they join the queue when ready). */
  pending: number
  /** Filtered frames without a prediction of this model ("Run the model on these frames"). */
  withoutPredictions: number
  /** An inference run of this model for the review is queued or running. */
  inferRunId: number | null
  /** Workspace classes the model has no output for (no labels in its training data): no maps, no counts, "not trained". */
  untrainedClassIds: number[]
}

export interface ReviewMapImage {
  mime: string
  width: number
  height: number
  data: Uint8Array
}

/** The cached maps of one frame: bytes of the PNGs the inference wrote. */
export interface ReviewMaps {
  imageId: number
  modelId: number
  /** Null for a plain U-Net (no reconstruction). */
  recon: ReviewMapImage | null
  /** Probability as the stored bytes (src/shared/review/mapCode.ts), grey PNG, per class id. */
  probs: (ReviewMapImage & { classId: number })[]
}

export interface ReviewClassMetrics {
  classId: number
  name: string
  kind: 'defect' | 'region'
  threshold: number
  precision: number | null
  recall: number | null
  f1: number | null
  iou: number | null
}

export interface ReviewGroupMetrics {
  frames: number
  mpa: number | null
  miou: number | null
  classes: ReviewClassMetrics[]
}

export interface ReviewCurve extends ClassCurves {
  classId: number
  name: string
}

export interface ReviewMetrics {
  modelId: number
  thresholds: Thresholds
  overall: ReviewGroupMetrics
  perView: Record<string, ReviewGroupMetrics>
  /** Per class, from full-resolution pixel histograms of the filtered frames. */
  curves: ReviewCurve[]
  /** MPA/MIoU/F1 are computed on the stored maps at full resolution: the longest side among them. */
  maxSide: number
}

export interface ReviewActionResult {
  verdicts: ReviewVerdict[]
  /** Polygons added to the frame (true defect). */
  labelsAdded: number
  status: ImageStatus
  /** A test frame: the verdict is recorded and waits for an inspector to confirm it in the editor; nothing changed. */
  pending: boolean
}

export interface ReviewReport {
  /** Absolute path of the written HTML file. */
  path: string
  bytes: number
  frames: number
}
