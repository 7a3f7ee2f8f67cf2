/**
 * The review service on a real workspace (imported PNG frames, SQLite) with
 * prediction maps written as the ML engine writes them: statistics from the
 * maps, the queue's order and counts at any threshold, verdicts, saved
 * thresholds, metrics, the served maps and the HTML report.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Events } from '../../../shared/contract'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { encodeProbability } from '../../../shared/review/mapCode'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { EventHub } from '../events'
import { importFolder } from '../import/runImport'
import { getImage, queryImages, setStatus } from '../images'
import { listLabels, saveFrameLabels } from '../labels'
import { Workspace } from '../workspace'
import { ReviewService } from './reviewService'

const W = 40
const H = 30
const SQUARE = [5, 5, 15, 5, 15, 15, 5, 15] // pixels 5..14 x 5..14: 100 px

let ws: Workspace
let cleanup: () => void
let review: ReviewService
const events = new EventHub()
const changes: Events['workspace.changed']['what'][] = []
events.subscribe((e, p) => e === 'workspace.changed' && changes.push((p as Events['workspace.changed']).what))
let ids: Record<'normalFp' | 'tp' | 'missed' | 'uncertain' | 'fp', number>
let fold: number
let modelId: number
let mapsRoot: string

/** A fold map as the engine stores it (src/shared/review/mapCode.ts) from the probability at each pixel. */
function probMap(fill: (x: number, y: number) => number): Uint8Array {
  const m = new Uint8Array(W * H)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = encodeProbability(fill(x, y))
  return m
}
const inRect = (x: number, y: number, x0: number, y0: number, x1: number, y1: number): boolean => x >= x0 && x < x1 && y >= y0 && y < y1

async function writeMaps(imageId: number, foldProb: Uint8Array): Promise<void> {
  const dir = join(mapsRoot, String(imageId))
  mkdirSync(dir, { recursive: true })
  const grey = (data: Uint8Array, name: string) => sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, name))
  await grey(foldProb, 'logit-fold.png')
  await grey(new Uint8Array(W * H), 'logit-edge_crack.png')
  await grey(new Uint8Array(W * H).fill(encodeProbability(0.04)), 'logit-lathe.png')
  await sharp(new Uint8Array(W * H * 3).fill(120), { raw: { width: W, height: H, channels: 3 } }).png().toFile(join(dir, 'recon.png'))
  ws.db
    .prepare("INSERT INTO predictions (model_id, image_id, score, class_scores, maps_path, run_id, created_at) VALUES (?, ?, 0, '{}', ?, 1, ?)")
    .run(modelId, imageId, dir, `t-${imageId}`)
}

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const frames = join(tmp.dir, 'frames')
  mkdirSync(frames)
  const names = ['a', 'b', 'c', 'd', 'e']
  for (const [k, n] of names.entries()) {
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 40 * k, g: 90, b: 200 - 30 * k } } })
      .png()
      .toFile(join(frames, `line_${k < 3 ? 'D01' : 'D02'}_${n}.png`))
  }
  ws = Workspace.create(join(tmp.dir, 'ws'))
  await importFolder(ws, { folder: frames })
  const byName = new Map(queryImages(ws, {}, 0, 10).items.map((i) => [i.relPath.replace(/^.*_/, '').replace('.png', ''), i.id]))
  ids = { normalFp: byName.get('a')!, tp: byName.get('b')!, missed: byName.get('c')!, uncertain: byName.get('d')!, fp: byName.get('e')! }
  fold = listClasses(ws).find((c) => c.name === 'fold')!.id
  setStatus(ws, [ids.normalFp], 'normal')
  // Verdicts act at once on training frames; a test frame's wait for confirmation (verdicts.test.ts).
  ws.db.prepare("UPDATE images SET split = 'train'").run()
  saveFrameLabels(ws, ids.tp, [{ classId: fold, points: SQUARE }], 'inspector')
  saveFrameLabels(ws, ids.missed, [{ classId: fold, points: SQUARE }], 'inspector')
  ws.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
  modelId = Number(
    ws.db
      .prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, 'm', ?, 1, 'now')")
      .run(JSON.stringify({ fold: 0.5, edge_crack: 0.5, lathe: 0.5 })).lastInsertRowid
  )
  mapsRoot = join(ws.paths.cache, 'predictions', `model-${modelId}`)
  await writeMaps(ids.normalFp, probMap((x, y) => (inRect(x, y, 20, 10, 30, 20) ? 0.78 : 0))) // normal frame firing at 0.78
  await writeMaps(ids.tp, probMap((x, y) => (inRect(x, y, 5, 5, 15, 15) ? 0.86 : 0))) // exactly the label
  await writeMaps(ids.missed, probMap(() => 0)) // nothing found
  await writeMaps(ids.uncertain, probMap((x, y) => (inRect(x, y, 0, 0, 4, 4) ? 0.47 : 0))) // just under 0.5
  await writeMaps(ids.fp, probMap((x, y) => (inRect(x, y, 10, 20, 30, 25) ? 0.95 : 0))) // 100 px on an unlabelled frame
  review = new ReviewService(ws, events)
})

afterAll(() => {
  ws?.close()
  cleanup?.()
})

describe('review queue', () => {
  it('orders frames by false-positive evidence, then missed defects, then uncertainty, from statistics of the maps', async () => {
    const q = await review.queue({})
    expect(q.pending).toBe(0)
    expect(q.items.map((i) => i.imageId)).toEqual([ids.normalFp, ids.fp, ids.missed, ids.uncertain, ids.tp])
    expect(q.items.map((i) => i.evidence.tier)).toEqual(['fp', 'fp', 'missed', 'uncertain', 'rest'])
    const fp = q.items.find((i) => i.imageId === ids.fp)!.classes.find((c) => c.classId === fold)!
    expect(fp).toMatchObject({ predicted: 100, outside: 100, missed: 0, labelled: 0, outcome: 'fp' })
    expect(q.items.find((i) => i.imageId === ids.tp)!.classes.find((c) => c.classId === fold)).toMatchObject({ predicted: 100, outside: 0, labelled: 100, outcome: 'tp' })
    expect(q.counts[String(fold)]).toEqual({ tp: 1, fp: 2, fn: 1, tn: 1 })
    expect(q.countsByView['D02']![String(fold)]).toEqual({ tp: 0, fp: 1, fn: 0, tn: 1 })
    expect(q.thresholds).toMatchObject({ fold: 0.5 })
  })

  it('recounts at new thresholds from the stored statistics alone, without the maps', async () => {
    // A fresh service reads the statistics back from SQLite; the maps are moved away meanwhile.
    renameSync(mapsRoot, `${mapsRoot}.away`)
    try {
      const fresh = new ReviewService(ws, events)
      const q = await fresh.queue({ thresholds: { fold: 0.9 } }) // only the 0.95 blob stays predicted
      expect(q.counts[String(fold)]).toEqual({ tp: 0, fp: 1, fn: 2, tn: 2 })
      expect(q.items[0]!.imageId).toBe(ids.fp)
      const low = await fresh.queue({ thresholds: { fold: 0.4 } })
      expect(low.items.find((i) => i.imageId === ids.uncertain)!.evidence.tier).toBe('fp')
    } finally {
      renameSync(`${mapsRoot}.away`, mapsRoot)
    }
  })

  it('filters by view, class and verdict, and counts frames without predictions', async () => {
    expect((await review.queue({ filter: { views: ['D02'] } })).items.map((i) => i.imageId).sort()).toEqual([ids.uncertain, ids.fp].sort())
    // The lathe map is flat at 0.04: with a class filter on lathe nothing is predicted or labelled.
    const lathe = listClasses(ws).find((c) => c.name === 'lathe')!.id
    expect((await review.queue({ filter: { classIds: [lathe] } })).items).toEqual([])
    expect((await review.queue({ filter: { verdicts: ['none'] } })).items).toHaveLength(5)
    expect((await review.queue({})).withoutPredictions).toBe(0)
  })

  it('counts a frame again when its labels change', async () => {
    saveFrameLabels(ws, ids.missed, [], 'inspector')
    const q = await review.queue({})
    expect(q.items.find((i) => i.imageId === ids.missed)!.classes.find((c) => c.classId === fold)!.outcome).toBe('tn')
    saveFrameLabels(ws, ids.missed, [{ classId: fold, points: SQUARE }], 'inspector')
    expect((await review.queue({})).items.find((i) => i.imageId === ids.missed)!.evidence.tier).toBe('missed')
  })
})

describe('metrics and curves', () => {
  it('computes MPA, MIoU and per-class F1 from the maps, and ROC/PR curves with the operating point', async () => {
    const m = await review.metrics({})
    const f = m.overall.classes.find((c) => c.classId === fold)!
    // TP 100 (b), FP 100 (a) + 100 (e), FN 100 (c).
    expect(f).toMatchObject({ precision: 1 / 3, recall: 0.5, f1: 0.4, iou: 0.25 })
    expect(m.overall.frames).toBe(5)
    expect(m.perView['D01']!.frames).toBe(3)
    expect(m.overall.miou).toEqual(expect.any(Number))
    const curve = m.curves.find((c) => c.classId === fold)!
    expect(curve.positives).toBe(200)
    expect(curve.operating).toMatchObject({ tp: 100, fp: 200, fn: 100 })
    expect(curve.auroc).toBeGreaterThan(0.5)
    // Moving the threshold moves the operating point and F1.
    const high = await review.metrics({ thresholds: { fold: 0.88 } })
    expect(high.overall.classes.find((c) => c.classId === fold)!.f1).toBeCloseTo((2 * 0) / (0 + 100 + 200), 12)
  })
})

describe('verdicts', () => {
  it('a true defect turns the thresholded prediction into model polygons appended to the labels', async () => {
    const before = listLabels(ws, ids.fp).length
    const r = await review.verdict({ imageId: ids.fp, verdict: 'true_defect', thresholds: { fold: 0.5 } }, 'engineer')
    expect(r.labelsAdded).toBe(1)
    expect(r.status).toBe('labeled')
    expect(r.verdicts).toMatchObject([{ verdict: 'true_defect', classId: fold, author: 'engineer', modelId }])
    const labels = listLabels(ws, ids.fp)
    expect(labels).toHaveLength(before + 1)
    const added = labels[labels.length - 1]!
    expect(added.source).toBe('model')
    const mask = rasterizePolygon(added.points, W, H)
    expect(mask.reduce((a, b) => a + b, 0)).toBe(100)
    // Counted again at once: now a true positive, with the verdict on the item.
    const item = (await review.queue({})).items.find((i) => i.imageId === ids.fp)!
    expect(item.classes.find((c) => c.classId === fold)!.outcome).toBe('tp')
    expect(item.verdict?.verdict).toBe('true_defect')
    expect(changes).toContain('labels')
    // Accepting again adds nothing: the prediction is already labelled.
    await expect(review.verdict({ imageId: ids.fp, verdict: 'true_defect' }, 'engineer')).rejects.toThrow(/Nothing new to accept/)
  })

  it('a false positive makes a frame without defect labels normal and keeps a labelled one', async () => {
    const r = await review.verdict({ imageId: ids.uncertain, verdict: 'false_positive', note: 'scale, not a fold' }, 'engineer')
    expect(r.status).toBe('normal')
    expect(getImage(ws, ids.uncertain).status).toBe('normal')
    expect(r.verdicts[0]).toMatchObject({ verdict: 'false_positive', note: 'scale, not a fold', classId: null })
    expect((await review.verdict({ imageId: ids.tp, verdict: 'false_positive' }, 'engineer')).status).toBe('labeled')
    await review.verdict({ imageId: ids.missed, verdict: 'missed_defect' }, 'engineer')
    const q = await review.queue({ filter: { verdicts: ['false_positive'] } })
    expect(q.items.map((i) => i.imageId).sort()).toEqual([ids.uncertain, ids.tp].sort())
    expect((await review.queue({ filter: { verdicts: ['missed_defect'] } })).items.map((i) => i.imageId)).toEqual([ids.missed])
  })
})

describe('thresholds', () => {
  it('saves thresholds as the next revision and keeps the history', async () => {
    const saved = review.setThresholds(modelId, { fold: 0.7 }, 'engineer', 'fewer false alarms')
    expect(saved).toMatchObject({ revision: 2, thresholds: { fold: 0.7, edge_crack: 0.5, lathe: 0.5 } })
    const history = ws.db.prepare('SELECT revision, thresholds, author, note FROM model_threshold_revisions WHERE model_id = ? ORDER BY revision').all(modelId)
    expect(history).toEqual([
      { revision: 1, thresholds: JSON.stringify({ fold: 0.5, edge_crack: 0.5, lathe: 0.5 }), author: 'training', note: 'chosen by the training run' },
      { revision: 2, thresholds: JSON.stringify({ fold: 0.7, edge_crack: 0.5, lathe: 0.5 }), author: 'engineer', note: 'fewer false alarms' }
    ])
    const q = await review.queue({})
    expect(q.thresholdRevision).toBe(2)
    expect(q.thresholds['fold']).toBe(0.7)
    expect(review.models()[0]).toMatchObject({ id: modelId, thresholdRevision: 2, predictions: 5, active: true })
    expect(() => review.setThresholds(modelId, { nosuch: 0.3 }, 'engineer')).toThrow(/no class named "nosuch"/)
  })
})

describe('maps and report', () => {
  it('serves the cached PNGs of a frame', async () => {
    const maps = await review.maps(modelId, ids.tp)
    expect(maps.recon).toMatchObject({ mime: 'image/png', width: W, height: H })
    expect(maps.probs.map((p) => p.classId).sort()).toEqual(listClasses(ws).map((c) => c.id).sort())
    const probFold = maps.probs.find((p) => p.classId === fold)!
    const { data, info } = await sharp(Buffer.from(probFold.data)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height]).toEqual([W, H])
    expect(data[7 * W + 7]).toBe(encodeProbability(0.86)) // the stored bytes, as they are
    await expect(review.maps(modelId, 999)).rejects.toThrow(/no prediction for frame 999/)
  })

  it('writes a self-contained HTML report with metrics, curves and the worst frames as strips', async () => {
    const r = await review.report({ thresholds: { fold: 0.5 } })
    expect(existsSync(r.path)).toBe(true)
    expect(r.path.startsWith(join(ws.dir, 'reports'))).toBe(true)
    const html = readFileSync(r.path, 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/https?:|\/\/[a-z]|<link|<script|src="(?!data:)/i)
    expect(html).toContain('<svg')
    expect(html).toContain('MIoU')
    // FP strips: the normal frame; FN strips: the missed frame; four images each.
    const strips = html.split('<div class="strip">').length - 1
    expect(strips).toBe(2)
    expect((html.match(/<img src="data:image\/(png|jpeg);base64,/g) ?? []).length).toBe(8)
  })
})

describe('a frame larger than the panes need, with a map from an earlier version', () => {
  it('counts at full resolution and serves reduced copies of its maps in the stored code, made by the statistics pass', async () => {
    const tmp = tempDir()
    const [w, h] = [1200, 60]
    const frames = join(tmp.dir, 'frames')
    mkdirSync(frames)
    await sharp({ create: { width: w, height: h, channels: 3, background: '#777' } }).png().toFile(join(frames, 'big_D03.png'))
    const big = Workspace.create(join(tmp.dir, 'ws'))
    try {
      await importFolder(big, { folder: frames })
      const imageId = queryImages(big, {}, 0, 1).items[0]!.id
      big.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
      big.db.prepare(`INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, 'm', '{"fold":0.5}', 1, 'now')`).run()
      const dir = join(big.paths.cache, 'predictions', 'model-1', String(imageId))
      mkdirSync(dir, { recursive: true })
      const prob = new Uint8Array(w * h)
      for (let y = 10; y < 30; y++) for (let x = 100; x < 700; x++) prob[y * w + x] = 200 // 12000 px at 0.78
      // Probability x 255, as versions before the logit code wrote their maps.
      await sharp(prob, { raw: { width: w, height: h, channels: 1 } }).png().toFile(join(dir, 'prob-fold.png'))
      await sharp(new Uint8Array(w * h * 3).fill(90), { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(dir, 'recon.png'))
      big.db.prepare("INSERT INTO predictions (model_id, image_id, score, maps_path, created_at) VALUES (1, ?, 0.8, ?, 't')").run(imageId, dir)
      const service = new ReviewService(big, events)
      const q = await service.queue({})
      expect(q.items[0]!.classes[0]).toMatchObject({ predicted: 12000, outside: 12000 })
      const reduced = join(big.paths.cache, 'review', 'model-1', String(imageId))
      // The statistics pass made the copies already.
      expect(existsSync(join(reduced, 'prob-fold.code.png'))).toBe(true)
      expect(existsSync(join(reduced, 'recon.jpg'))).toBe(true)
      const maps = await service.maps(1, imageId)
      expect(maps.recon).toMatchObject({ mime: 'image/jpeg', width: 1024, height: 51 })
      const p = maps.probs[0]!
      expect(p).toMatchObject({ mime: 'image/png', width: 1024, height: 51 })
      const meta = await sharp(Buffer.from(p.data)).metadata()
      expect(meta.channels).toBe(1)
      const { data } = await sharp(Buffer.from(p.data)).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
      // 200 / 255 in the code, from its definition: the byte nearest (logit + 16) x 255 / 32.
      expect(data[Math.round(20 * (51 / 60)) * 1024 + 350]).toBe(Math.round(((Math.log(200 / 55) + 16) * 255) / 32))
      const low = await service.queue({ thresholds: { fold: 0.8 } })
      expect(low.items[0]!.classes[0]).toMatchObject({ predicted: 0 })
    } finally {
      big.close()
      tmp.cleanup()
    }
  })
})
