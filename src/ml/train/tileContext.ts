import type { ModelConfig, TrainConfig } from '../../shared/arcd/config'
import type { ClassSpec, TrainJobSpec, TrainPlan } from '../../shared/arcd/protocol'
import { tileSetupFor, type TileSetup } from '../infer/tiles'
import type { Nets } from '../io/modelDir'
import type { JobContext } from '../jobs/context'
import type { ReconCache } from './reconCache'
import type { StageHooks } from './stage'

/** What every part of a crop-training run reads: the job, its nets and classes, settings, plan and clock. */
export interface TileRun {
  spec: TrainJobSpec
  ctx: JobContext
  nets: Nets
  classes: ClassSpec[]
  model: Required<Pick<ModelConfig, 'maxShortSide' | 'tileOverlap'>> & ModelConfig
  train: TrainConfig
  hooks: StageHooks
  plan: TrainPlan
  started: number
  warnings: string[]
  /** ARCD's stage 2: its validation frames' reconstructions, made once (a frame not in it is reconstructed where needed). */
  recons?: ReconCache | null
}

/** How the run's nets infer on a frame: its tiling, and its batch size. */
export function tileSetupOf(c: TileRun): TileSetup {
  return tileSetupFor(c.spec.arch, c.model, c.nets, c.classes, c.train.batchSize)
}
