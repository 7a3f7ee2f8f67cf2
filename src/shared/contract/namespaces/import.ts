/** Importing a folder of frames with their labels or masks. */
import { z } from 'zod'
import { CLASS_KINDS, type ClassKind } from '../../domain'
import type { ImportPreview } from '../types'
import { dir, split, view } from '../schemas'

const className = z.string().min(1).max(64)

/** One mask value's class: `to` a class (existing or new) or `skip: true`, never both. */
const valueMapping = z
  .object({
    masks: dir.optional(),
    value: z.number().int().min(1).max(255),
    to: className.optional(),
    skip: z.literal(true).optional()
  })
  .strict()
  .refine((m) => (m.to === undefined) !== (m.skip === undefined), 'each mask value takes either a class name (to) or skip: true')

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
    groupPattern: z.string().max(500).optional(),
    valueMap: z.array(valueMapping).max(8 * 255).optional(),
    newClasses: z
      .array(z.object({ name: className, kind: z.enum(CLASS_KINDS) }).strict())
      .max(1000)
      .optional()
  })
  .strict()

export const importArgs = {
  'import.preview': importArgsSchema,
  'import.start': importArgsSchema
} as const

/** One value found in the masks of one mask folder. */
export interface MaskValueUse {
  value: number
  /** Pixels of this value over the masks read. */
  pixels: number
  /** Masks (of those read) holding at least one pixel of it. */
  files: number
  /** The name the folder gives it (classes.txt, manifest.json) or the names passed in (maskClasses); null when nothing names it. */
  name: string | null
  /** The kind the folder's manifest.json gives the class, when it does (our own export writes it). */
  kind?: ClassKind
}

/** The masks of one mask folder, as far as the preview read them. */
export interface MaskFolderPreview {
  folder: string
  /** Masks that pair with an image of the import. */
  masks: number
  /** Masks decoded for the counts: all of them, or an evenly spread sample of a large folder. */
  read: number
  /** True when `read` < `masks`: values that only the unread masks hold are not listed. */
  sampled: boolean
  /** Where the folder's own names come from, or null (then every value needs a mapping). */
  namesFrom: 'classes.txt' | 'manifest.json' | 'maskClasses' | null
  /** Every non-zero value found, ascending. */
  values: MaskValueUse[]
  /** Masks that could not be read (reported, not counted). */
  unreadable: number
}

/** A class name found in label files (labelme, COCO, MVTec folders). */
export interface LabelNameUse {
  name: string
  /** Shapes (labelme, COCO annotations) or frames (MVTec) with this name. */
  shapes: number
  /** Label files holding it (COCO: images). */
  files: number
}

/** import.preview: what import.start would read, with every mask value and label name counted, before anything is written. */
export interface ImportPreviewResult extends ImportPreview {
  maskFolders: MaskFolderPreview[]
  labelNames: LabelNameUse[]
  /** How long the preview took. */
  seconds: number
}

export interface ImportResults {
  'import.preview': ImportPreviewResult
  'import.start': { jobId: string }
}
