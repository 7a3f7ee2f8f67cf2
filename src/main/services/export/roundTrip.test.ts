/**
 * Workspace -> each format -> a fresh workspace: the labels come back as the
 * same polygons (exactly for the polygon formats, within the tracing
 * tolerance for the mask formats) and rasterise to identical masks.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImportOptions, Label } from '../../../shared/contract'
import type { ClassDef } from '../../../shared/domain'
import { rasterArea, rasterizeInto } from '../../../shared/geometry/raster'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { readClassMask } from '../imaging/maskPng'
import { importFolder } from '../import/runImport'
import { readPngOracle } from '../imaging/pngOracle'
import { listLabels, saveFrameLabels } from '../labels'
import { Workspace } from '../workspace'
import { demoWorkspace } from './exportFixtures'
import { runExport } from './runExport'

const W = 180
const H = 320

let dir = ''
let cleanup = (): void => undefined
let source: Workspace
const opened: Workspace[] = []

/** The frame given shapes a single-ring label cannot hold: a fold ring around background, an edge crack inside a fold. */
let holeFrame = 0

beforeAll(async () => {
  ;({ dir, cleanup } = tempDir('ds-roundtrip-'))
  source = await demoWorkspace(dir, 4)
  const id = source.db.prepare("SELECT id FROM images WHERE status = 'labeled' ORDER BY id LIMIT 1").pluck().get() as number
  const cls = new Map(listClasses(source).map((c) => [c.name, c.id]))
  const keep = listLabels(source, id).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
  saveFrameLabels(
    source,
    id,
    [
      ...keep,
      // A C shape and a bar closing it: together a ring with background inside (x 30-55, y 230-250).
      { classId: cls.get('fold')!, points: [20, 220, 60, 220, 60, 230, 30, 230, 30, 250, 60, 250, 60, 260, 20, 260] },
      { classId: cls.get('fold')!, points: [55, 228, 62, 228, 62, 252, 55, 252] },
      // A fold with a crack inside it: the fold's pixels have a hole of another class.
      { classId: cls.get('fold')!, points: [90, 220, 150, 220, 150, 290, 90, 290] },
      { classId: cls.get('edge_crack')!, points: [110, 240, 120, 240, 120, 262, 110, 262] }
    ],
    'test'
  )
  holeFrame = id
})

afterAll(() => {
  for (const ws of opened) ws.close()
  source.close()
  cleanup()
})

interface Frame {
  id: number
  rel: string
  hash: string
  split: string
  status: string
  view: string
}

function frames(ws: Workspace): Frame[] {
  return ws.db.prepare('SELECT id, rel_path AS rel, hash, split, status, view FROM images ORDER BY id').all() as Frame[]
}

function named(ws: Workspace, labels: Label[]): { cls: ClassDef; points: number[]; id: number }[] {
  const classes = new Map(listClasses(ws).map((c) => [c.id, c]))
  return labels.map((l) => ({ cls: classes.get(l.classId)!, points: l.points, id: l.id }))
}

/** A class mask drawn as the spec says: largest rasterised area first, value = class position. */
function classMask(labels: { cls: ClassDef; points: number[]; id: number }[], kind: 'defect' | 'region'): Uint8Array {
  const mask = new Uint8Array(W * H)
  labels
    .filter((l) => l.cls.kind === kind)
    .map((l) => ({ ...l, area: rasterArea(l.points, W, H) }))
    .sort((a, b) => b.area - a.area || a.cls.position - b.cls.position || a.id - b.id)
    .forEach((l) => rasterizeInto(mask, W, H, l.points, l.cls.position))
  return mask
}

function unionMask(labels: { cls: ClassDef; points: number[] }[]): Uint8Array {
  const mask = new Uint8Array(W * H)
  for (const l of labels) if (l.cls.kind === 'defect') rasterizeInto(mask, W, H, l.points, 255)
  return mask
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b))
}

async function fresh(name: string, opts: Omit<ImportOptions, 'createClasses'>): Promise<Workspace> {
  const ws = Workspace.create(join(dir, name))
  opened.push(ws)
  const summary = await importFolder(ws, { ...opts, createClasses: false })
  expect(summary.failed).toEqual([])
  return ws
}

function exportedFrames(): Frame[] {
  return frames(source).filter((f) => f.status !== 'unlabeled')
}

/** Largest distance from a vertex of `a` to the boundary of `b` (one side of the Hausdorff distance). */
function farthestVertex(a: number[], b: number[]): number {
  let worst = 0
  for (let k = 0; k < a.length; k += 2) {
    let best = Infinity
    for (let m = 0; m < b.length; m += 2) {
      const n = (m + 2) % b.length
      const ax = b[m]!
      const ay = b[m + 1]!
      const dx = b[n]! - ax
      const dy = b[n + 1]! - ay
      const len2 = dx * dx + dy * dy
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((a[k]! - ax) * dx + (a[k + 1]! - ay) * dy) / len2))
      best = Math.min(best, Math.hypot(a[k]! - ax - t * dx, a[k + 1]! - ay - t * dy))
    }
    worst = Math.max(worst, best)
  }
  return worst
}

describe('round trip through each format', () => {
  it('COCO: the same polygons, classes, views, splits and statuses', async () => {
    const out = join(dir, 'out-coco')
    await runExport(source, { format: 'coco', out, copyImages: true })
    const ws = await fresh('ws-coco', { folder: join(out, 'images'), coco: join(out, 'annotations.json') })
    const byHash = new Map(frames(ws).map((f) => [f.hash, f]))
    const expected = exportedFrames()
    expect(byHash.size).toBe(expected.length)
    for (const f of expected) {
      const g = byHash.get(f.hash)!
      expect([g.view, g.split, g.status]).toEqual([f.view, f.split, f.status])
      const key = (l: { cls: ClassDef; points: number[] }): string => `${l.cls.name}:${l.points.join(',')}`
      expect(named(ws, listLabels(ws, g.id)).map(key).sort()).toEqual(named(source, listLabels(source, f.id)).map(key).sort())
    }
  })

  it('labelme: the same polygons after the half-pixel shift out and back', async () => {
    const out = join(dir, 'out-labelme')
    await runExport(source, { format: 'labelme', out })
    const ws = await fresh('ws-labelme', { folder: out, labelme: true })
    const byHash = new Map(frames(ws).map((f) => [f.hash, f]))
    let labels = 0
    for (const f of exportedFrames()) {
      const g = byHash.get(f.hash)!
      const key = (l: { cls: ClassDef; points: number[] }): string => `${l.cls.name}:${l.points.join(',')}`
      const want = named(source, listLabels(source, f.id)).map(key).sort()
      expect(named(ws, listLabels(ws, g.id)).map(key).sort()).toEqual(want)
      labels += want.length
    }
    expect(labels).toBeGreaterThan(20)
  })

  it('PNG masks: exact outlines give identical masks; the default 1 px tracing stays within it', async () => {
    const out = join(dir, 'out-masks')
    await runExport(source, { format: 'masks', out, copyImages: true })
    const folders = [join(out, 'defects'), join(out, 'regions')]
    const exact = await fresh('ws-masks-exact', { folder: join(out, 'images'), masks: folders, traceTolerance: 0 })
    const simplified = await fresh('ws-masks', { folder: join(out, 'images'), masks: folders })
    const exactByHash = new Map(frames(exact).map((f) => [f.hash, f]))
    const simpleByHash = new Map(frames(simplified).map((f) => [f.hash, f]))
    let worst = 0
    let drawn = 0
    let drawnExact = 0
    let compared = 0
    let minIoU = 1
    for (const f of exportedFrames()) {
      const src = named(source, listLabels(source, f.id))
      const stem = f.rel.replace(/\.jpg$/, '')
      const e = named(exact, listLabels(exact, exactByHash.get(f.hash)!.id))
      const s = named(simplified, listLabels(simplified, simpleByHash.get(f.hash)!.id))
      for (const [kind, folder] of [['defect', 'defects'], ['region', 'regions']] as const) {
        const file = await readClassMask(readFileSync(join(out, folder, `${stem}.png`)))
        expect(same(file.data, classMask(src, kind))).toBe(true)
        expect(same(classMask(e, kind), file.data)).toBe(true)
        // Simplified within 1 px: the masks nearly agree.
        const a = classMask(s, kind)
        const b = file.data
        let inter = 0
        let union = 0
        for (let i = 0; i < a.length; i++) {
          inter += a[i] !== 0 && a[i] === b[i] ? 1 : 0
          union += a[i] !== 0 || b[i] !== 0 ? 1 : 0
        }
        if (union > 0) minIoU = Math.min(minIoU, inter / union)
      }
      // A label that overlaps no other label of its mask comes back as one polygon: the exact outline of its
      // pixels, and a simplified one within the 1 px tolerance of that outline.
      for (const l of src) {
        const others = src.filter((o) => o !== l && o.cls.kind === l.cls.kind)
        const mine = classMask([l], l.cls.kind)
        const rest = classMask(others, l.cls.kind)
        if (mine.some((v, i) => v !== 0 && rest[i] !== 0)) continue
        const outline = e.find((x) => x.cls.name === l.cls.name && overlaps(x.points, l.points))
        const traced = s.find((x) => x.cls.name === l.cls.name && overlaps(x.points, l.points))
        expect(outline && traced).toBeTruthy()
        worst = Math.max(worst, farthestVertex(outline!.points, traced!.points), farthestVertex(traced!.points, outline!.points))
        drawn = Math.max(drawn, farthestVertex(traced!.points, l.points), farthestVertex(l.points, traced!.points))
        drawnExact = Math.max(drawnExact, farthestVertex(outline!.points, l.points), farthestVertex(l.points, outline!.points))
        compared++
      }
    }
    console.log(
      `masks round trip: ${compared} isolated labels; traced vs exact outline at most ${worst.toFixed(2)} px; ` +
        `traced vs drawn polygon at most ${drawn.toFixed(2)} px (exact outline vs drawn: ${drawnExact.toFixed(2)} px, the pixel grid's own share); ` +
        `class-mask IoU min ${minIoU.toFixed(3)}`
    )
    expect(compared).toBeGreaterThan(10)
    expect(worst).toBeLessThanOrEqual(1 + 1e-9)
    expect(minIoU).toBeGreaterThan(0.9)
  })

  it('PNG masks of our own export re-import with no flag at all: the same classes and identical masks, holes included', async () => {
    const out = join(dir, 'out-masks-noflag')
    await runExport(source, { format: 'masks', out, copyImages: true })
    // No --trace-tolerance, no --mask-classes, no --create-classes: just the folders, as the README's re-import line.
    const ws = Workspace.create(join(dir, 'ws-masks-noflag'))
    opened.push(ws)
    const summary = await importFolder(ws, { folder: join(out, 'images'), masks: [join(out, 'defects'), join(out, 'regions')] })
    expect(summary.failed).toEqual([])
    expect(summary.labels.failed).toEqual([])
    // The classes: every class of the export by name and kind, nothing created beside them.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { classes: { name: string; kind: string }[] }
    const kinds = new Map(listClasses(ws).map((c) => [c.name, c.kind]))
    for (const c of manifest.classes) expect(kinds.get(c.name), c.name).toBe(c.kind)
    expect(summary.labels.createdClasses).toEqual([])

    const byHash = new Map(frames(ws).map((f) => [f.hash, f]))
    let compared = 0
    let holes = 0
    for (const f of exportedFrames()) {
      const g = byHash.get(f.hash)!
      const got = named(ws, listLabels(ws, g.id))
      const want = named(source, listLabels(source, f.id))
      expect(new Set(got.map((l) => l.cls.name))).toEqual(new Set(want.map((l) => l.cls.name)))
      const stem = f.rel.replace(/\.jpg$/, '')
      for (const [kind, folder] of [['defect', 'defects'], ['region', 'regions']] as const) {
        // The exported file read by the independent PNG reader (palette indices), never by the app's own.
        const png = readPngOracle(readFileSync(join(out, folder, `${stem}.png`)))
        expect([png.colourType, png.width, png.height]).toEqual([3, W, H])
        expect(same(png.data, classMask(want, kind)), `${stem} ${kind}: export`).toBe(true)
        expect(same(classMask(got, kind), png.data), `${stem} ${kind}: re-import`).toBe(true)
        compared++
      }
      if (f.id === holeFrame) {
        const png = readPngOracle(readFileSync(join(out, 'defects', `${stem}.png`)))
        const fold = manifest.classes.findIndex((c) => c.name === 'fold')
        const at = (x: number, y: number): number => png.data[y * W + x]!
        // The ring's hole is background in the mask and stays so; the crack sits in the fold.
        expect([at(40, 240), at(25, 240), at(115, 250), at(100, 250)]).toEqual([0, fold + 1, at(115, 250), fold + 1])
        expect(at(115, 250)).not.toBe(fold + 1)
        holes++
      }
    }
    expect(holes).toBe(1)
    expect(compared).toBe(2 * exportedFrames().length)
  })

  it('MVTec: the defect masks come back identical, normal frames as normal, in their folders splits', async () => {
    const out = join(dir, 'out-mvtec')
    await runExport(source, { format: 'mvtec', out })
    const ws = await fresh('ws-mvtec', { folder: out, mvtec: true, traceTolerance: 0 })
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { frames: { id: number; files: string[] }[] }
    const byRel = new Map(frames(ws).map((f) => [f.rel, f]))
    expect(byRel.size).toBe(manifest.frames.length)
    let defective = 0
    for (const m of manifest.frames) {
      const g = byRel.get(m.files[0]!)!
      const got = named(ws, listLabels(ws, g.id))
      const [split, label] = m.files[0]!.split('/') as [string, string]
      expect(g.split).toBe(split)
      if (label === 'good') {
        expect(g.status).toBe('normal')
        expect(got).toEqual([])
        continue
      }
      defective++
      expect(g.status).toBe('labeled')
      expect(new Set(got.map((l) => l.cls.name))).toEqual(new Set([label]))
      const file = await readClassMask(readFileSync(join(out, m.files[1]!)))
      expect(same(file.data, unionMask(named(source, listLabels(source, m.id))))).toBe(true)
      expect(same(unionMask(got), file.data)).toBe(true)
    }
    expect(defective).toBeGreaterThan(0)
  })
})

function overlaps(a: number[], b: number[]): boolean {
  const ma = new Uint8Array(W * H)
  rasterizeInto(ma, W, H, a, 1)
  const mb = new Uint8Array(W * H)
  rasterizeInto(mb, W, H, b, 1)
  for (let i = 0; i < ma.length; i++) if (ma[i] && mb[i]) return true
  return false
}
