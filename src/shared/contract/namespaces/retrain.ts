/** One-click retrain: what changed since the active model, and starting it. */
import { z } from 'zod'
import type { RetrainStatus } from '../training'
import { none } from '../schemas'

export const retrainArgs = {
  'retrain.status': none,
  'retrain.start': z.object({ rerunStage1: z.boolean().optional() }).strict()
} as const

export interface RetrainResults {
  'retrain.status': RetrainStatus
  'retrain.start': { runId: number }
}
