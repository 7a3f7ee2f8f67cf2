import { StudioError, trainingSettingsProblems, trainingSettingsSchema, type TrainingSettings } from '../../../shared/contract'
import { CPU_PRESET, DEFAULT_TRAIN, GPU_PRESET, type ModelConfig, type TrainConfig } from '../../../shared/arcd/config'
import type { Workspace } from '../workspace'

const KEY = 'training'

export const DEFAULT_TRAINING: TrainingSettings = {
  preset: 'cpu',
  input: CPU_PRESET.input ?? 'tiles',
  size: CPU_PRESET.size,
  maxShortSide: CPU_PRESET.maxShortSide ?? 1024,
  reconBase: CPU_PRESET.reconBase,
  discBase: CPU_PRESET.discBase,
  reconDepth: CPU_PRESET.reconDepth,
  discDepth: CPU_PRESET.discDepth,
  budgetMinutes: DEFAULT_TRAIN.budgetMinutes,
  steps1: DEFAULT_TRAIN.stage1Steps,
  steps2: DEFAULT_TRAIN.stage2Steps,
  evalRounds: DEFAULT_TRAIN.evalRounds,
  epochs1: DEFAULT_TRAIN.stage1Epochs,
  epochs2: DEFAULT_TRAIN.stage2Epochs,
  batchSize: DEFAULT_TRAIN.batchSize,
  lr: DEFAULT_TRAIN.lr,
  loss: DEFAULT_TRAIN.loss,
  ssimWeight: DEFAULT_TRAIN.ssimWeight,
  pretrainShare: DEFAULT_TRAIN.discPretrainShare,
  rotate90: DEFAULT_TRAIN.rotate90,
  maxNormalMarked: DEFAULT_TRAIN.maxNormalFramesMarked,
  inferFlips: CPU_PRESET.inferFlips ?? false,
  autoPromote: false,
  // Two points of MIoU or AP: above the jitter of re-running the same training, below the drops that matter.
  regressionMargin: 0.02
}

/** The sizes a preset stands for; the rest of the settings are the user's. */
export function presetSizes(preset: TrainingSettings['preset']): Pick<TrainingSettings, 'size' | 'reconBase' | 'discBase' | 'reconDepth' | 'discDepth'> {
  const p = preset === 'gpu' ? GPU_PRESET : CPU_PRESET
  return { size: p.size, reconBase: p.reconBase, discBase: p.discBase, reconDepth: p.reconDepth, discDepth: p.discDepth }
}

/**
 * Stored settings field by field: a workspace saved with an older shape (or
 * a value out of today's range) gets the default for what it lacks, so a
 * stale setting never stops the app from opening or training.
 */
export function normalizeTrainingSettings(stored: unknown): TrainingSettings {
  const out: Record<string, unknown> = { ...DEFAULT_TRAINING }
  if (typeof stored !== 'object' || stored === null) return out as unknown as TrainingSettings
  const shape = trainingSettingsSchema.shape
  for (const key of Object.keys(DEFAULT_TRAINING) as (keyof TrainingSettings)[]) {
    const value = (stored as Record<string, unknown>)[key]
    if (value !== undefined && shape[key].safeParse(value).success) out[key] = value
  }
  return out as unknown as TrainingSettings
}

export function getTrainingSettings(ws: Workspace): TrainingSettings {
  return normalizeTrainingSettings(ws.getSetting<unknown>(KEY, {}))
}

/** Throws invalid_argument naming each problem when settings that tie fields together disagree. */
export function assertTrainingSettings(s: TrainingSettings): void {
  const problems = trainingSettingsProblems(s)
  if (problems.length > 0) throw new StudioError('invalid_argument', `Training settings: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`)
}

/** Checks each given field against its range, then the merged whole; throws invalid_argument naming every problem. */
export function mergeTrainingSettings(base: TrainingSettings, patch: Partial<TrainingSettings>): TrainingSettings {
  const parsed = trainingSettingsSchema.partial().strict().safeParse(patch)
  if (!parsed.success) {
    throw new StudioError('invalid_argument', `Training settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`).join('; ')}`)
  }
  const given = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Partial<TrainingSettings>
  const next = { ...base, ...given }
  assertTrainingSettings(next)
  return next
}

export function setTrainingSettings(ws: Workspace, patch: Partial<TrainingSettings>): TrainingSettings {
  const next = mergeTrainingSettings(getTrainingSettings(ws), patch)
  ws.setSetting(KEY, next)
  return next
}

export function toConfigs(s: TrainingSettings): { model: ModelConfig; train: TrainConfig } {
  const preset = s.preset === 'gpu' ? GPU_PRESET : CPU_PRESET
  return {
    model: {
      ...preset,
      input: s.input,
      size: s.size,
      maxShortSide: s.maxShortSide,
      reconBase: s.reconBase,
      discBase: s.discBase,
      reconDepth: s.reconDepth,
      discDepth: s.discDepth,
      inferFlips: s.inferFlips
    },
    train: {
      ...DEFAULT_TRAIN,
      budgetMinutes: s.budgetMinutes,
      stage1Steps: s.steps1,
      stage2Steps: s.steps2,
      evalRounds: s.evalRounds,
      stage1Epochs: s.epochs1,
      stage2Epochs: s.epochs2,
      batchSize: s.batchSize,
      lr: s.lr,
      loss: s.loss,
      ssimWeight: s.ssimWeight,
      discPretrainShare: s.pretrainShare,
      rotate90: s.rotate90,
      maxNormalFramesMarked: s.maxNormalMarked
    }
  }
}
