/**
 * labelme JSON, one file per frame beside its image (copied) or pointing at
 * it by a relative imagePath. labelme puts pixel centres on integers, so
 * points are ours minus 0.5 (LABELME_OFFSET). Shapes come in the masks'
 * overlap order, so labelme's own label rendering (later shapes win) agrees
 * with ours where labels overlap.
 */
import { dirname, join, relative, sep } from 'node:path'
import { LABELME_OFFSET } from '../import/labelme'
import { drawOrder, OVERLAP_NOTE, type ExportContext, type FormatWriter, type PlannedFrame } from './context'
import { stemOf } from './frames'
import { frameImageBytes } from './imageCopy'

/** The labelme release whose file layout this writes (labelme warns on a different major version). */
export const LABELME_VERSION = '5.5.0'

export interface LabelmeShapeOut {
  label: string
  points: [number, number][]
  group_id: null
  description: string
  shape_type: 'polygon'
  flags: Record<string, never>
  mask: null
}

export interface LabelmeFileOut {
  version: string
  flags: Record<string, never>
  shapes: LabelmeShapeOut[]
  imagePath: string
  imageData: null
  imageHeight: number
  imageWidth: number
}

function toLabelmePoint(v: number): number {
  // Kept to 1/1000 px like the stored points, without float noise from the shift.
  return Math.round((v - LABELME_OFFSET) * 1000) / 1000
}

export function labelmeDocument(p: PlannedFrame, imagePath: string): LabelmeFileOut {
  return {
    version: LABELME_VERSION,
    flags: {},
    shapes: drawOrder(p.labels).map((l) => {
      const points: [number, number][] = []
      for (let k = 0; k + 1 < l.points.length; k += 2) points.push([toLabelmePoint(l.points[k]!), toLabelmePoint(l.points[k + 1]!)])
      return { label: l.cls.name, points, group_id: null, description: '', shape_type: 'polygon', flags: {}, mask: null }
    }),
    imagePath,
    imageData: null,
    imageHeight: p.frame.height,
    imageWidth: p.frame.width
  }
}

export function labelmeWriter(ctx: ExportContext, outDir: string): FormatWriter {
  const jsonPath = (p: PlannedFrame): string => `${stemOf(p.name)}.json`
  return {
    notes: [
      'One labelme JSON per frame (shape_type polygon, imageData null); labelme puts pixel centres on integers, so its points are ours minus 0.5.',
      `Shapes are listed largest first. ${OVERLAP_NOTE}`,
      'labelme fills polygons with PIL, which keeps more edge pixels than our rule (pixel centre inside or on the boundary), so its masks of these shapes are slightly larger; the PNG masks export gives our pixels exactly.',
      ctx.copyImages
        ? 'Images are copied beside their JSON with their original bytes (labelme applies EXIF orientation itself).'
        : 'Images were not copied: imagePath is the relative path from the JSON to the image where it was imported from.'
    ],
    plan(p) {
      return ctx.copyImages ? [p.name, jsonPath(p)] : [jsonPath(p)]
    },
    async write(p, out) {
      const written: string[] = []
      const json = jsonPath(p)
      let imagePath: string
      if (ctx.copyImages) {
        const img = await frameImageBytes(p.absPath, p.frame.hash, 'original')
        await out.write(p.name, img.data)
        written.push(p.name)
        imagePath = p.name.slice(p.name.lastIndexOf('/') + 1)
      } else {
        imagePath = relative(dirname(join(outDir, json)), p.absPath).split(sep).join('/')
      }
      await out.write(json, JSON.stringify(labelmeDocument(p, imagePath), null, 2))
      written.push(json)
      return written
    },
    finalFiles: () => [],
    async finish() {}
  }
}
