/** The workspace's training settings. */
import { z } from 'zod'
import { TRAINING_INPUTS, TRAINING_LOSSES, type TrainingSettings } from '../training'
import { none } from '../schemas'

function wholeNumber(min: number, max: number) {
  const range = `a whole number from ${min} to ${max}`
  return z.number({ error: range }).int(range).min(min, range).max(max, range)
}

const LR_RANGE = 'a learning rate between 0 and 1, like 0.002'
const BUDGET_RANGE = 'minutes from 0 to 1440 (0: fixed step counts)'
const SSIM_RANGE = 'a weight from 0 to 100'
const SHARE_RANGE = 'a share from 0 to 0.9 (0: none)'
const NORMAL_MARKED_RANGE = 'a share from 0 to 1 (1: best-F1 thresholds as they are)'
const MARGIN_RANGE = 'an absolute margin from 0 to 1 (0.02 is two points of MIoU or AP)'

/**
 * Every training setting with its range; the messages name what is allowed
 * because the form and the CLI show them as they are. Rules between fields
 * (size against depth) are trainingSettingsProblems in ../training.
 */
export const trainingSettingsSchema = z
  .object({
    preset: z.enum(['cpu', 'gpu'], { error: 'cpu or gpu' }),
    input: z.enum(TRAINING_INPUTS, { error: 'tiles or letterbox' }),
    size: wholeNumber(16, 1024).refine((v) => v % 16 === 0, 'a multiple of 16'),
    maxShortSide: wholeNumber(64, 8192),
    reconBase: wholeNumber(2, 256),
    discBase: wholeNumber(2, 256),
    reconDepth: wholeNumber(1, 6),
    discDepth: wholeNumber(1, 6),
    budgetMinutes: z.number({ error: BUDGET_RANGE }).min(0, BUDGET_RANGE).max(1440, BUDGET_RANGE),
    steps1: wholeNumber(1, 1_000_000),
    steps2: wholeNumber(1, 1_000_000),
    evalRounds: wholeNumber(1, 1000),
    epochs1: wholeNumber(1, 1000),
    epochs2: wholeNumber(1, 1000),
    batchSize: wholeNumber(1, 64),
    lr: z.number({ error: LR_RANGE }).gt(0, LR_RANGE).lt(1, LR_RANGE),
    loss: z.enum(TRAINING_LOSSES, { error: 'focal-dice, bce-dice or focal-batch' }),
    ssimWeight: z.number({ error: SSIM_RANGE }).min(0, SSIM_RANGE).max(100, SSIM_RANGE),
    pretrainShare: z.number({ error: SHARE_RANGE }).min(0, SHARE_RANGE).max(0.9, SHARE_RANGE),
    rotate90: z.boolean({ error: 'true or false' }),
    maxNormalMarked: z.number({ error: NORMAL_MARKED_RANGE }).min(0, NORMAL_MARKED_RANGE).max(1, NORMAL_MARKED_RANGE),
    inferFlips: z.boolean({ error: 'true or false' }),
    autoPromote: z.boolean({ error: 'true or false' }),
    regressionMargin: z.number({ error: MARGIN_RANGE }).min(0, MARGIN_RANGE).max(1, MARGIN_RANGE)
  })
  .strict() satisfies z.ZodType<TrainingSettings>

export const settingsArgs = {
  'settings.getTraining': none,
  'settings.setTraining': trainingSettingsSchema.partial().strict()
} as const

export interface SettingsResults {
  'settings.getTraining': TrainingSettings
  'settings.setTraining': TrainingSettings
}
