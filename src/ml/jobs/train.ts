/** The 'train' job: see train/trainer.ts for the method and its choices. */
import type { TrainJobSpec, TrainResult } from '../../shared/arcd/protocol'
import { trainModel } from '../train/trainer'
import type { JobContext } from './context'

export function runTrain(spec: TrainJobSpec, ctx: JobContext, backend: string): Promise<TrainResult> {
  return trainModel(spec, ctx, backend)
}
