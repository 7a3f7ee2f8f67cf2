/** Frames: listing, filtering, thumbnails, pixels and status. */
import { z } from 'zod'
import type { FrameImage, ImageDetail, ImagePage, ImageStats, Thumbnail } from '../types'
import { id, imageFilterSchema, status } from '../schemas'

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
  'images.frame': z.object({ id }).strict()
} as const

export interface ImagesResults {
  'images.query': ImagePage
  'images.ids': number[]
  'images.get': ImageDetail
  'images.thumbnails': Thumbnail[]
  'images.stats': ImageStats
  'images.setStatus': { changed: number }
  'images.frame': FrameImage
}
