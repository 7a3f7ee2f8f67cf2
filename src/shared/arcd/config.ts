/**
 * Model and training settings shared by the ML engine, main and the UI.
 * Widths and depth are settings because the thesis-sized networks (DRAEM's
 * base widths 128/64, ~97M parameters) are far too big for a plant CPU.
 */

/**
 * How frames reach the network.
 * - 'tiles' (default): each frame is resampled once to the analysis scale
 *   (native up to `maxShortSide`, else shrunk so its short side fits);
 *   training takes square crops of side `size` there, inference covers the
 *   frame with overlapping tiles of that side and blends them into one map
 *   per class at the analysis resolution.
 * - 'letterbox': the thesis's pre-processing, the whole frame padded to a
 *   square and resized to `size` (kept for comparison; thin defects vanish).
 */
export type InputMode = 'tiles' | 'letterbox'

export interface ModelConfig {
  /** Side of a training crop and inference tile ('tiles'), or of the letterboxed square ('letterbox'). */
  size: number
  /** Channels of the input image (3: RGB; grey frames are replicated). */
  channels: number
  /** Base width of the reconstruction encoder-decoder; doubles per level. */
  reconBase: number
  /** Number of down-sampling levels of the reconstruction network. */
  reconDepth: number
  /** Base width of the discriminative U-Net (and of the plain U-Net baseline). */
  discBase: number
  discDepth: number
  /** Chapter 4 blocks: MFLM in the reconstruction net, CALM in the discriminative net. */
  mflm: boolean
  calm: boolean
  /**
   * Skip connections in the reconstruction net (a U-Net that restores rather
   * than an autoencoder that redraws). Missing (models saved before it
   * existed) means none, the thesis's shape. At CPU widths the autoencoder's
   * 4x4 bottleneck can only redraw a blur (validation SSIM 0.72 whatever the
   * budget), and the discriminative net then fires wherever the blur differs
   * from the frame (docs/experiments.md, ninth measurement).
   */
  reconSkips?: boolean
  /**
   * ARCD: the discriminative net reads [image, image - reconstruction]
   * instead of [image, reconstruction] (its first layer takes the
   * difference; the same information, a better start for training). Missing
   * (models saved before it existed) means the thesis's [image,
   * reconstruction].
   */
  reconResidual?: boolean
  /** Missing in models saved before tiles existed: those are 'letterbox'. */
  input?: InputMode
  /** 'tiles': frames whose short side exceeds this are shrunk so it fits (default 1024). */
  maxShortSide?: number
  /** 'tiles': overlap between neighbouring inference tiles, as a share of the tile side (0..0.5, default 0.25). */
  tileOverlap?: number
  /**
   * 'tiles': the longest side of an inference tile (default: twice `size`,
   * at most 256; never below `size`). The nets are fully convolutional, so
   * small training crops (many more steps a minute on a CPU) can infer on
   * larger tiles: more context, fewer tile borders. Not much larger: a U-Net
   * trained on 64 px crops scored mean pixel AP 13.9 / 14.5 / 9.8 on tiles of
   * 64 / 128 / 256 px (docs/experiments.md, sixth measurement). A tile never
   * exceeds its frame by more than the nets' pooling multiple, so small
   * frames are not framed in black.
   */
  inferTile?: number
  /**
   * 'tiles': the discriminative net also reads every tile mirrored
   * left-right, top-bottom and both (as training augments it), and the four
   * maps, mirrored back, are averaged (test-time augmentation). Costs four
   * discriminative passes a tile; the reconstruction is made once. Missing
   * (models saved before it existed) means off.
   */
  inferFlips?: boolean
}

export const DEFAULT_MAX_SHORT_SIDE = 1024
export const DEFAULT_TILE_OVERLAP = 0.25
/** Default inference tiles are twice the crop, up to this side. */
export const MAX_DEFAULT_INFER_TILE = 256

/** Longest inference tile for a crop size (the ML engine may shrink it to fit a frame or a fixed-size block). */
export function inferTileFor(size: number, inferTile?: number): number {
  return Math.max(size, inferTile ?? Math.min(2 * size, MAX_DEFAULT_INFER_TILE))
}

export function inputModeOf(cfg: ModelConfig): InputMode {
  return cfg.input ?? 'letterbox'
}

/** Analysis scale of a frame: 1 (native) unless its short side exceeds maxShortSide. */
export function analysisScale(width: number, height: number, maxShortSide = DEFAULT_MAX_SHORT_SIDE): number {
  const short = Math.min(width, height)
  return short > maxShortSide ? maxShortSide / short : 1
}

/** Frame size at the analysis scale (each side at least 1 pixel). */
export function analysisSize(width: number, height: number, maxShortSide = DEFAULT_MAX_SHORT_SIDE): { width: number; height: number; scale: number } {
  const scale = analysisScale(width, height, maxShortSide)
  if (scale === 1) return { width, height, scale }
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)), scale }
}

/**
 * Base width 8 keeps each network near 0.3M parameters: a retrain on a few
 * hundred labelled frames fits in a shift break. Width 16 costs 2.5x a step.
 * Crops of 64 px, inferring on 128 px tiles: at equal compute, small crops
 * mean many more steps, and steps are what a CPU run lacks. On magnetic-tile
 * the PyTorch U-Net at base 8 reached mean pixel AP 24-29 with 64 or 48 px
 * crops against 3-4 with 96 or 128 px crops (docs/experiments.md, sixth
 * measurement).
 */
export const CPU_PRESET: ModelConfig = {
  size: 64,
  channels: 3,
  reconBase: 8,
  reconDepth: 4,
  discBase: 8,
  discDepth: 4,
  mflm: false,
  calm: false,
  reconSkips: true,
  reconResidual: true,
  input: 'tiles',
  maxShortSide: DEFAULT_MAX_SHORT_SIDE,
  tileOverlap: DEFAULT_TILE_OVERLAP,
  inferFlips: true
}

/** Near the thesis's sizes; meant for a GPU through tfjs-node-gpu. */
export const GPU_PRESET: ModelConfig = {
  size: 256,
  channels: 3,
  reconBase: 128,
  reconDepth: 4,
  discBase: 64,
  discDepth: 5,
  mflm: true,
  calm: true,
  reconSkips: false,
  reconResidual: false,
  input: 'tiles',
  maxShortSide: DEFAULT_MAX_SHORT_SIDE,
  tileOverlap: DEFAULT_TILE_OVERLAP,
  inferFlips: true
}

/**
 * Stage-2 loss.
 * - 'bce-dice' (default): binary cross-entropy (from the logits in
 *   training) plus `diceWeight` x soft Dice per class. On magnetic-tile it
 *   trained the CPU preset's U-Net to three times the pixel AP of
 *   'focal-dice' in the same steps, ARCD to about twice
 *   (docs/experiments.md, tenth measurement).
 * - 'focal-dice': focal loss (gamma) with a fixed positive weight
 *   `focalAlpha`, normalised by the positive pixels, plus soft Dice.
 * - 'focal-batch': the thesis's focal loss with class balance from each
 *   batch's pixel counts (eq. 3-13), clipped at 0.99.
 */
export type LossKind = 'focal-dice' | 'bce-dice' | 'focal-batch'

export interface TrainConfig {
  batchSize: number
  /** Adam peak learning rate (thesis: 1e-4; crops at CPU widths train best near 2e-3). */
  lr: number
  /** 'letterbox' input: epochs per stage. */
  stage1Epochs: number
  stage2Epochs: number
  /** Stop a stage after this many validation rounds without improvement (0: never). */
  patience: number
  /** Share of stage-1 samples that get a simulated anomaly (about half stay clean). */
  anomalyProbability: number
  focalGamma: number
  seed: number
  /**
   * Minutes of training for the whole run (both stages). The number of
   * steps follows from the speed measured at the start. 0: use the step
   * counts below.
   */
  budgetMinutes: number
  /** 'tiles' input, budget 0: optimiser steps per stage. */
  stage1Steps: number
  stage2Steps: number
  /** Validation passes per stage (each is a checkpoint and a point on the curves). */
  evalRounds: number
  /** Share of the steps spent warming the learning rate up linearly. */
  warmupShare: number
  /** ARCD: share of the budget given to stage 1 when it runs. */
  stage1Share: number
  loss: LossKind
  /** Weight of positives in 'focal-dice' (0..1). */
  focalAlpha: number
  diceWeight: number
  /**
   * 'bce-dice': weight of the confident-false-positive term (background
   * pixels the net fires on, weighed like missed positives; see
   * hardNegativeLoss). Off by default: at 1 it ended the demo's
   * over-confidence but sank ARCD on magnetic-tile to mean pixel AP 0.6
   * (docs/experiments.md, fourteenth measurement).
   */
  hardNegativeWeight: number
  /** The output bias starts at logit(outputPrior): an untrained pixel says "probably background". */
  outputPrior: number
  /** Stage-1 loss: L2 + ssimWeight x (1 - SSIM) (thesis 0.01, DRAEM 1). */
  ssimWeight: number
  /** Share of stage-2 crops centred (with jitter) on a labelled defect. */
  defectCropShare: number
  /** Augment with 90-degree turns (flips always). Off where a view has a direction that matters. */
  rotate90: boolean
  /** Reuse the reconstruction net of the warm-start model when the normal frames did not change. */
  reuseRecon: boolean
  /**
   * ARCD stage 2: share of training crops whose reconstruction is replaced
   * by the crop itself (nothing taken out, a zero residual), so the net also
   * learns every class from the image alone, as the U-Net does, for the
   * classes the reconstruction does not take out (docs/experiments.md,
   * eighteenth measurement). Inference always reads the reconstruction.
   */
  reconDropout: number
  /**
   * ARCD stage 2: share of its steps, at the start, spent on anomalies
   * simulated on normal crops (every defect class learns them; region
   * classes are left out), before the labelled crops. The thesis lets the
   * discriminative net train on stage 1's simulated anomalies (3.3.2), as
   * DRAEM does; measured in docs/experiments.md (nineteenth measurement).
   */
  discPretrainShare: number
  /**
   * Most of the validation normal frames a defect class's mask may show on:
   * a best-F1 threshold below that level is raised to it (1: off). Pixel
   * F1 ignores how many frames a few false pixels spread over; a texture
   * class marked 70% of magnetic-tile's normal frames at its best-F1
   * threshold (docs/experiments.md, twenty-fourth measurement).
   */
  maxNormalFramesMarked: number
}

export const DEFAULT_TRAIN: TrainConfig = {
  batchSize: 8,
  lr: 2e-3,
  stage1Epochs: 20,
  stage2Epochs: 30,
  patience: 4,
  anomalyProbability: 0.5,
  focalGamma: 2,
  seed: 1,
  budgetMinutes: 20,
  stage1Steps: 600,
  stage2Steps: 1200,
  evalRounds: 12,
  warmupShare: 0.03,
  stage1Share: 0.2,
  loss: 'bce-dice',
  focalAlpha: 0.75,
  diceWeight: 1,
  hardNegativeWeight: 0,
  outputPrior: 0.01,
  ssimWeight: 1,
  defectCropShare: 0.5,
  rotate90: true,
  reuseRecon: true,
  reconDropout: 0,
  discPretrainShare: 0,
  maxNormalFramesMarked: 0.2
}
