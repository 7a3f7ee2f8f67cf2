/**
 * Verdicts by split, their confirmation and their undo, on a real workspace
 * with real PNG maps. What a verdict adds is checked against the oracle of
 * acceptFixture.ts; what it leaves alone against the labels and status read
 * before it, straight from SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rasterizePolygon } from '../../../shared/geometry/raster'
import { EventHub } from '../events'
import { getImage } from '../images'
import { labelHistory, listLabels, saveFrameLabels } from '../labels'
import { previewAccept } from '../predictions/accept'
import { H, W, iou, makeAcceptFixture, oracleFoldPieces, type AcceptFixture } from '../predictions/acceptFixture'
import { ReviewService } from './reviewService'

let fx: AcceptFixture
let review: ReviewService
const T50 = { fold: 0.5, edge_crack: 0.5 }

beforeAll(async () => {
  fx = await makeAcceptFixture({ a: 'test', b: 'test', c: 'test', d: 'train', e: 'val', f: 'train' })
  review = new ReviewService(fx.ws, new EventHub())
})
afterAll(() => fx?.cleanup())

/** Pins a frame's split: a frame's first defect label may re-stratify it (splits/restratify.ts), which is not under test here. */
function pin(id: number, split: 'train' | 'val' | 'test'): void {
  fx.ws.db.prepare('UPDATE images SET split = ? WHERE id = ?').run(split, id)
}

/** Everything a verdict could change on a frame: its labels (ids, classes, points), status and label history. */
function frameState(id: number) {
  return {
    labels: listLabels(fx.ws, id).map((l) => ({ id: l.id, classId: l.classId, points: l.points, revision: l.revision })),
    status: getImage(fx.ws, id).status,
    revisions: labelHistory(fx.ws, id).length
  }
}

describe('a test frame', () => {
  it('records T and F as pending and changes no label and no status until confirmed', async () => {
    const a = fx.frames.a!
    // One hand-drawn label, so "unchanged" covers an existing label too.
    saveFrameLabels(fx.ws, a, [{ classId: fx.edge, points: [1, 20, 6, 20, 6, 28, 1, 28] }], 'inspector')
    pin(a, 'test')
    const before = frameState(a)
    const t = await review.verdict({ imageId: a, verdict: 'true_defect', classId: fx.fold, thresholds: T50 }, 'qc')
    expect(t.pending).toBe(true)
    expect(t.labelsAdded).toBe(0)
    expect(t.verdicts).toMatchObject([{ verdict: 'true_defect', state: 'pending', classId: fx.fold }])
    expect(frameState(a)).toEqual(before)

    const b = fx.frames.b!
    const beforeB = frameState(b)
    expect(beforeB.status).toBe('unlabeled')
    const f = await review.verdict({ imageId: b, verdict: 'false_positive', thresholds: T50 }, 'qc')
    expect(f.pending).toBe(true)
    expect(f.status).toBe('unlabeled')
    expect(frameState(b)).toEqual(beforeB)

    expect((await review.pendingVerdicts(a)).map((v) => v.id)).toEqual([t.verdicts[0]!.id])
    expect((await review.pendingVerdicts(b)).map((v) => v.verdict)).toEqual(['false_positive'])
    // The queue shows the verdict, as pending.
    const item = (await review.queue({})).items.find((i) => i.imageId === a)!
    expect(item.verdict).toMatchObject({ verdict: 'true_defect', state: 'pending' })
  })

  it('confirming a pending T adds the pieces the service traces at the verdict\'s thresholds; confirming F marks the frame normal', async () => {
    const a = fx.frames.a!
    const [pending] = review.pendingVerdicts(a)
    const labelsBefore = listLabels(fx.ws, a).map((l) => l.id)
    const r = await review.resolveVerdict(pending!.id, 'confirm', 'inspector')
    expect(r.verdicts[0]).toMatchObject({ state: 'confirmed' })
    expect(r.labelsAdded).toBe(3)
    const added = listLabels(fx.ws, a).filter((l) => !labelsBefore.includes(l.id))
    expect(added.map((l) => l.id)).toEqual(r.verdicts[0]!.labelIds)
    const oracle = await oracleFoldPieces(fx.mapsDir(a), T50)
    for (const piece of oracle) expect(Math.max(...added.map((l) => iou(rasterizePolygon(l.points, W, H), piece)))).toBeGreaterThanOrEqual(0.9)
    expect(getImage(fx.ws, a).status).toBe('labeled')
    expect(review.pendingVerdicts(a)).toEqual([])

    const b = fx.frames.b!
    const [fp] = review.pendingVerdicts(b)
    expect((await review.resolveVerdict(fp!.id, 'confirm', 'inspector')).status).toBe('normal')
    expect(getImage(fx.ws, b).status).toBe('normal')
    // Settled once: a second confirmation is refused.
    await expect(review.resolveVerdict(fp!.id, 'confirm', 'inspector')).rejects.toThrow(/confirmed, not pending/)
  })

  it('dismissing a pending verdict changes nothing but the verdict', async () => {
    const c = fx.frames.c!
    const t = await review.verdict({ imageId: c, verdict: 'true_defect', thresholds: T50 }, 'qc')
    const before = frameState(c)
    const r = await review.resolveVerdict(t.verdicts[0]!.id, 'dismiss', 'inspector')
    expect(r.verdicts[0]!.state).toBe('dismissed')
    expect(frameState(c)).toEqual(before)
    // A dismissed verdict no longer stands as the frame's verdict.
    expect((await review.queue({})).items.find((i) => i.imageId === c)!.verdict).toBeNull()
  })
})

describe('a training or validation frame', () => {
  it('takes T at once, through the accept service, and undo restores the labels and status exactly while the history keeps both', async () => {
    const d = fx.frames.d!
    saveFrameLabels(fx.ws, d, [{ classId: fx.fold, points: [4, 4, 12, 4, 12, 10, 4, 10] }], 'inspector')
    pin(d, 'train')
    const before = frameState(d)
    const preview = await previewAccept(fx.ws, { imageId: d, thresholds: T50 })
    const r = await review.verdict({ imageId: d, verdict: 'true_defect', thresholds: T50 }, 'qc')
    expect(r.pending).toBe(false)
    // Every defect class: fold's two unlabelled pieces and edge_crack's strip; piece A was drawn already.
    expect(r.labelsAdded).toBe(preview.add.length)
    expect(preview.add.map((p) => p.classId).sort()).toEqual([fx.fold, fx.fold, fx.edge].sort())
    expect(listLabels(fx.ws, d)).toHaveLength(before.labels.length + 3)

    const u = await review.undoVerdict(r.verdicts.map((v) => v.id), 'qc')
    expect(u.verdicts.every((v) => v.state === 'undone')).toBe(true)
    const after = frameState(d)
    expect({ labels: after.labels, status: after.status }).toEqual({ labels: before.labels, status: before.status })
    // Three creations and three deletions recorded.
    const history = labelHistory(fx.ws, d).slice(before.revisions)
    expect(history.map((h) => h.op).sort()).toEqual(['create', 'create', 'create', 'delete', 'delete', 'delete'])
    // An undone verdict cannot be undone again, nor stands as the frame's verdict.
    await expect(review.undoVerdict([r.verdicts[0]!.id], 'qc')).rejects.toThrow(/undone/)
    expect((await review.queue({})).items.find((i) => i.imageId === d)!.verdict).toBeNull()
  })

  it('undo of T on an unlabelled frame returns it to unlabeled; undo of F returns a normal frame to its status', async () => {
    const f = fx.frames.f!
    expect(getImage(fx.ws, f).status).toBe('unlabeled')
    const t = await review.verdict({ imageId: f, verdict: 'true_defect', classId: fx.fold, thresholds: T50 }, 'qc')
    expect(getImage(fx.ws, f).status).toBe('labeled')
    pin(f, 'train')
    await review.undoVerdict(t.verdicts.map((v) => v.id), 'qc')
    expect(getImage(fx.ws, f).status).toBe('unlabeled')
    expect(listLabels(fx.ws, f)).toEqual([])

    const e = fx.frames.e!
    const fp = await review.verdict({ imageId: e, verdict: 'false_positive', thresholds: T50 }, 'qc')
    expect(fp.status).toBe('normal')
    await review.undoVerdict([fp.verdicts[0]!.id], 'qc')
    expect(getImage(fx.ws, e).status).toBe('unlabeled')
  })

  it('refuses to undo a T whose labels were edited since', async () => {
    const f = fx.frames.f!
    pin(f, 'train')
    const t = await review.verdict({ imageId: f, verdict: 'true_defect', classId: fx.fold, thresholds: T50 }, 'qc')
    const labels = listLabels(fx.ws, f)
    saveFrameLabels(
      fx.ws,
      f,
      labels.map((l, k) => ({ id: l.id, classId: l.classId, points: k === 0 ? l.points.map((v) => v + 0.5) : l.points })),
      'inspector'
    )
    await expect(review.undoVerdict(t.verdicts.map((v) => v.id), 'qc')).rejects.toThrow(/edited or removed since/)
    expect(listLabels(fx.ws, f)).toHaveLength(labels.length)
  })
})
