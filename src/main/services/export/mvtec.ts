/**
 * The MVTec-AD layout anomalib reads (its MVTec datamodule, with the export
 * folder as the category folder):
 *
 *   train/good/<n>_<name>.png              normal frames of the train split
 *   test/good/<n>_<name>.png               normal frames of the val and test splits
 *   test/<class>/<n>_<name>.png            frames with defects, whatever their split
 *   ground_truth/<class>/<n>_<name>_mask.png   0/255: the union of the frame's defect labels
 *
 * anomalib trains on good frames only and pairs test images with masks by
 * sorted name, so every defect frame is test material and names start with
 * a zero-padded sequence number (no name is a prefix of another, so images
 * and masks sort alike).
 */
import { posix } from 'node:path'
import { rasterizeInto } from '../../../shared/geometry/raster'
import { encodeIndexedPng } from '../imaging/pngWrite'
import { MVTEC_GOOD, MVTEC_MASK_DIR, MVTEC_MASK_SUFFIX } from '../formats/mvtec'
import type { ExportContext, FormatWriter, PlannedFrame, PlannedLabel } from './context'
import { stemOf } from './frames'
import { frameImageBytes } from './imageCopy'

/** Where a frame goes: its folder below the export, and the defect class whose mask it gets. */
export function mvtecFolder(p: PlannedFrame): { folder: string; defect: string | null } | { skip: string } {
  const defects = p.labels.filter((l) => l.cls.kind === 'defect')
  if (defects.length > 0) {
    const folder = folderName(dominantClass(defects))
    if (folder.toLowerCase() === MVTEC_GOOD) return { skip: `its defect class is named "${folder}", which MVTec keeps for normal frames: rename the class` }
    return { folder: `test/${folder}`, defect: folder }
  }
  if (p.frame.status === 'normal') return { folder: p.frame.split === 'train' ? `train/${MVTEC_GOOD}` : `test/${MVTEC_GOOD}`, defect: null }
  return {
    skip:
      p.frame.status === 'needs-review'
        ? 'needs review and has no defect label: not known good'
        : 'labelled without any defect label but not marked normal: mark it normal to export it as good'
  }
}

/** The defect class covering the most pixels on the frame (ties: the earlier class). */
function dominantClass(defects: PlannedLabel[]): string {
  const byClass = new Map<string, { area: number; position: number }>()
  for (const l of defects) {
    const c = byClass.get(l.cls.name) ?? { area: 0, position: l.cls.position }
    c.area += l.area
    byClass.set(l.cls.name, c)
  }
  return [...byClass.entries()].sort((a, b) => b[1].area - a[1].area || a[1].position - b[1].position)[0]![0]
}

/** A class name as a folder name: class names may hold spaces, which stay; anything else odd becomes '_'. */
function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9 _-]/g, '_')
}

export function sequenceName(p: PlannedFrame): string {
  const width = Math.max(3, String(p.count).length)
  const flat = stemOf(p.name).replace(/\//g, '__').replace(/[^A-Za-z0-9._-]/g, '_')
  return `${String(p.seq).padStart(width, '0')}_${flat}`
}

/** 0/255 mask of every defect label of the frame. */
export function anomalyMask(p: PlannedFrame): Uint8Array {
  const { width, height } = p.frame
  const mask = new Uint8Array(width * height)
  for (const l of p.labels) if (l.cls.kind === 'defect') rasterizeInto(mask, width, height, l.points, 255)
  return mask
}

export function mvtecWriter(_ctx: ExportContext): FormatWriter {
  const folders = new Map<string, number>()
  const files = (p: PlannedFrame): string[] | { skip: string } => {
    const where = mvtecFolder(p)
    if ('skip' in where) return where
    const name = sequenceName(p)
    const image = posix.join(where.folder, `${name}.png`)
    return where.defect ? [image, posix.join(MVTEC_MASK_DIR, where.defect, `${name}${MVTEC_MASK_SUFFIX}.png`)] : [image]
  }
  return {
    notes: [
      `MVTec-AD layout (anomalib: MVTec(root=<parent folder>, category=<this folder's name>), or its Folder datamodule).`,
      `train/${MVTEC_GOOD}: normal frames of the train split. test/${MVTEC_GOOD}: normal frames of the val and test splits (anomalib draws its validation set from test).`,
      'test/<class>: every frame with a defect label, whatever its split (anomalib trains on good frames only); <class> is the defect class covering the most pixels on the frame.',
      `${MVTEC_MASK_DIR}/<class>/<name>${MVTEC_MASK_SUFFIX}.png: 0/255, the union of all the frame's defect labels; region classes are not anomalies and are left out.`,
      'Images are written as upright PNG (anomalib reads only .png). Frames neither normal nor carrying a defect label are left out. The manifest maps every file back to its frame and workspace split.'
    ],
    plan(p) {
      const out = files(p)
      if (!Array.isArray(out)) return out
      const folder = posix.dirname(out[0]!)
      folders.set(folder, (folders.get(folder) ?? 0) + 1)
      return out
    },
    async write(p, out) {
      const planned = files(p)
      if (!Array.isArray(planned)) return []
      const [image, mask] = planned as [string, string | undefined]
      const img = await frameImageBytes(p.absPath, p.frame.hash, 'png')
      await out.write(image, img.data)
      if (mask) await out.write(mask, encodeIndexedPng(anomalyMask(p), p.frame.width, p.frame.height))
      return planned
    },
    finalFiles: () => [],
    async finish() {},
    warnings() {
      const out: string[] = []
      if (!folders.has(`train/${MVTEC_GOOD}`)) out.push(`No normal frame of the train split: train/${MVTEC_GOOD} stays empty, and anomalib needs it to train.`)
      if (![...folders.keys()].some((f) => f.startsWith('test/') && f !== `test/${MVTEC_GOOD}`)) out.push('No frame with a defect label: test/ holds no defect class.')
      return out
    }
  }
}
