/** Training, evaluation and inference runs: start, follow, compare, promote. */
import { z } from 'zod'
import type { RunComparison, RunDetail, RunSummary } from '../training'
import { id, none } from '../schemas'

export const runsArgs = {
  'runs.list': none,
  'runs.get': z.object({ runId: id }).strict(),
  'runs.train': z.object({ arch: z.enum(['arcd', 'unet']).optional() }).strict(),
  'runs.cancel': z.object({ runId: id }).strict(),
  'runs.resume': z.object({ runId: id }).strict(),
  'runs.compare': z.object({ a: id, b: id }).strict(),
  'runs.promote': z.object({ runId: id }).strict(),
  'runs.decline': z.object({ runId: id }).strict()
} as const

export interface RunsResults {
  'runs.list': RunSummary[]
  'runs.get': RunDetail
  'runs.train': { runId: number }
  'runs.cancel': { cancelled: boolean }
  'runs.resume': { runId: number }
  'runs.compare': RunComparison
  'runs.promote': { modelId: number }
  'runs.decline': { declined: boolean }
}
