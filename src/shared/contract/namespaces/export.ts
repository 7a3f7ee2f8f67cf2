/** Exporting the dataset in the formats other tools read. */
import { z } from 'zod'
import { EXPORT_FORMATS, type ExportPreview } from '../types'
import { dir, imageFilterSchema } from '../schemas'

export const exportArgsSchema = z
  .object({
    format: z.enum(EXPORT_FORMATS),
    out: dir,
    filter: imageFilterSchema.optional(),
    copyImages: z.boolean().optional(),
    overwrite: z.boolean().optional()
  })
  .strict()

export const exportArgs = {
  'export.preview': exportArgsSchema,
  'export.start': exportArgsSchema
} as const

export interface ExportResults {
  'export.preview': ExportPreview
  'export.start': { jobId: string }
}
