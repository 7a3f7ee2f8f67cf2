/**
 * Small synthetic datasets written as real PNG files: a striped grey texture
 * with noise for normal frames, plus a dark blob (class 0) or a bright
 * scratch (class 1) with its polygon for defect frames. For tests and smoke
 * runs of the training pipeline; real data lives outside the repository.
 */
import sharp from 'sharp'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Split } from '../../shared/domain'
import type { ClassSpec, DatasetItem } from '../../shared/arcd/protocol'
import { rasterizePolygon } from '../../shared/geometry/raster'
import { createRng } from '../data/rng'

export interface SyntheticOptions {
  dir: string
  normal: number
  defects: number
  width: number
  height: number
  seed?: number
  /** Views assigned round-robin (default ['D01']). */
  views?: string[]
}

export const SYNTHETIC_CLASSES: ClassSpec[] = [
  { name: 'blob', kind: 'defect' },
  { name: 'scratch', kind: 'defect' }
]

function splitOf(i: number): Split {
  const r = i % 5
  return r === 3 ? 'val' : r === 4 ? 'test' : 'train'
}

function ellipse(cx: number, cy: number, rx: number, ry: number, n = 12): number[] {
  const pts: number[] = []
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n
    pts.push(cx + rx * Math.cos(a), cy + ry * Math.sin(a))
  }
  return pts
}

export async function makeSyntheticDataset(opts: SyntheticOptions): Promise<{ items: DatasetItem[]; classes: ClassSpec[] }> {
  const { dir, width: W, height: H } = opts
  const rng = createRng(opts.seed ?? 7)
  const views = opts.views ?? ['D01']
  await fs.mkdir(dir, { recursive: true })
  const items: DatasetItem[] = []
  const total = opts.normal + opts.defects
  for (let i = 0; i < total; i++) {
    const normal = i < opts.normal
    const grey = new Float32Array(W * H)
    const period = 5 + rng.next() * 3
    const phase = rng.next() * 6
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        grey[y * W + x] = 0.5 + 0.15 * Math.sin((x + phase) / period) + 0.05 * (rng.next() - 0.5)
      }
    }
    const polygons: DatasetItem['polygons'] = []
    if (!normal) {
      const classIndex = (i - opts.normal) % 2
      const poly =
        classIndex === 0
          ? ellipse(W * (0.3 + 0.4 * rng.next()), H * (0.3 + 0.4 * rng.next()), 3 + rng.next() * 3, 3 + rng.next() * 3)
          : (() => {
              const x = W * (0.2 + 0.5 * rng.next())
              const y = H * (0.2 + 0.3 * rng.next())
              return [x, y, x + W * 0.3, y + H * 0.3, x + W * 0.3 - 2, y + H * 0.3 + 2, x - 2, y + 2]
            })()
      const mask = rasterizePolygon(poly, W, H)
      for (let k = 0; k < mask.length; k++) if (mask[k]) grey[k] = classIndex === 0 ? 0.08 : 0.95
      polygons.push({ classIndex, points: poly })
    }
    const bytes = new Uint8Array(W * H)
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.round(Math.min(1, Math.max(0, grey[k]!)) * 255)
    const file = path.join(dir, `${normal ? 'normal' : 'defect'}_${String(i).padStart(3, '0')}.png`)
    await sharp(bytes, { raw: { width: W, height: H, channels: 1 } }).png().toFile(file)
    items.push({
      id: i + 1,
      path: file,
      width: W,
      height: H,
      view: views[i % views.length]!,
      split: splitOf(i),
      normal,
      polygons
    })
  }
  return { items, classes: SYNTHETIC_CLASSES.map((c) => ({ ...c })) }
}
