/**
 * COCO instance segmentation. Polygons are written as stored: COCO's pixel
 * coordinates have the same corner origin as ours. area and bbox come from
 * the one rasteriser, so they count exactly the pixels the editor shows.
 * Each image also carries its `view`, `split` and `status` (COCO readers
 * ignore fields they don't know; our importer reads them back).
 */
import { posix } from 'node:path'
import type { ExportContext, FormatWriter } from './context'
import { stemOf } from './frames'
import { frameImageBytes } from './imageCopy'

export const COCO_FILE = 'annotations.json'
export const COCO_IMAGES = 'images'

interface CocoImage {
  id: number
  file_name: string
  width: number
  height: number
  view: string
  split: string
  status: string
  /** Index into the manifest's imageRoots, when images were not copied and come from several roots. */
  image_root?: number
}

interface CocoAnnotation {
  id: number
  image_id: number
  category_id: number
  segmentation: number[][]
  area: number
  bbox: [number, number, number, number]
  iscrowd: 0
}

export function cocoWriter(ctx: ExportContext): FormatWriter {
  const images: CocoImage[] = []
  const annotations: CocoAnnotation[] = []
  const severalRoots = ctx.rootIndex.size > 1
  return {
    notes: [
      `${COCO_FILE}: COCO instance segmentation; polygon coordinates in pixels with the origin at the top-left corner of the top-left pixel (COCO's own convention); category_id is the class position.`,
      'area and bbox count the pixels our rasteriser covers: a pixel belongs to a polygon when its centre is inside it or on its boundary.',
      ctx.copyImages
        ? `Images are copied to ${COCO_IMAGES}/; file_name is relative to that folder (EXIF-rotated frames are written as upright PNG).`
        : 'Images were not copied: file_name is relative to the image root listed in the manifest' + (severalRoots ? ' (image_root gives its index).' : '.')
    ],
    plan(p) {
      return ctx.copyImages ? [`${COCO_IMAGES}/${p.name}`] : []
    },
    async write(p, out) {
      const written: string[] = []
      let fileName = p.frame.relPath
      if (ctx.copyImages) {
        const img = await frameImageBytes(p.absPath, p.frame.hash, 'upright')
        fileName = `${stemOf(p.name)}${img.ext}`
        const rel = posix.join(COCO_IMAGES, fileName)
        await out.write(rel, img.data)
        written.push(rel)
      }
      images.push({
        id: p.frame.id,
        file_name: fileName,
        width: p.frame.width,
        height: p.frame.height,
        view: p.frame.view,
        split: p.frame.split,
        status: p.frame.status,
        ...(!ctx.copyImages && severalRoots ? { image_root: ctx.rootIndex.get(p.frame.rootId)! } : {})
      })
      for (const l of p.labels) {
        annotations.push({
          id: l.id,
          image_id: p.frame.id,
          category_id: l.cls.position,
          segmentation: [l.points],
          area: l.area,
          bbox: l.bbox,
          iscrowd: 0
        })
      }
      return written
    },
    finalFiles: () => [COCO_FILE],
    async finish(out) {
      const doc = {
        info: { description: `Defect Studio export of ${ctx.workspaceName}`, version: '1.0', date_created: new Date().toISOString() },
        licenses: [],
        images,
        annotations,
        categories: ctx.classes.map((c) => ({ id: c.position, name: c.name, supercategory: c.kind, color: c.color }))
      }
      await out.write(COCO_FILE, JSON.stringify(doc))
    }
  }
}
