/** What a run will go through, read from its stored config: the stages and their epochs. */
import type { RunSummary } from '../../../shared/contract'

interface StoredConfig {
  arch?: string
  skipStage1?: boolean
  retrain?: boolean
  model?: { input?: string }
  train?: { stage1Epochs?: number; stage2Epochs?: number; evalRounds?: number }
}

function asConfig(config: unknown): StoredConfig {
  return typeof config === 'object' && config !== null ? (config as StoredConfig) : {}
}

/** True for a run started by Retrain (its model waits for accept or decline). */
export function isRetrain(config: unknown): boolean {
  return asConfig(config).retrain === true
}

/**
 * Stages in order. A training run ends with 'eval' on its test frames; a
 * retrain warm-started from the active model skips stage 1 unless asked.
 */
export function plannedStages(run: Pick<RunSummary, 'kind' | 'arch' | 'warmStartModelId'>, config: unknown): string[] {
  const cfg = asConfig(config)
  if (run.kind === 'infer') return ['infer']
  if (run.kind === 'eval') return ['eval']
  if (run.kind !== 'train') return []
  const onlyDisc = run.arch === 'unet' || (cfg.skipStage1 === true && run.warmStartModelId !== null)
  return onlyDisc ? ['disc', 'eval'] : ['recon', 'disc', 'eval']
}

/**
 * Points each training stage is set to put on its curves (early stopping may
 * end it sooner): its epochs when letterboxed, its validation rounds with
 * tiles. Configs stored before tiles existed are letterboxed.
 */
export function plannedEpochs(config: unknown): Record<string, number> {
  const cfg = asConfig(config)
  const t = cfg.train ?? {}
  const out: Record<string, number> = {}
  if (cfg.model?.input === 'tiles') {
    if (typeof t.evalRounds === 'number') out['recon'] = out['disc'] = t.evalRounds
    return out
  }
  if (typeof t.stage1Epochs === 'number') out['recon'] = t.stage1Epochs
  if (typeof t.stage2Epochs === 'number') out['disc'] = t.stage2Epochs
  return out
}

/** Share of the whole run done: stages count equally, the current one by its own fraction. */
export function overallFraction(stages: string[], stage: string | null, fractionInStage: number): number | null {
  if (stage === null) return null
  const i = stages.indexOf(stage)
  if (i < 0) return null
  return Math.min(1, (i + Math.min(1, Math.max(0, fractionInStage))) / stages.length)
}
