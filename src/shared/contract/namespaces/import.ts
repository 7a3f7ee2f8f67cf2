/** Importing a folder of frames with their labels or masks. */
import { z } from 'zod'
import type { ImportPreview } from '../types'
import { dir, split, view } from '../schemas'

export const importArgsSchema = z
  .object({
    folder: dir,
    masks: z.union([dir, z.array(dir).min(1).max(8)]).optional(),
    labelme: z.boolean().optional(),
    split: split.optional(),
    view: view.optional(),
    maskClasses: z.array(z.string().min(1).max(64)).max(255).optional(),
    normal: z.boolean().optional(),
    coco: dir.optional(),
    mvtec: z.boolean().optional(),
    classMap: z
      .array(z.object({ from: z.string().min(1).max(200), to: z.string().max(64) }).strict())
      .max(1000)
      .optional(),
    createClasses: z.boolean().optional(),
    traceTolerance: z.number().min(0).max(8).optional(),
    groupPattern: z.string().max(500).optional()
  })
  .strict()

export const importArgs = {
  'import.preview': importArgsSchema,
  'import.start': importArgsSchema
} as const

export interface ImportResults {
  'import.preview': ImportPreview
  'import.start': { jobId: string }
}
