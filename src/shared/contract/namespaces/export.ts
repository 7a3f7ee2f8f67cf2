/** Exporting the dataset in the formats other tools read. */
import { z } from 'zod'
import { EXPORT_FORMATS, EXPORT_MAX_IDS, type ExportOptions, type ExportPreview } from '../types'
import { dir, id, imageFilterSchema } from '../schemas'

export const exportArgsSchema = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    out: dir,
    filter: imageFilterSchema.optional(),
    ids: z.array(id).min(1).max(EXPORT_MAX_IDS).optional(),
    copyImages: z.boolean().optional(),
    overwrite: z.boolean().optional()
  })
  .strict()

/** An export as the app asks for it: the CLI's options, plus an explicit list of frames (the grid's selection). */
export interface ExportRequest extends ExportOptions {
  /** Only these frames (and, with a filter too, only those of them it matches); ids no longer in the workspace are reported in the warnings. */
  ids?: readonly number[]
}

export const exportArgs = {
  'export.preview': exportArgsSchema,
  'export.start': exportArgsSchema
} as const

export interface ExportResults {
  'export.preview': ExportPreview
  'export.start': { jobId: string }
}
