/**
 * The accept service on a real workspace with real PNG maps: what it adds is
 * checked against the oracle of acceptFixture.ts (the maps read back and
 * thresholded there), never against the service's own tracing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StudioError } from '../../../shared/contract'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { EventHub } from '../events'
import { getImage } from '../images'
import { listLabels, saveFrameLabels } from '../labels'
import { ReviewService } from '../review/reviewService'
import { acceptAsLabels, previewAccept } from './accept'
import { H, W, iou, makeAcceptFixture, oracleFoldPieces, type AcceptFixture } from './acceptFixture'

let fx: AcceptFixture
const T50 = { fold: 0.5, edge_crack: 0.5 }

beforeAll(async () => {
  fx = await makeAcceptFixture({ a: 'train', b: 'train', c: 'val', d: 'train', e: 'train' })
})
afterAll(() => fx?.cleanup())

/** For each oracle piece, the one label whose pixels match it (IoU >= 0.9, the tracer's fidelity floor); fails otherwise. */
function matchPieces(labels: readonly { points: readonly number[] }[], pieces: readonly Uint8Array[]): number[] {
  const masks = labels.map((l) => rasterizePolygon(l.points, W, H))
  return pieces.map((p) => {
    const scores = masks.map((m) => iou(m, p))
    const best = Math.max(...scores)
    expect(best).toBeGreaterThanOrEqual(0.9)
    return scores.indexOf(best)
  })
}

function round3(points: readonly number[]): number[] {
  return points.map((v) => Math.round(v * 1000) / 1000)
}

describe('accept all of a class', () => {
  it('adds one model label per predicted piece of the class, each covering the thresholded component of the map', async () => {
    const id = fx.frames.a!
    const r = await acceptAsLabels(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50 }, 'qc')
    const oracle = await oracleFoldPieces(fx.mapsDir(id), T50)
    expect(oracle).toHaveLength(3)
    const labels = listLabels(fx.ws, id)
    expect(labels).toHaveLength(3)
    expect(labels.every((l) => l.classId === fx.fold && l.source === 'model')).toBe(true)
    expect(r.labelIds).toEqual(labels.map((l) => l.id))
    // Each label is one piece, and no two labels are the same piece.
    expect(new Set(matchPieces(labels, oracle)).size).toBe(3)
    // The columns edge_crack wins under the threshold rule stay out of the fold labels.
    const fold = new Uint8Array(W * H)
    for (const l of labels) rasterizePolygon(l.points, W, H).forEach((v, i) => (fold[i] ||= v))
    for (let y = 12; y < 26; y++) for (let x = 30; x < 34; x++) expect(fold[y * W + x]).toBe(0)
    expect(r.status).toBe('labeled')
  })

  it('at given thresholds the pieces follow them, not the saved ones', async () => {
    const t = { fold: 0.75, edge_crack: 0.5 }
    const p = await previewAccept(fx.ws, { imageId: fx.frames.b!, classId: fx.fold, thresholds: t })
    expect(p.thresholds.fold).toBe(0.75)
    const oracle = await oracleFoldPieces(fx.mapsDir(fx.frames.b!), t)
    const b = oracle.find((m) => m[20 * W + 27])!
    // Piece B shrinks to the columns at or above 0.75: x 26..29.
    expect(b.reduce((s, v) => s + v, 0)).toBe(4 * 14)
    expect(new Set(matchPieces(p.add, oracle)).size).toBe(oracle.length)
    // A preview writes nothing.
    expect(listLabels(fx.ws, fx.frames.b!)).toHaveLength(0)
  })
})

describe('accept one piece', () => {
  it('adds exactly the piece under a point, and a listed piece by its index', async () => {
    const id = fx.frames.d!
    const oracle = await oracleFoldPieces(fx.mapsDir(id), T50)
    const underB = oracle.find((m) => m[18 * W + 22])!
    const r = await acceptAsLabels(fx.ws, { imageId: id, classId: fx.fold, at: { x: 22.5, y: 18.5 }, thresholds: T50 }, 'qc')
    expect(r.add).toHaveLength(1)
    let labels = listLabels(fx.ws, id)
    expect(labels).toHaveLength(1)
    expect(iou(rasterizePolygon(labels[0]!.points, W, H), underB)).toBeGreaterThanOrEqual(0.9)
    // Another piece by index: the one whose ring holds the disc's centre.
    const preview = await previewAccept(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50 })
    const disc = preview.pieces.find((p) => rasterizePolygon(p.points, W, H)[7 * W + 40])!
    await acceptAsLabels(fx.ws, { imageId: id, classId: fx.fold, pieces: [disc.index], thresholds: T50 }, 'qc')
    labels = listLabels(fx.ws, id)
    expect(labels).toHaveLength(2)
    const discOracle = oracle.find((m) => m[7 * W + 40])!
    expect(iou(rasterizePolygon(labels[1]!.points, W, H), discOracle)).toBeGreaterThanOrEqual(0.9)
    // The rectangle A was never chosen: nothing covers it.
    const covered = new Uint8Array(W * H)
    for (const l of labels) rasterizePolygon(l.points, W, H).forEach((v, i) => (covered[i] ||= v))
    expect(covered[6 * W + 6]).toBe(0)
  })

  it('refuses a point off every piece, an unknown index and piece indices without a class, with a clear message', async () => {
    const id = fx.frames.d!
    await expect(previewAccept(fx.ws, { imageId: id, classId: fx.fold, at: { x: 1, y: 30 } })).rejects.toThrow(/No predicted piece at \(1, 30\)/)
    await expect(previewAccept(fx.ws, { imageId: id, classId: fx.fold, pieces: [7] })).rejects.toThrow(/No predicted piece 7 of fold/)
    await expect(previewAccept(fx.ws, { imageId: id, pieces: [0] })).rejects.toThrow(StudioError)
    await expect(previewAccept(fx.ws, { imageId: 9999 })).rejects.toThrow(/No image with id 9999/)
  })
})

describe('already labelled pieces', () => {
  it('are listed as labelled and skipped; a label of another class does not count', async () => {
    const id = fx.frames.e!
    const oracle = await oracleFoldPieces(fx.mapsDir(id), T50)
    // Piece A drawn by hand as fold; piece B covered only by an edge_crack label.
    saveFrameLabels(
      fx.ws,
      id,
      [
        { classId: fx.fold, points: [4, 4, 12, 4, 12, 10, 4, 10] },
        { classId: fx.edge, points: [20, 12, 30, 12, 30, 26, 20, 26] }
      ],
      'qc'
    )
    const p = await previewAccept(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50 })
    expect(p.pieces).toHaveLength(3)
    expect(p.pieces.filter((x) => x.labelled)).toHaveLength(1)
    expect(p.add).toHaveLength(2)
    const r = await acceptAsLabels(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50 }, 'qc')
    const added = listLabels(fx.ws, id).filter((l) => r.labelIds.includes(l.id))
    expect(added).toHaveLength(2)
    const hits = matchPieces(added, oracle.filter((m) => !m[6 * W + 6]))
    expect(new Set(hits).size).toBe(2)
    // Again: nothing left to add.
    expect((await acceptAsLabels(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50 }, 'qc')).labelIds).toEqual([])
    // The caller's own labels (the editor's unsaved ones) decide instead of the stored ones when given.
    expect((await previewAccept(fx.ws, { imageId: id, classId: fx.fold, thresholds: T50, labels: [] })).add).toHaveLength(3)
  })
})

describe('the editor and the review agree', () => {
  it("the editor's accept (a preview against its labels) and the review's T give identical polygons for the same frame, class and thresholds", async () => {
    const id = fx.frames.c!
    const t = { fold: 0.7, edge_crack: 0.5 }
    const editor = await previewAccept(fx.ws, { imageId: id, classId: fx.fold, thresholds: t, labels: listLabels(fx.ws, id) })
    const review = new ReviewService(fx.ws, new EventHub())
    const before = getImage(fx.ws, id).status
    expect(before).not.toBe('labeled')
    const r = await review.verdict({ imageId: id, verdict: 'true_defect', classId: fx.fold, thresholds: t }, 'qc')
    expect(r.pending).toBe(false)
    const added = listLabels(fx.ws, id).filter((l) => r.verdicts.flatMap((v) => v.labelIds).includes(l.id))
    expect(added.map((l) => round3(l.points))).toEqual(editor.add.map((p) => round3(p.points)))
    expect(added).toHaveLength(3)
  })
})
