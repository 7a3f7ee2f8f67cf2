/**
 * Reads an MVTec-AD category folder, as anomalib does:
 *
 *   train/good/<name>.png            normal frames, train split
 *   test/good/<name>.png             normal frames, test split
 *   test/<class>/<name>.png          defective frames of that class, test split
 *   ground_truth/<class>/<name>_mask.png   their masks (any non-zero pixel is the defect)
 *
 * A `val` or `validation` folder beside train and test is read as the val
 * split. Masks are traced into polygons of the folder's class.
 */
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { StudioError } from '../../../shared/contract'
import { traceBinary } from '../../../shared/geometry/trace'
import { traceBinaryExact } from './exactTrace'
import type { Split } from '../../../shared/domain'
import { readClassMask } from '../imaging/maskPng'
import { walkImages } from '../import/walk'
import { addCount, addFileCounts, type LabelSource, type SourceScan } from './source'

export const MVTEC_GOOD = 'good'
export const MVTEC_MASK_DIR = 'ground_truth'
export const MVTEC_MASK_SUFFIX = '_mask'

const SPLIT_DIRS: Record<string, Split> = { train: 'train', test: 'test', val: 'val', validation: 'val' }

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory()
}

export async function openMvtecSource(root: string, opts: { tolerance: number }): Promise<LabelSource> {
  if (!isDir(join(root, 'train')) && !isDir(join(root, 'test'))) {
    throw new StudioError(
      'invalid_argument',
      `${root} is not an MVTec-AD category folder: it has neither train/ nor test/ (point --mvtec at the category, e.g. .../bottle)`
    )
  }
  const maskRoot = join(root, MVTEC_MASK_DIR)
  // class/stem -> mask path relative to the root
  const masks = new Map<string, string>()
  if (isDir(maskRoot)) {
    const { files } = await walkImages(maskRoot)
    for (const rel of files) {
      const parts = rel.split('/')
      if (parts.length !== 2) continue
      const stem = basename(parts[1]!, extname(parts[1]!))
      const key = `${parts[0]}/${stem.endsWith(MVTEC_MASK_SUFFIX) ? stem.slice(0, -MVTEC_MASK_SUFFIX.length) : stem}`
      // "<name>_mask.png" wins over a bare "<name>.png" when both exist.
      if (!masks.has(key) || stem.endsWith(MVTEC_MASK_SUFFIX)) masks.set(key, `${MVTEC_MASK_DIR}/${rel}`)
    }
  }
  const place = (rel: string): { split: Split; label: string } | string => {
    const parts = rel.split('/')
    const split = SPLIT_DIRS[parts[0]!.toLowerCase()]
    if (parts.length !== 3 || !split) return 'not in the MVTec layout (train/good/<file>, test/good/<file> or test/<class>/<file>); imported without labels'
    return { split, label: parts[1]! }
  }
  const maskOf = (rel: string, label: string): string | undefined => masks.get(`${label}/${basename(rel, extname(rel))}`)

  return {
    skipDirs: [maskRoot],
    async labelsFor(rel, frame) {
      const where = place(rel)
      if (typeof where === 'string') return { path: rel, labels: [], issues: [where], failed: true }
      const { split, label } = where
      if (label.toLowerCase() === MVTEC_GOOD) return { path: rel, labels: [], issues: [], normal: true, split }
      const maskRel = maskOf(rel, label)
      if (!maskRel) {
        return { path: rel, labels: [], issues: [`no ${MVTEC_MASK_DIR}/${label}/<name>${MVTEC_MASK_SUFFIX}.png for this ${label} frame; imported without labels`], failed: true, split }
      }
      try {
        const mask = await readClassMask(await readFile(join(root, maskRel)), frame)
        if (mask.width !== frame.width || mask.height !== frame.height) {
          throw new Error(`mask is ${mask.width}x${mask.height} but its image is ${frame.width}x${frame.height}`)
        }
        const rings = opts.tolerance === 0 ? traceBinaryExact(mask.data, frame.width, frame.height) : traceBinary(mask.data, frame.width, frame.height, { tolerance: opts.tolerance })
        const issues = rings.length === 0 ? [`the mask is empty, though the frame is filed under ${label}`] : []
        return { path: maskRel, labels: rings.map((r) => ({ className: label, points: [...r] })), issues, split }
      } catch (err) {
        return { path: maskRel, labels: [], issues: [(err as Error).message], failed: true, split }
      }
    },
    async scan(files) {
      const scan: SourceScan = { files: 0, classes: new Map(), issues: [] }
      for (const rel of files) {
        const where = place(rel)
        if (typeof where === 'string') {
          scan.issues.push({ path: rel, reason: where })
          continue
        }
        if (where.label.toLowerCase() === MVTEC_GOOD) continue
        if (maskOf(rel, where.label)) {
          scan.files += 1
          // Regions per mask are known only after tracing; each frame counts once.
          addCount(scan.classes, where.label, 1)
          addFileCounts(scan, [where.label])
        } else {
          scan.issues.push({ path: rel, reason: `no ${MVTEC_MASK_DIR}/${where.label}/<name>${MVTEC_MASK_SUFFIX}.png for this frame` })
        }
      }
      return scan
    }
  }
}
