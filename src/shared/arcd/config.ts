/**
 * Model and training settings shared by the ML engine, main and the UI.
 * Widths and depth are settings because the thesis-sized networks (DRAEM's
 * base widths 128/64, ~97M parameters) are far too big for a plant CPU.
 */

export interface ModelConfig {
  /** Square model input after letterboxing, in pixels. */
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
}

/**
 * Base width 8 keeps each network near 0.3M parameters and ~2 GFLOPs per
 * 256 image: with the wasm backend's ~25 GFLOP/s per core, a training step
 * costs about a third of a second per image, so a retrain on a few hundred
 * labelled frames fits in a shift break. Width 16 quadruples that.
 */
export const CPU_PRESET: ModelConfig = {
  size: 256,
  channels: 3,
  reconBase: 8,
  reconDepth: 4,
  discBase: 8,
  discDepth: 4,
  mflm: false,
  calm: false
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
  calm: true
}

export interface TrainConfig {
  batchSize: number
  /** Adam learning rate (thesis: 1e-4). */
  lr: number
  stage1Epochs: number
  stage2Epochs: number
  /** Stop a stage after this many epochs without a better validation loss. */
  patience: number
  /** Share of stage-1 samples that get a simulated anomaly (about half stay clean). */
  anomalyProbability: number
  focalGamma: number
  seed: number
}

export const DEFAULT_TRAIN: TrainConfig = {
  batchSize: 4,
  lr: 1e-4,
  stage1Epochs: 20,
  stage2Epochs: 30,
  patience: 5,
  anomalyProbability: 0.5,
  focalGamma: 2,
  seed: 1
}
