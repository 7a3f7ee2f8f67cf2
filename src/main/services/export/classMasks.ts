/**
 * PNG class masks: 8-bit palette PNGs whose pixel values are class indices
 * (value = the class's position in the class list, 0 = background). Defect
 * classes and region classes (the lathe bed, which defects lie on) go to
 * separate masks, since they overlap by nature. Both folders hold the same
 * classes.txt (line k names value k), which our importer and most
 * segmentation tool chains read.
 */
import { posix } from 'node:path'
import type { ClassDef, ClassKind } from '../../../shared/domain'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { encodeIndexedPng, hexToRgb, type Rgb } from '../imaging/pngWrite'
import { drawOrder, OVERLAP_NOTE, type ExportContext, type FormatWriter, type PlannedFrame, type PlannedLabel } from './context'
import { stemOf } from './frames'
import { frameImageBytes } from './imageCopy'

export const MASK_FOLDERS: Record<ClassKind, string> = { defect: 'defects', region: 'regions' }
export const MASK_IMAGES = 'images'
export const CLASSES_TXT = 'classes.txt'

/** The class mask of one kind, drawn in the documented overlap order. */
export function renderClassMask(width: number, height: number, labels: readonly PlannedLabel[], kind: ClassKind): Uint8Array {
  const mask = new Uint8Array(width * height)
  for (const l of drawOrder(labels.filter((x) => x.cls.kind === kind))) rasterizeInto(mask, width, height, l.points, l.cls.position)
  return mask
}

/** Colour of each value: background black, each class its own colour. */
export function maskPalette(classes: readonly ClassDef[]): Rgb[] {
  const palette: Rgb[] = Array.from({ length: 256 }, (): Rgb => [0, 0, 0])
  for (const c of classes) palette[c.position] = hexToRgb(c.color)
  return palette
}

/** Line k names value k; line 0 is the background; a value no class has is an empty line. */
export function classesTxt(classes: readonly ClassDef[]): string {
  const lines = ['background']
  for (const c of classes) lines[c.position] = c.name
  return Array.from({ length: lines.length }, (_, k) => lines[k] ?? '').join('\n') + '\n'
}

export function classMaskWriter(ctx: ExportContext): FormatWriter {
  const kinds = (['defect', 'region'] as const).filter((k) => k === 'defect' || ctx.classes.some((c) => c.kind === k))
  const palette = maskPalette(ctx.classes)
  const maskPath = (p: PlannedFrame, kind: ClassKind): string => posix.join(MASK_FOLDERS[kind], `${stemOf(p.name)}.png`)
  return {
    notes: [
      `${kinds.map((k) => `${MASK_FOLDERS[k]}/`).join(' and ')}: one 8-bit palette PNG per frame, named like the frame; value k = the class on line k of ${CLASSES_TXT}, 0 = background.`,
      `${MASK_FOLDERS.defect}/ holds the defect classes, ${MASK_FOLDERS.region}/ the region classes (they overlap defects by nature).`,
      OVERLAP_NOTE,
      ctx.copyImages ? `Images are copied to ${MASK_IMAGES}/ (EXIF-rotated frames as upright PNG).` : 'Images were not copied: masks are named after the frame paths in their image roots (see imageRoots).'
    ],
    plan(p) {
      return [...kinds.map((k) => maskPath(p, k)), ...(ctx.copyImages ? [posix.join(MASK_IMAGES, p.name)] : [])]
    },
    async write(p, out) {
      const written: string[] = []
      // The image is read first: a frame whose image fails writes nothing.
      const img = ctx.copyImages ? await frameImageBytes(p.absPath, p.frame.hash, 'upright') : null
      for (const kind of kinds) {
        const mask = renderClassMask(p.frame.width, p.frame.height, p.labels, kind)
        const rel = maskPath(p, kind)
        await out.write(rel, encodeIndexedPng(mask, p.frame.width, p.frame.height, { palette }))
        written.push(rel)
      }
      if (img) {
        const rel = posix.join(MASK_IMAGES, `${stemOf(p.name)}${img.ext}`)
        await out.write(rel, img.data)
        written.push(rel)
      }
      return written
    },
    finalFiles: () => kinds.map((k) => posix.join(MASK_FOLDERS[k], CLASSES_TXT)),
    async finish(out) {
      for (const k of kinds) await out.write(posix.join(MASK_FOLDERS[k], CLASSES_TXT), classesTxt(ctx.classes))
    }
  }
}
