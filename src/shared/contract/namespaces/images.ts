/** Frames: listing, filtering, thumbnails, pixels and status. */
import { z } from 'zod'
import { VIEWS } from '../../domain'
import type { FrameImage, ImageDetail, ImagePage, ImageStats, Thumbnail } from '../types'
import { id, imageFilterSchema, split, status } from '../schemas'

/** The most frames one bulk action takes: Ctrl+A on the largest workspace the grid is built for, with room. */
export const BULK_MAX_IDS = 50_000

/** What a bulk action does to every selected frame. */
export const bulkActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('status'), status: z.enum(['normal', 'unlabeled']) }).strict(),
  z.object({ kind: z.literal('view'), view: z.enum(VIEWS) }).strict(),
  z.object({ kind: z.literal('split'), split }).strict(),
  z.object({ kind: z.literal('remove') }).strict()
])
export type BulkAction = z.infer<typeof bulkActionSchema>

const bulkArgs = z.object({ ids: z.array(id).min(1).max(BULK_MAX_IDS), action: bulkActionSchema }).strict()

/** What a bulk action would do, before it is done: the figures its confirmation names. */
export interface BulkPreview {
  /** Selected frames still in the workspace. */
  frames: number
  /** Frames that would change, group members included. */
  changes: number
  /** Selected frames it leaves alone, and why (e.g. defect polygons for mark normal). */
  skipped: number
  skippedReason: string | null
  /** Frames already as asked. */
  unchanged: number
  /** Set split: frames outside the selection that move because they share a split group with a selected one. */
  groupMembers: number
  /** Frames that would move or go although a run validated or tested on them. */
  usedByRuns: number
}

export interface BulkResult extends BulkPreview {
  /** Hand to images.undoBulk to take the whole action back; null when nothing changed. */
  undoToken: number | null
  /** One sentence for the grid's action bar. */
  message: string
}

export interface BulkUndoResult {
  /** Frames put back as they were. */
  restored: number
  /** Frames changed again since (or, for a removal, imported again), left as they are now. */
  conflicts: number
  message: string
}

/** One remembered bulk action (newest first), for undo after a reload. */
export interface BulkHistoryEntry {
  undoToken: number
  kind: BulkAction['kind']
  value: string | null
  changed: number
  at: string
  undone: boolean
}

export const imagesArgs = {
  'images.query': z
    .object({
      filter: imageFilterSchema,
      offset: z.number().int().min(0),
      limit: z.number().int().min(1).max(1000)
    })
    .strict(),
  'images.ids': z.object({ filter: imageFilterSchema }).strict(),
  'images.get': z.object({ id }).strict(),
  'images.thumbnails': z.object({ ids: z.array(id).max(500) }).strict(),
  'images.stats': z.object({ filter: imageFilterSchema.optional() }).strict(),
  'images.setStatus': z.object({ ids: z.array(id).min(1).max(50_000), status }).strict(),
  'images.frame': z.object({ id }).strict(),
  'images.bulkPreview': bulkArgs,
  'images.bulk': bulkArgs,
  'images.undoBulk': z.object({ undoToken: id }).strict(),
  'images.bulkHistory': z.object({ limit: z.number().int().min(1).max(100).optional() }).strict()
} as const

export interface ImagesResults {
  'images.query': ImagePage
  'images.ids': number[]
  'images.get': ImageDetail
  'images.thumbnails': Thumbnail[]
  'images.stats': ImageStats
  'images.setStatus': { changed: number }
  'images.frame': FrameImage
  'images.bulkPreview': BulkPreview
  'images.bulk': BulkResult
  'images.undoBulk': BulkUndoResult
  'images.bulkHistory': BulkHistoryEntry[]
}
