/**
 * A training run, whichever its recipe: checks the job, leaves out frames
 * whose file changed since import, and hands the rest to the crop trainer
 * (input 'tiles', cropTrainer.ts) or the whole-frame one (input 'letterbox',
 * letterboxTrainer.ts).
 */
import path from 'node:path'
import { inputModeOf } from '../../shared/arcd/config'
import type { TrainJobSpec, TrainResult } from '../../shared/arcd/protocol'
import { checkFrameHashes } from '../data/frameHash'
import { badInput, type JobContext } from '../jobs/context'
import { trainTiles } from './cropTrainer'
import { validateItems, type FrameCache } from './dataset'
import { trainLetterbox } from './letterboxTrainer'
import type { AnalysisCache } from './tileData'

export { streamRng } from './streams'

function checkSpec(spec: TrainJobSpec): void {
  if (!path.isAbsolute(spec.outDir)) throw badInput(`outDir must be an absolute path, got ${JSON.stringify(spec.outDir)}`)
  if (!Array.isArray(spec.classes) || spec.classes.length === 0) throw badInput('classes must list at least one class')
  if (spec.arch !== 'arcd' && spec.arch !== 'unet') throw badInput(`arch must be 'arcd' or 'unet', got ${JSON.stringify(spec.arch)}`)
  if (!Array.isArray(spec.stages) || spec.stages.length === 0) throw badInput('stages must list at least one stage')
  for (const s of spec.stages) if (s !== 'recon' && s !== 'disc') throw badInput(`unknown stage ${JSON.stringify(s)}`)
  if (spec.arch === 'unet' && spec.stages.includes('recon')) throw badInput("the plain U-Net has no reconstruction stage: use stages ['disc']")
  const m = spec.model
  if (!Number.isInteger(m.size) || m.size < 16 || m.size % 2 ** Math.max(m.reconDepth, m.discDepth) !== 0) {
    throw badInput(`model size ${m.size} must be an integer >= 16 divisible by 2^depth`)
  }
  if (m.channels !== 3) throw badInput(`model channels must be 3 (frames are decoded to RGB), got ${m.channels}`)
  const t = spec.train
  if (!Number.isInteger(t.batchSize) || t.batchSize < 1) throw badInput(`batchSize must be a positive integer, got ${t.batchSize}`)
  if (!(t.lr > 0)) throw badInput(`lr must be positive, got ${t.lr}`)
  for (const k of ['stage1Epochs', 'stage2Epochs', 'patience'] as const) {
    if (!Number.isInteger(t[k]) || t[k] < 0) throw badInput(`${k} must be a non-negative integer, got ${t[k]}`)
  }
  validateItems(spec.images, spec.classes.length)
}

export interface TrainOptions {
  /** Frames already letterboxed by an earlier run in this process ('letterbox' input). */
  frameCache?: FrameCache
  /** Frames already at the analysis scale ('tiles' input). */
  analysisCache?: AnalysisCache
}

/** The frames a trainer reads: labelled or normal frames of the training and validation splits. */
export function loadsForTraining(it: TrainJobSpec['images'][number]): boolean {
  return (it.split === 'train' || it.split === 'val') && (it.normal || it.polygons.length > 0)
}

export async function trainModel(spec: TrainJobSpec, ctx: JobContext, backendName: string, opts: TrainOptions = {}): Promise<TrainResult> {
  checkSpec(spec)
  // Both recipes read the frames through here: frames whose file changed since import are left out, named in the warnings.
  const hashes = await checkFrameHashes(spec.images, loadsForTraining, ctx)
  const checked = { ...spec, images: hashes.items }
  const result =
    inputModeOf(spec.model) === 'tiles'
      ? await trainTiles(checked, ctx, backendName, opts.analysisCache ? { analysisCache: opts.analysisCache } : {})
      : await trainLetterbox(checked, ctx, backendName, opts.frameCache ? { frameCache: opts.frameCache } : {})
  return { ...result, warnings: [...hashes.warnings, ...result.warnings] }
}

