/**
 * Contract payloads of turning a model's prediction into labels (the one
 * accept service behind the editor's Accept and the review's true-defect
 * verdict), and of verdicts that wait for an inspector.
 */
import type { ImageStatus } from '../domain'
import type { Thresholds } from './review'

/** One connected predicted piece of a class, traced as it would become a label. */
export interface PredictedPiece {
  classId: number
  /** Position among the class's traced pieces (raster order of their topmost-leftmost pixel); stable for one map and threshold. */
  index: number
  /** Ring in frame pixels, as the label would store it. */
  points: number[]
  /** Pixels of the piece in the map. */
  pixels: number
  /** At least half of it already lies under a label of its class: accepting skips it. */
  labelled: boolean
}

export interface AcceptPreview {
  imageId: number
  modelId: number
  /** The thresholds the pieces were traced at (one per class). */
  thresholds: Thresholds
  /** Every piece of the asked classes, labelled or not. */
  pieces: PredictedPiece[]
  /** The pieces accepting would add: the chosen ones not already labelled. */
  add: PredictedPiece[]
}

export interface AcceptResult extends AcceptPreview {
  /** Ids of the labels written, in the order of `add`. */
  labelIds: number[]
  status: ImageStatus
}

export const VERDICT_STATES = ['applied', 'pending', 'confirmed', 'dismissed', 'undone'] as const
/**
 * applied: acted on the frame at once (train/val frames); pending: a test
 * frame's verdict, recorded but not acted on until confirmed in the editor;
 * confirmed / dismissed: a pending verdict an inspector settled; undone: an
 * applied verdict taken back.
 */
export type VerdictState = (typeof VERDICT_STATES)[number]
