/**
 * The review on a model without an output for one workspace class, with two
 * defect classes firing on the same pixels: counts and MPA/MIoU follow the
 * one threshold rule (the higher defect class takes a pixel), and the
 * untrained class's labels are left out, as the evaluation leaves them out.
 * Expectations are counted by hand from the maps below.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../test/fixtures'
import { ensureClass, listClasses } from '../classes'
import { EventHub } from '../events'
import { importFolder } from '../import/runImport'
import { queryImages } from '../images'
import { encodeProbability } from '../../../shared/review/mapCode'
import { saveFrameLabels } from '../labels'
import { Workspace } from '../workspace'
import { ReviewService } from './reviewService'

const W = 20
const H = 10

let ws: Workspace
let cleanup: () => void
let review: ReviewService
let ids: Record<'fold' | 'crack' | 'lathe' | 'scratch', number>

function columns(from: number, to: number, value: number): Uint8Array {
  const m = new Uint8Array(W * H)
  for (let y = 0; y < H; y++) for (let x = from; x < to; x++) m[y * W + x] = value
  return m
}

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const frames = join(tmp.dir, 'frames')
  mkdirSync(frames)
  await sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } }).png().toFile(join(frames, 'a_D01.png'))
  ws = Workspace.create(join(tmp.dir, 'ws'))
  await importFolder(ws, { folder: frames })
  const scratch = ensureClass(ws, 'scratch', 'defect').cls
  const byName = new Map(listClasses(ws).map((c) => [c.name, c.id]))
  ids = { fold: byName.get('fold')!, crack: byName.get('edge_crack')!, lathe: byName.get('lathe')!, scratch: scratch.id }
  const imageId = queryImages(ws, {}, 0, 1).items[0]!.id
  // fold over columns 0-9; scratch (which the model never saw) over the top-left 5x5 of it.
  saveFrameLabels(
    ws,
    imageId,
    [
      { classId: ids.fold, points: [0, 0, 10, 0, 10, 10, 0, 10] },
      { classId: ids.scratch, points: [0, 0, 5, 0, 5, 5, 0, 5] }
    ],
    'inspector'
  )
  const modelDir = join(tmp.dir, 'model')
  mkdirSync(modelDir)
  const trained = [
    { name: 'fold', kind: 'defect' },
    { name: 'edge_crack', kind: 'defect' },
    { name: 'lathe', kind: 'region' }
  ]
  writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ classes: trained, untrainedClasses: ['scratch'] }))
  ws.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
  ws.db
    .prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, ?, ?, 1, 'now')")
    .run(modelDir, JSON.stringify({ fold: 0.5, edge_crack: 0.5, lathe: 0.5 }))
  const dir = join(ws.paths.cache, 'predictions', 'model-1', String(imageId))
  mkdirSync(dir, { recursive: true })
  const grey = (data: Uint8Array, name: string) => sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, name))
  // fold 0.78 over columns 0-9, edge_crack 0.94 over columns 5-14, stored as the engine does: edge_crack takes columns 5-9.
  await grey(columns(0, 10, encodeProbability(0.78)), 'logit-fold.png')
  await grey(columns(5, 15, encodeProbability(0.94)), 'logit-edge_crack.png')
  await grey(new Uint8Array(W * H), 'logit-lathe.png')
  ws.db.prepare("INSERT INTO predictions (model_id, image_id, score, class_scores, maps_path, run_id, created_at) VALUES (1, ?, 0.9, '{}', ?, 1, 't')").run(imageId, dir)
  review = new ReviewService(ws, new EventHub())
})

afterAll(() => {
  ws?.close()
  cleanup?.()
})

describe('a model without an output for a class, two defect classes on one pixel', () => {
  it('lists the class as not trained and counts the others under the one threshold rule', async () => {
    const q = await review.queue({})
    expect(q.untrainedClassIds).toEqual([ids.scratch])
    expect(q.counts[String(ids.scratch)]).toBeUndefined()
    const item = q.items[0]!
    expect(item.classes.map((c) => c.classId)).toEqual([ids.fold, ids.crack, ids.lathe])
    const cls = (id: number) => item.classes.find((c) => c.classId === id)!
    // fold keeps columns 0-4 (50 px) of its 100 labelled; edge_crack takes 5-14 (100 px, no label).
    expect(cls(ids.fold)).toMatchObject({ predicted: 50, outside: 0, missed: 50, labelled: 100, outcome: 'tp' })
    expect(cls(ids.crack)).toMatchObject({ predicted: 100, outside: 100, missed: 0, labelled: 0, outcome: 'fp' })
    // edge_crack out of the way: fold gets its whole label back.
    const high = (await review.queue({ thresholds: { edge_crack: 0.99 } })).items[0]!
    expect(high.classes.find((c) => c.classId === ids.fold)).toMatchObject({ predicted: 100, missed: 0 })
  })

  it('computes MPA and MIoU over background and the trained defect classes only', async () => {
    const m = await review.metrics({})
    expect(m.overall.classes.map((c) => c.classId)).toEqual([ids.fold, ids.crack, ids.lathe])
    // Truth (rows) against prediction, 200 px: fold 100 -> fold 50, edge_crack 50; background 100 -> edge_crack 50, background 50.
    // IoU: background 50/100, fold 50/100, edge_crack 0/100 -> MIoU 1/3. Accuracy: background 0.5, fold 0.5 (edge_crack has no truth) -> MPA 0.5.
    expect(m.overall.miou).toBeCloseTo(1 / 3, 12)
    expect(m.overall.mpa).toBeCloseTo(0.5, 12)
    const fold = m.overall.classes.find((c) => c.classId === ids.fold)!
    expect(fold).toMatchObject({ precision: 1, recall: 0.5, iou: 0.5 })
  })
})
