/**
 * `studio train` flags as training settings: only the flags given, so the
 * workspace's own settings (the Runs page's) fill the rest. Ranges come from
 * the contract's schema, the same the app's form is held to.
 */
import { normalMarkedText, simulatedShareText, trainingSettingsSchema, type TrainingSettings } from '../../shared/contract'
import { inferTileFor } from '../../shared/arcd/config'
import { presetSizes } from '../services/training/trainingSettings'
import { intFlag, stringFlag, UsageError, type ParsedArgs } from './args'

export const TRAIN_BOOLEANS = ['no-rotate', 'no-flips', 'activate'] as const

export const TRAIN_USAGE = `  train --workspace <dir> [--arch arcd|unet] [--preset cpu|gpu] [--budget <minutes>]
        [--input tiles|letterbox] [--crop <px>] [--max-short-side <px>] [--width <n>] [--depth <n>]
        [--batch <n>] [--lr <rate>] [--loss focal-dice|bce-dice|focal-batch] [--ssim-weight <w>] [--pretrain-share <0-0.9>]
        [--max-normal-marked <0-1>] [--no-rotate] [--no-flips] [--steps1 <n>] [--steps2 <n>] [--eval-rounds <n>] [--epochs1 <n>] [--epochs2 <n>] [--seed <n>]
        [--resume <run id>] [--activate]
      Train on the labelled and normal frames (stage 1, then stage 2) and record a run, as the app does.
      Flags override the workspace's training settings (Runs page) for this run only. --budget is the
      whole run's training time in minutes with tiles (0: --steps1/--steps2 instead); letterbox runs
      --epochs1/--epochs2. --crop is the side of a training crop (tiles: inference tiles are twice that, at most
      256 px) or of the letterboxed square (256 suits it); --width and --depth set both networks. --pretrain-share is the share of
      ARCD's stage 2 (tiles) spent first on anomalies simulated on normal frames. --no-flips makes the
      model's maps in one pass instead of averaging each tile's four mirror images (half the inference time).
      --max-normal-marked is the share of validation normal frames a defect class's mask may show on (tiles; default 0.2,
      1: best-F1 thresholds as they are). --preset sets the sizes first, other flags win.
`

/** Which flag sets each setting, for messages. */
const FLAG_OF: Partial<Record<keyof TrainingSettings, string>> = {
  preset: '--preset',
  input: '--input',
  size: '--crop',
  maxShortSide: '--max-short-side',
  reconBase: '--width',
  discBase: '--width',
  reconDepth: '--depth',
  discDepth: '--depth',
  budgetMinutes: '--budget',
  steps1: '--steps1',
  steps2: '--steps2',
  evalRounds: '--eval-rounds',
  epochs1: '--epochs1',
  epochs2: '--epochs2',
  batchSize: '--batch',
  lr: '--lr',
  loss: '--loss',
  ssimWeight: '--ssim-weight',
  pretrainShare: '--pretrain-share',
  maxNormalMarked: '--max-normal-marked',
  rotate90: '--no-rotate',
  inferFlips: '--no-flips'
}

const SETTING_FLAGS = ['preset', 'input', 'crop', 'size', 'max-short-side', 'width', 'depth', 'budget', 'steps1', 'steps2', 'eval-rounds', 'epochs1', 'epochs2', 'batch', 'lr', 'loss', 'ssim-weight', 'pretrain-share', 'max-normal-marked', 'no-rotate', 'no-flips', 'seed']

export interface TrainRequest {
  arch: 'arcd' | 'unet'
  settings: Partial<TrainingSettings>
  seed: number | null
  /** Run id to resume; its stored settings apply. */
  resume: number | null
  activate: boolean
}

function numberFlag(args: ParsedArgs, key: string, what: string): number | undefined {
  const v = stringFlag(args, key)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${key} must be ${what}, got "${v}"`)
  return n
}

function wholeFlag(args: ParsedArgs, key: string): number | undefined {
  return stringFlag(args, key) === undefined ? undefined : intFlag(args, key, 0)
}

export function trainRequest(args: ParsedArgs): TrainRequest {
  const arch = stringFlag(args, 'arch') ?? 'arcd'
  if (arch !== 'arcd' && arch !== 'unet') throw new UsageError(`--arch must be arcd or unet, got "${arch}"`)
  const resumeFlag = stringFlag(args, 'resume')
  let resume: number | null = null
  if (resumeFlag !== undefined) {
    const m = /^(?:run-)?(\d+)$/.exec(resumeFlag)
    if (!m) throw new UsageError(`--resume takes a run id like 12, got "${resumeFlag}"`)
    resume = Number(m[1])
    const extra = SETTING_FLAGS.filter((f) => args.flags[f] !== undefined)
    if (extra.length > 0) throw new UsageError(`--resume continues with the run's own settings; drop ${extra.map((f) => `--${f}`).join(', ')}`)
  }

  const preset = stringFlag(args, 'preset')
  if (preset !== undefined && preset !== 'cpu' && preset !== 'gpu') throw new UsageError(`--preset must be cpu or gpu, got "${preset}"`)
  const crop = wholeFlag(args, 'crop') ?? wholeFlag(args, 'size')
  const width = wholeFlag(args, 'width')
  const depth = wholeFlag(args, 'depth')
  const raw: Record<string, unknown> = {
    input: stringFlag(args, 'input'),
    size: crop,
    maxShortSide: wholeFlag(args, 'max-short-side'),
    reconBase: width,
    discBase: width,
    reconDepth: depth,
    discDepth: depth,
    budgetMinutes: numberFlag(args, 'budget', 'a number of minutes (0: fixed step counts)'),
    steps1: wholeFlag(args, 'steps1'),
    steps2: wholeFlag(args, 'steps2'),
    evalRounds: wholeFlag(args, 'eval-rounds'),
    epochs1: wholeFlag(args, 'epochs1'),
    epochs2: wholeFlag(args, 'epochs2'),
    batchSize: wholeFlag(args, 'batch'),
    lr: numberFlag(args, 'lr', 'a learning rate like 2e-3'),
    loss: stringFlag(args, 'loss'),
    ssimWeight: numberFlag(args, 'ssim-weight', 'a number'),
    pretrainShare: numberFlag(args, 'pretrain-share', 'a share like 0.3'),
    maxNormalMarked: numberFlag(args, 'max-normal-marked', 'a share like 0.2'),
    rotate90: args.flags['no-rotate'] === true ? false : undefined,
    inferFlips: args.flags['no-flips'] === true ? false : undefined
  }
  const given = {
    ...(preset !== undefined ? { preset, ...presetSizes(preset) } : {}),
    ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined))
  } as Record<string, unknown>
  const parsed = trainingSettingsSchema.partial().strict().safeParse(given)
  if (!parsed.success) {
    const seen = new Set<string>()
    const lines: string[] = []
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '') as keyof TrainingSettings
      const flag = FLAG_OF[key] ?? key
      if (seen.has(flag)) continue
      seen.add(flag)
      lines.push(`${flag} must be ${issue.message}, got "${String(given[key])}"`)
    }
    throw new UsageError(lines.join('\n'))
  }
  const seed = wholeFlag(args, 'seed')
  return {
    arch,
    settings: parsed.data as Partial<TrainingSettings>,
    seed: seed ?? null,
    resume,
    activate: args.flags['activate'] === true
  }
}

/** Flags that do nothing with the effective settings: said, not refused, since the workspace may set the mode. */
export function ignoredFlagNotes(args: ParsedArgs, effective: TrainingSettings, arch: 'arcd' | 'unet' = 'arcd'): string[] {
  const notes: string[] = []
  const has = (f: string): boolean => args.flags[f] !== undefined
  if (effective.input === 'tiles' && (has('epochs1') || has('epochs2'))) notes.push('--epochs1/--epochs2 apply to --input letterbox only; tiles train for --budget minutes or --steps1/--steps2')
  if (effective.input === 'tiles' && effective.budgetMinutes > 0 && (has('steps1') || has('steps2'))) notes.push('--steps1/--steps2 apply with --budget 0 only; the budget sets the steps')
  if (effective.input === 'letterbox' && (has('steps1') || has('steps2'))) notes.push('--steps1/--steps2 apply to --input tiles only')
  if (effective.input === 'letterbox' && has('max-short-side')) notes.push('--max-short-side applies to --input tiles only')
  if (effective.input === 'letterbox' && has('no-flips')) notes.push('--no-flips applies to --input tiles only (a letterboxed frame is one pass)')
  if (effective.input === 'letterbox' && has('max-normal-marked')) notes.push('--max-normal-marked applies to --input tiles only (letterbox runs keep best-F1 thresholds)')
  if (has('pretrain-share') && (arch === 'unet' || effective.input === 'letterbox')) notes.push('--pretrain-share applies to ARCD with --input tiles only')
  return notes
}

/** One line of what a run will use. */
export function settingsLine(s: TrainingSettings, arch: 'arcd' | 'unet'): string {
  const widths = arch === 'unet' ? `width ${s.discBase}, depth ${s.discDepth}` : `widths ${s.reconBase}/${s.discBase}, depths ${s.reconDepth}/${s.discDepth}`
  const input = s.input === 'tiles' ? `tiles: ${s.size} px crops, tiles up to ${inferTileFor(s.size)} px, at short side <= ${s.maxShortSide} px` : `letterbox ${s.size} px`
  const length = s.input === 'letterbox' ? `${s.epochs1} + ${s.epochs2} epochs` : s.budgetMinutes > 0 ? `budget ${s.budgetMinutes} min` : `${s.steps1} + ${s.steps2} steps`
  const pretrain = arch === 'arcd' && s.input === 'tiles' && s.pretrainShare > 0 ? `, simulated anomalies in ${simulatedShareText(s.pretrainShare)}` : ''
  return `${s.preset} preset, ${input}, ${widths}, ${length}, batch ${s.batchSize}, lr ${s.lr}, ${s.loss}, ssim weight ${s.ssimWeight}${pretrain}${s.rotate90 ? '' : ', no 90° turns'}${s.inferFlips || s.input !== 'tiles' ? '' : ', maps in one pass'}${s.input === 'tiles' ? `, thresholds: ${normalMarkedText(s.maxNormalMarked)}` : ''}`
}
