/** A frame's polygons, their saves and their history. */
import { z } from 'zod'
import { LABEL_SOURCES } from '../../domain'
import { LABEL_LIMITS } from '../../limits'
import type { Label, LabelRevision } from '../types'
import { id, status } from '../schemas'

export const labelsArgs = {
  'labels.list': z.object({ imageId: id }).strict(),
  'labels.save': z
    .object({
      imageId: id,
      labels: z
        .array(
          z
            .object({
              id: id.optional(),
              classId: id,
              // Finite numbers only: zod's number() refuses NaN and Infinity.
              points: z
                .array(z.number())
                .min(6)
                .max(2 * LABEL_LIMITS.pointsPerPolygon)
                .refine((p) => p.length % 2 === 0, 'an even number of coordinates'),
              source: z.enum(LABEL_SOURCES).optional()
            })
            .strict()
        )
        .max(LABEL_LIMITS.labelsPerFrame),
      // The frame's status after the save, when the editor decides it (undo of a paste onto a normal frame).
      status: status.optional()
    })
    .strict(),
  'labels.history': z.object({ imageId: id }).strict()
} as const

export interface LabelsResults {
  'labels.list': Label[]
  'labels.save': Label[]
  'labels.history': LabelRevision[]
}
