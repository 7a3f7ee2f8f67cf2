import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { ImportSummary } from '../../../shared/contract'
import { VIEWS } from '../../../shared/domain'
import { createRng } from '../../../shared/random'
import { importFolder } from '../import/runImport'
import { LABELME_OFFSET } from '../import/labelme'
import { Workspace } from '../workspace'
import { makeFrame, type GtShape } from './frames'

export interface DemoOptions {
  framesPerView: number
  width: number
  height: number
  seed: number
  /** Share of frames that carry a defect; low, as on a real line. */
  defectRate: number
  /** Share of frames left for the inspector to label (their truth stays in ground-truth.json). */
  unlabeledFraction: number
}

export const DEMO_DEFAULTS: DemoOptions = {
  framesPerView: 12,
  width: 1440,
  height: 2560,
  seed: 7,
  defectRate: 0.25,
  unlabeledFraction: 0.25
}

export interface DemoResult {
  workspace: Workspace
  summary: ImportSummary
  groundTruth: Record<string, GtShape[]>
}

/**
 * Writes a synthetic workspace: frames under images/D0x/, labelme JSON for
 * the labelled ones (so the demo goes through the real import), and the full
 * truth in ground-truth.json for tests.
 */
export async function createDemoWorkspace(
  dir: string,
  options: Partial<DemoOptions> = {},
  onProgress?: (done: number, total: number) => void
): Promise<DemoResult> {
  const o = { ...DEMO_DEFAULTS, ...options }
  const ws = Workspace.create(dir, { name: 'Demo line', demo: true })
  const imagesDir = join(ws.dir, 'images')
  const rng = createRng(o.seed)
  const groundTruth: Record<string, GtShape[]> = {}
  const normalPaths = new Set<string>()
  const total = o.framesPerView * VIEWS.length
  let done = 0
  for (const view of VIEWS) {
    mkdirSync(join(imagesDir, view), { recursive: true })
    for (let i = 1; i <= o.framesPerView; i++) {
      const defective = rng.next() < o.defectRate
      const folds = defective && rng.next() < 0.6 ? rng.int(1, 2) : 0
      const cracks = defective && folds === 0 ? rng.int(1, 2) : defective && rng.next() < 0.3 ? 1 : 0
      const frame = makeFrame(view, i, { width: o.width, height: o.height, seed: rng.int(1, 2 ** 30), folds, cracks })
      const name = `frame_${view}_${String(i).padStart(4, '0')}`
      const rel = `${view}/${name}.jpg`
      await sharp(frame.rgb, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg({ quality: 88 })
        .toFile(join(imagesDir, `${rel}`))
      groundTruth[rel] = frame.shapes
      if (folds + cracks === 0) normalPaths.add(rel)
      if (rng.next() >= o.unlabeledFraction) {
        writeFileSync(join(imagesDir, view, `${name}.json`), JSON.stringify(toLabelme(frame.shapes, `${name}.jpg`, frame.width, frame.height), null, 1))
      }
      onProgress?.(++done, total)
    }
  }
  writeFileSync(join(ws.dir, 'ground-truth.json'), JSON.stringify(groundTruth))
  const summary = await importFolder(ws, { folder: imagesDir, labelme: true }, { author: 'demo' })
  // Labelled frames without defects are the normal ones an inspector would have marked.
  const mark = ws.db.prepare("UPDATE images SET status = 'normal' WHERE rel_path = ? AND status = 'labeled'")
  ws.db.transaction(() => {
    for (const rel of normalPaths) mark.run(rel)
  })()
  return { workspace: ws, summary, groundTruth }
}

function toLabelme(shapes: GtShape[], imagePath: string, width: number, height: number): unknown {
  return {
    version: '5.5.0',
    flags: {},
    shapes: shapes.map((s) => ({
      label: s.className,
      points: pairs(s.points.map((v) => v - LABELME_OFFSET)),
      group_id: null,
      description: '',
      shape_type: 'polygon',
      flags: {},
      mask: null
    })),
    imagePath,
    imageData: null,
    imageHeight: height,
    imageWidth: width
  }
}

function pairs(flat: number[]): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!])
  return out
}
