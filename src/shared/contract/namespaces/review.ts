/** Reviewing a model: its queue, maps, metrics, thresholds and verdicts. */
import { z } from 'zod'
import {
  REVIEW_VERDICTS,
  type ReviewActionResult,
  type ReviewMaps,
  type ReviewMetrics,
  type ReviewModel,
  type ReviewQueue,
  type ReviewReport,
  type ReviewVerdict
} from '../review'
import { id, none, reviewFilterSchema, thresholdsSchema } from '../schemas'

const reviewScope = { modelId: id.optional(), thresholds: thresholdsSchema.optional(), filter: reviewFilterSchema.optional() }

export const reviewArgs = {
  'review.models': none,
  'review.queue': z.object(reviewScope).strict(),
  'review.maps': z.object({ modelId: id, imageId: id }).strict(),
  'review.metrics': z.object(reviewScope).strict(),
  'review.infer': z.object({ modelId: id.optional(), filter: reviewFilterSchema.optional(), all: z.boolean().optional() }).strict(),
  'review.setThresholds': z.object({ modelId: id, thresholds: thresholdsSchema, note: z.string().max(500).optional() }).strict(),
  'review.verdict': z
    .object({
      imageId: id,
      modelId: id.optional(),
      verdict: z.enum(REVIEW_VERDICTS),
      classId: id.optional(),
      note: z.string().max(2000).optional(),
      thresholds: thresholdsSchema.optional()
    })
    .strict(),
  'review.undoVerdict': z.object({ verdictIds: z.array(id).min(1).max(256) }).strict(),
  'review.pendingVerdicts': z.object({ imageId: id }).strict(),
  'review.resolveVerdict': z.object({ verdictId: id, action: z.enum(['confirm', 'dismiss']) }).strict(),
  'review.report': z.object({ ...reviewScope, worst: z.number().int().min(1).max(50).optional() }).strict()
} as const

export interface ReviewResults {
  'review.models': ReviewModel[]
  'review.queue': ReviewQueue
  'review.maps': ReviewMaps
  'review.metrics': ReviewMetrics
  'review.infer': { runId: number | null; frames: number }
  'review.setThresholds': { modelId: number; revision: number; thresholds: Record<string, number> }
  'review.verdict': ReviewActionResult
  'review.undoVerdict': ReviewActionResult
  'review.pendingVerdicts': ReviewVerdict[]
  'review.resolveVerdict': ReviewActionResult
  'review.report': ReviewReport
}
