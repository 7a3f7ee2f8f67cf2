/** A model's predictions on one frame, and turning them into labels. */
import { z } from 'zod'
import { LABEL_LIMITS } from '../../limits'
import type { AcceptPreview, AcceptResult } from '../accept'
import type { FramePredictions } from '../training'
import { id, thresholdsSchema } from '../schemas'

/**
 * Which predicted pieces: of one class or every defect class; of those, the
 * listed indices or the one under a frame point, else all of them.
 */
const acceptScope = {
  imageId: id,
  modelId: id.optional(),
  thresholds: thresholdsSchema.optional(),
  classId: id.optional(),
  pieces: z.array(z.number().int().min(0)).min(1).max(1000).optional(),
  at: z.object({ x: z.number(), y: z.number() }).strict().optional()
}
/** A polygon a caller holds (the editor's unsaved labels), for what counts as already labelled. */
const labelShape = z.object({ classId: id, points: z.array(z.number()).min(6).max(2 * LABEL_LIMITS.pointsPerPolygon) }).strict()

export const predictionsArgs = {
  'predictions.get': z.object({ imageId: id }).strict(),
  'predictions.previewAccept': z.object({ ...acceptScope, labels: z.array(labelShape).max(LABEL_LIMITS.labelsPerFrame).optional() }).strict(),
  'predictions.acceptAsLabels': z.object(acceptScope).strict()
} as const

export interface PredictionsResults {
  'predictions.get': FramePredictions | null
  'predictions.previewAccept': AcceptPreview
  'predictions.acceptAsLabels': AcceptResult
}
