/** Argument pieces more than one namespace validates the same way. */
import { z } from 'zod'
import { IMAGE_STATUSES, SPLITS, UNASSIGNED_VIEW, VIEWS } from '../domain'
import { REVIEW_VERDICTS } from './review'

export const view = z.enum([...VIEWS, UNASSIGNED_VIEW])
export const split = z.enum(SPLITS)
export const status = z.enum(IMAGE_STATUSES)
export const id = z.number().int().positive()
export const dir = z.string().min(1).max(4096)
export const none = z.object({}).strict()

export const imageFilterSchema = z
  .object({
    views: z.array(view).max(8).optional(),
    statuses: z.array(status).max(8).optional(),
    classIds: z.array(id).max(256).optional(),
    splits: z.array(split).max(3).optional(),
    search: z.string().max(512).optional(),
    importId: id.optional()
  })
  .strict()

export const reviewFilterSchema = z
  .object({
    views: z.array(view).max(8).optional(),
    splits: z.array(split).max(3).optional(),
    statuses: z.array(status).max(8).optional(),
    classIds: z.array(id).max(256).optional(),
    verdicts: z.array(z.enum([...REVIEW_VERDICTS, 'none'])).max(4).optional()
  })
  .strict()

/** Per-class thresholds by class name. */
export const thresholdsSchema = z
  .record(z.string().min(1).max(64), z.number().min(0).max(1))
  .refine((t) => Object.keys(t).length <= 256, 'at most 256 classes')
