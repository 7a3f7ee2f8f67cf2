import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import type { RunOutcome } from '../../shared/contract'
import { DEFAULT_TRAINING, getTrainingSettings, mergeTrainingSettings, setTrainingSettings, toConfigs } from '../services/training/trainingSettings'
import { Workspace } from '../services/workspace'
import { tempDir } from '../test/fixtures'
import { usageRefusal } from '../test/usageRefusal'
import { parseArgs } from './args'
import { outcomeLines } from './mlCommands'
import { ignoredFlagNotes, settingsLine, TRAIN_BOOLEANS, trainRequest } from './trainFlags'

const run = promisify(execFile)
const ROOT = resolve(__dirname, '../../..')

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const argv = (line: string): ReturnType<typeof parseArgs> => parseArgs(line.split(' ').filter(Boolean), new Set(TRAIN_BOOLEANS))

const refused = (line: string): string => usageRefusal(line, (l) => trainRequest(argv(l)))

describe('studio train flags', () => {
  it('sets only the settings given, so the workspace settings fill the rest', () => {
    expect(trainRequest(argv('train --workspace w'))).toEqual({ arch: 'arcd', settings: {}, seed: null, resume: null, activate: false })
    const r = trainRequest(
      argv(
        'train --arch unet --input letterbox --crop 128 --max-short-side 512 --width 16 --depth 3 --budget 7.5 --batch 12 --lr 3e-3 --loss bce-dice --ssim-weight 0.5 --pretrain-share 0.3 --max-normal-marked 0.1 --no-rotate --no-flips --steps1 10 --steps2 20 --eval-rounds 3 --epochs1 2 --epochs2 5 --seed 9 --activate'
      )
    )
    expect(r).toEqual({
      arch: 'unet',
      seed: 9,
      resume: null,
      activate: true,
      settings: {
        input: 'letterbox',
        size: 128,
        maxShortSide: 512,
        reconBase: 16,
        discBase: 16,
        reconDepth: 3,
        discDepth: 3,
        budgetMinutes: 7.5,
        batchSize: 12,
        lr: 3e-3,
        loss: 'bce-dice',
        ssimWeight: 0.5,
        pretrainShare: 0.3,
        maxNormalMarked: 0.1,
        rotate90: false,
        inferFlips: false,
        steps1: 10,
        steps2: 20,
        evalRounds: 3,
        epochs1: 2,
        epochs2: 5
      }
    })
    // --budget 0 is a real choice: the fixed step counts.
    expect(trainRequest(argv('train --budget 0')).settings).toEqual({ budgetMinutes: 0 })
    // --no-rotate takes no value: the next word stays a flag or positional.
    expect(trainRequest(argv('train --no-rotate --crop 64')).settings).toEqual({ rotate90: false, size: 64 })
    expect(trainRequest(argv('train --no-flips --budget 5')).settings).toEqual({ inferFlips: false, budgetMinutes: 5 })
  })

  it('a preset sets its sizes first and the other flags win', () => {
    expect(trainRequest(argv('train --preset gpu --width 32')).settings).toEqual({
      preset: 'gpu',
      size: 256,
      reconBase: 32,
      discBase: 32,
      reconDepth: 4,
      discDepth: 5
    })
    // --size is the older name of --crop.
    expect(trainRequest(argv('train --size 96')).settings).toEqual({ size: 96 })
  })

  it('refuses bad values naming the flag, what it takes and what it got', () => {
    expect(refused('train --crop 40')).toBe('--crop must be a multiple of 16, got "40"')
    expect(refused('train --crop abc')).toMatch(/--crop must be a positive whole number, got "abc"/)
    expect(refused('train --budget soon')).toBe('--budget must be a number of minutes (0: fixed step counts), got "soon"')
    expect(refused('train --budget -3')).toBe('--budget must be minutes from 0 to 1440 (0: fixed step counts), got "-3"')
    expect(refused('train --loss dice')).toBe('--loss must be focal-dice, bce-dice or focal-batch, got "dice"')
    expect(refused('train --input crops')).toBe('--input must be tiles or letterbox, got "crops"')
    expect(refused('train --lr 2')).toBe('--lr must be a learning rate between 0 and 1, like 0.002, got "2"')
    expect(refused('train --lr fast')).toBe('--lr must be a learning rate like 2e-3, got "fast"')
    expect(refused('train --ssim-weight 1000')).toBe('--ssim-weight must be a weight from 0 to 100, got "1000"')
    expect(refused('train --pretrain-share 1')).toBe('--pretrain-share must be a share from 0 to 0.9 (0: none), got "1"')
    expect(refused('train --pretrain-share some')).toBe('--pretrain-share must be a share like 0.3, got "some"')
    expect(refused('train --max-normal-marked 20')).toBe('--max-normal-marked must be a share from 0 to 1 (1: best-F1 thresholds as they are), got "20"')
    expect(refused('train --max-normal-marked few')).toBe('--max-normal-marked must be a share like 0.2, got "few"')
    expect(refused('train --width 1')).toBe('--width must be a whole number from 2 to 256, got "1"')
    expect(refused('train --depth 9')).toBe('--depth must be a whole number from 1 to 6, got "9"')
    expect(refused('train --batch 100')).toBe('--batch must be a whole number from 1 to 64, got "100"')
    expect(refused('train --preset tpu')).toBe('--preset must be cpu or gpu, got "tpu"')
    expect(refused('train --arch yolo')).toBe('--arch must be arcd or unet, got "yolo"')
    expect(refused('train --budget')).toBe('--budget needs a value')
    // Two bad flags: both are named.
    expect(refused('train --crop 40 --batch 100').split('\n')).toHaveLength(2)
  })

  it('resumes with the run own settings and says which flags it would ignore', () => {
    expect(trainRequest(argv('train --resume run-4'))).toMatchObject({ resume: 4, settings: {} })
    expect(refused('train --resume 4 --crop 64 --budget 2')).toBe("--resume continues with the run's own settings; drop --crop, --budget")
    expect(refused('train --resume latest')).toBe('--resume takes a run id like 12, got "latest"')
  })

  it('notes flags the effective input mode does not use, and prints one settings line', () => {
    const tiles = mergeTrainingSettings(DEFAULT_TRAINING, {})
    expect(ignoredFlagNotes(argv('train --epochs1 3 --steps1 5'), tiles)).toEqual([
      expect.stringMatching(/--epochs1\/--epochs2 apply to --input letterbox only/),
      expect.stringMatching(/--steps1\/--steps2 apply with --budget 0 only/)
    ])
    const letterbox = mergeTrainingSettings(DEFAULT_TRAINING, { input: 'letterbox', size: 128 })
    expect(ignoredFlagNotes(argv('train --epochs1 3'), letterbox)).toEqual([])
    expect(ignoredFlagNotes(argv('train --pretrain-share 0.3'), tiles, 'unet')).toEqual(['--pretrain-share applies to ARCD with --input tiles only'])
    expect(ignoredFlagNotes(argv('train --pretrain-share 0.3'), letterbox)).toEqual(['--pretrain-share applies to ARCD with --input tiles only'])
    expect(ignoredFlagNotes(argv('train --no-flips'), letterbox)).toEqual(['--no-flips applies to --input tiles only (a letterboxed frame is one pass)'])
    expect(ignoredFlagNotes(argv('train --no-flips'), tiles)).toEqual([])
    expect(ignoredFlagNotes(argv('train --pretrain-share 0.3'), tiles, 'arcd')).toEqual([])
    expect(ignoredFlagNotes(argv('train --max-normal-marked 0.1'), letterbox)).toEqual(['--max-normal-marked applies to --input tiles only (letterbox runs keep best-F1 thresholds)'])
    expect(ignoredFlagNotes(argv('train --max-normal-marked 0.1'), tiles, 'unet')).toEqual([])
    expect(settingsLine(tiles, 'arcd')).toBe(
      'cpu preset, tiles: 64 px crops, tiles up to 128 px, at short side <= 1024 px, widths 8/8, depths 4/4, budget 20 min, batch 8, lr 0.002, bce-dice, ssim weight 1, thresholds: best F1, each class on at most 20% of normal frames'
    )
    expect(settingsLine({ ...tiles, maxNormalMarked: 1 }, 'unet')).toMatch(/, thresholds: best F1$/)
    expect(settingsLine({ ...tiles, pretrainShare: 0.3 }, 'arcd')).toContain('ssim weight 1, simulated anomalies in the first 30% of stage 2')
    expect(settingsLine({ ...tiles, pretrainShare: 0.3 }, 'unet')).not.toContain('simulated')
    expect(settingsLine({ ...tiles, inferFlips: false }, 'arcd')).toMatch(/ssim weight 1, maps in one pass, thresholds: best F1, each class on at most 20% of normal frames$/)
    expect(settingsLine({ ...letterbox, rotate90: false }, 'unet')).toBe(
      'cpu preset, letterbox 128 px, width 8, depth 4, 20 + 30 epochs, batch 8, lr 0.002, bce-dice, ssim weight 1, no 90° turns'
    )
  })

  it('prints what a run did: plan, stage-1 quality, untrained classes and warnings', () => {
    const outcome: RunOutcome = {
      classes: [{ name: 'fold', kind: 'defect' }],
      untrainedClasses: ['edge_crack', 'lathe'],
      warnings: ['fold: threshold from training frames (no validation defects)'],
      plan: { input: 'tiles', stage1Steps: 120, stage2Steps: 300, secondsPerStep: { recon: 0.2, disc: 0.3 }, reconReused: false },
      reconQuality: { ra: 0.912, ssim: 0.8504, l2: 0.01 },
      stages: []
    }
    expect(outcomeLines(outcome).join('')).toBe(
      'plan: tiles, 120 + 300 steps\n' +
        'stage 1 on validation normal frames: RA 0.912, SSIM 0.850\n' +
        'not trained (no labels): edge_crack, lathe\n' +
        'warning: fold: threshold from training frames (no validation defects)\n'
    )
    expect(outcomeLines({ ...outcome, plan: { ...outcome.plan!, reconReused: true }, reconQuality: null, untrainedClasses: [], warnings: [] }).join('')).toBe(
      'plan: tiles, stage 1 reused from the warm-start model, stage 2 300 steps\n'
    )
    expect(outcomeLines(null)).toEqual([])
  })
})

describe('workspace training settings', () => {
  function workspace(): Workspace {
    const { dir, cleanup } = tempDir('ds-cli-train-')
    cleanups.push(cleanup)
    const ws = Workspace.create(join(dir, 'ws'))
    cleanups.unshift(() => ws.close())
    return ws
  }

  it('loads settings saved in the older shape, filling what is missing from the defaults', () => {
    const ws = workspace()
    ws.setSetting('training', { preset: 'cpu', size: 128, reconBase: 4, discBase: 6, epochs1: 3, epochs2: 7, batchSize: 2, autoPromote: true, retired: 1 })
    expect(getTrainingSettings(ws)).toEqual({ ...DEFAULT_TRAINING, size: 128, reconBase: 4, discBase: 6, epochs1: 3, epochs2: 7, batchSize: 2, autoPromote: true })
    // A stored value out of today's range falls back to its default rather than stopping training.
    ws.setSetting('training', { size: 40, batchSize: 'eight', lr: 2 })
    expect(getTrainingSettings(ws)).toEqual(DEFAULT_TRAINING)
  })

  it('hands the simulated-anomaly share to the ML engine as its stage-2 pretraining share', () => {
    const ws = workspace()
    expect(DEFAULT_TRAINING.pretrainShare).toBe(0)
    const s = setTrainingSettings(ws, { pretrainShare: 0.3 })
    expect(getTrainingSettings(ws).pretrainShare).toBe(0.3)
    expect(toConfigs(s).train.discPretrainShare).toBe(0.3)
    expect(toConfigs(DEFAULT_TRAINING).train.discPretrainShare).toBe(0)
  })

  it('hands the normal-frame share to the ML engine, 20% unless set', () => {
    const ws = workspace()
    expect(toConfigs(getTrainingSettings(ws)).train.maxNormalFramesMarked).toBe(0.2)
    const s = setTrainingSettings(ws, { maxNormalMarked: 1 })
    expect(toConfigs(s).train.maxNormalFramesMarked).toBe(1)
    expect(() => setTrainingSettings(ws, { maxNormalMarked: -0.1 })).toThrow(/maxNormalMarked: a share from 0 to 1/)
  })

  it('refuses a patch out of range or with fields that disagree, and stores nothing', () => {
    const ws = workspace()
    expect(() => setTrainingSettings(ws, { batchSize: 0 })).toThrow(/batchSize: a whole number from 1 to 64/)
    expect(() => setTrainingSettings(ws, { pretrainShare: 0.95 })).toThrow(/pretrainShare: a share from 0 to 0.9/)
    expect(() => setTrainingSettings(ws, { size: 40 })).toThrow(/size: a multiple of 16/)
    expect(() => setTrainingSettings(ws, { discDepth: 5, size: 208 })).toThrow(/size: a multiple of 32 for networks 5 levels deep, got 208/)
    expect(() => setTrainingSettings(ws, { maxShortSide: 128, size: 256 })).toThrow(/does not fit frames shrunk to a short side of 128 px/)
    expect(getTrainingSettings(ws)).toEqual(DEFAULT_TRAINING)
    expect(setTrainingSettings(ws, { budgetMinutes: 0, steps1: 5, steps2: 9, evalRounds: 2 })).toMatchObject({ budgetMinutes: 0, steps1: 5, steps2: 9, evalRounds: 2 })
  })
})

describe('studio train on the command line', () => {
  async function studio(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/studio.ts'), ...args], { cwd: ROOT })
      return { code: 0, stdout, stderr }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }

  it('lists the new flags in its usage and refuses a bad value before opening anything', async () => {
    const help = await studio(['--help'])
    for (const flag of ['--width', '--depth', '--budget', '--loss focal-dice|bce-dice|focal-batch', '--ssim-weight', '--pretrain-share', '--max-normal-marked', '--input tiles|letterbox', '--max-short-side', '--crop', '--batch', '--lr', '--no-rotate', '--no-flips']) {
      expect(help.stdout).toContain(flag)
    }
    const bad = await studio(['train', '--workspace', '/nonexistent', '--loss', 'hinge'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('studio: --loss must be focal-dice, bce-dice or focal-batch, got "hinge"')
  })
})
