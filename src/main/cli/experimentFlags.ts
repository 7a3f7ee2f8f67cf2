/**
 * The `experiment` command's flags, checked before anything starts: the
 * recipe (crops at the analysis scale with a time budget per training, or
 * Run B of docs/experiments.md with --input letterbox), the label fractions,
 * the training seeds and the split seed.
 */
import { CPU_PRESET, DEFAULT_TRAIN, type ModelConfig, type TrainConfig } from '../../shared/arcd/config'
import { EXPERIMENT_DEFAULTS } from '../../shared/arcd/protocol'
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args'

export interface ExperimentRequest {
  model: ModelConfig
  train: TrainConfig
  fractions: number[]
  /** One experiment per training seed, all on the split `splitSeed` draws. */
  seeds: number[]
  splitSeed: number
}

export function experimentRequest(args: ParsedArgs): ExperimentRequest {
  const { model, train } = experimentConfigs(args)
  const list = stringFlag(args, 'fractions')
  const fractions = list === undefined ? [...EXPERIMENT_DEFAULTS.fractions] : list.split(',').map((x) => Number(x.trim()))
  if (fractions.some((f) => !(f > 0 && f <= 1))) throw new UsageError(`--fractions must be shares in (0, 1] separated by commas, got "${list}"`)
  return { model, train, fractions, seeds: seedList(args, train.seed), splitSeed: intFlag(args, 'split-seed', EXPERIMENT_DEFAULTS.splitSeed) }
}

/**
 * The experiment's settings: the default recipe (crops at the analysis
 * scale, a time budget per training: EXPERIMENT_DEFAULTS' unless --budget
 * says), or Run B of docs/experiments.md with --input letterbox (fixed
 * epochs).
 */
function experimentConfigs(args: ParsedArgs): { model: ModelConfig; train: TrainConfig } {
  const lr = stringFlag(args, 'lr')
  if (lr !== undefined && !(Number(lr) > 0 && Number(lr) < 1)) throw new UsageError(`--lr must be a number between 0 and 1, got "${lr}"`)
  const input = stringFlag(args, 'input') ?? 'tiles'
  if (input !== 'tiles' && input !== 'letterbox') throw new UsageError(`--input must be tiles or letterbox, got "${input}"`)
  const budget = stringFlag(args, 'budget')
  if (budget !== undefined && !(Number(budget) > 0)) throw new UsageError(`--budget must be a positive number of minutes, got "${budget}"`)
  const depth = intFlag(args, 'depth', CPU_PRESET.reconDepth)
  const seed = intFlag(args, 'seed', DEFAULT_TRAIN.seed)
  if (input === 'letterbox') {
    return {
      model: { ...CPU_PRESET, input, size: intFlag(args, 'size', 64), reconBase: intFlag(args, 'width', 8), discBase: intFlag(args, 'width', 8), reconDepth: depth, discDepth: depth },
      train: {
        ...DEFAULT_TRAIN,
        budgetMinutes: 0,
        loss: 'focal-batch',
        ssimWeight: 0.01,
        lr: lr !== undefined ? Number(lr) : 1e-3,
        stage1Epochs: intFlag(args, 'epochs1', 4),
        stage2Epochs: intFlag(args, 'epochs2', 12),
        batchSize: intFlag(args, 'batch', 4),
        seed
      }
    }
  }
  return {
    model: { ...CPU_PRESET, size: intFlag(args, 'size', CPU_PRESET.size), reconBase: intFlag(args, 'width', CPU_PRESET.reconBase), discBase: intFlag(args, 'width', CPU_PRESET.discBase), reconDepth: depth, discDepth: depth },
    train: {
      ...DEFAULT_TRAIN,
      budgetMinutes: budget !== undefined ? Number(budget) : EXPERIMENT_DEFAULTS.train.budgetMinutes,
      lr: lr !== undefined ? Number(lr) : DEFAULT_TRAIN.lr,
      batchSize: intFlag(args, 'batch', DEFAULT_TRAIN.batchSize),
      seed
    }
  }
}

/** `--seeds 1,2,3` runs the experiment once per training seed; without it, `--seed` (default 1). */
function seedList(args: ParsedArgs, seed: number): number[] {
  const list = stringFlag(args, 'seeds')
  if (list === undefined) return [seed]
  const seeds = list.split(',').map((x) => x.trim())
  if (seeds.some((x) => !/^[1-9]\d*$/.test(x))) throw new UsageError(`--seeds must be positive whole numbers separated by commas, got "${list}"`)
  return [...new Set(seeds.map(Number))]
}
