import type { TrainingSettings } from '../../../shared/contract'
import { CPU_PRESET, DEFAULT_TRAIN, GPU_PRESET, type ModelConfig, type TrainConfig } from '../../../shared/arcd/config'
import type { Workspace } from '../workspace'

const KEY = 'training'

export const DEFAULT_TRAINING: TrainingSettings = {
  preset: 'cpu',
  size: CPU_PRESET.size,
  reconBase: CPU_PRESET.reconBase,
  discBase: CPU_PRESET.discBase,
  epochs1: DEFAULT_TRAIN.stage1Epochs,
  epochs2: DEFAULT_TRAIN.stage2Epochs,
  batchSize: DEFAULT_TRAIN.batchSize,
  autoPromote: false
}

export function getTrainingSettings(ws: Workspace): TrainingSettings {
  return { ...DEFAULT_TRAINING, ...ws.getSetting<Partial<TrainingSettings>>(KEY, {}) }
}

export function setTrainingSettings(ws: Workspace, patch: Partial<TrainingSettings>): TrainingSettings {
  const next = { ...getTrainingSettings(ws), ...patch }
  ws.setSetting(KEY, next)
  return next
}

export function toConfigs(s: TrainingSettings): { model: ModelConfig; train: TrainConfig } {
  const preset = s.preset === 'gpu' ? GPU_PRESET : CPU_PRESET
  return {
    model: { ...preset, size: s.size, reconBase: s.reconBase, discBase: s.discBase },
    train: { ...DEFAULT_TRAIN, stage1Epochs: s.epochs1, stage2Epochs: s.epochs2, batchSize: s.batchSize }
  }
}
