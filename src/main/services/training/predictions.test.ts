/**
 * The editor's predicted masks come from the probability maps under the one
 * post-processor at the active model's current thresholds, not from the
 * mask-<class>.png the inference wrote at its own thresholds. Expectations
 * are counted by hand from the maps below: fold as the engine stores maps
 * now (logit-<class>.png, src/shared/review/mapCode.ts), edge_crack as
 * earlier versions did (prob-<class>.png, probability x 255).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeProbability } from '../../../shared/review/mapCode'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { importFolder } from '../import/runImport'
import { queryImages } from '../images'
import { Workspace } from '../workspace'
import { readPredictions } from './predictions'

const W = 20
const H = 10

let ws: Workspace
let cleanup: () => void
let imageId: number

function columns(from: number, to: number, value: number): Uint8Array {
  const m = new Uint8Array(W * H)
  for (let y = 0; y < H; y++) for (let x = from; x < to; x++) m[y * W + x] = value
  return m
}

const onColumns = (m: Uint8Array): number[] => [...new Set([...m.keys()].filter((i) => m[i]).map((i) => i % W))].sort((a, b) => a - b)
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k)

beforeAll(async () => {
  const tmp = tempDir()
  cleanup = tmp.cleanup
  const frames = join(tmp.dir, 'frames')
  mkdirSync(frames)
  await sharp({ create: { width: W, height: H, channels: 3, background: '#808080' } }).png().toFile(join(frames, 'a_D01.png'))
  ws = Workspace.create(join(tmp.dir, 'ws'))
  await importFolder(ws, { folder: frames })
  imageId = queryImages(ws, {}, 0, 1).items[0]!.id
  ws.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
  ws.db.prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, 'm', ?, 1, 'now')").run(JSON.stringify({ fold: 0.5, edge_crack: 0.5 }))
  const dir = join(ws.paths.cache, 'predictions', 'model-1', String(imageId))
  mkdirSync(dir, { recursive: true })
  const grey = (data: Uint8Array, name: string) => sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, name))
  await grey(columns(0, 10, encodeProbability(200 / 255)), 'logit-fold.png')
  await grey(columns(5, 15, 240), 'prob-edge_crack.png')
  // Written at other thresholds: never read for the masks.
  await grey(new Uint8Array(W * H), 'mask-fold.png')
  await grey(new Uint8Array(W * H).fill(255), 'mask-edge_crack.png')
  // No lathe map: the model was not trained on it.
  ws.db.prepare("INSERT INTO predictions (model_id, image_id, score, class_scores, maps_path, run_id, created_at) VALUES (1, ?, 0.9, '{}', ?, 1, 't')").run(imageId, dir)
})

afterAll(() => {
  ws?.close()
  cleanup?.()
})

describe('predictions for the editor', () => {
  it('derives the masks from the probability maps with the threshold rule at the saved thresholds', async () => {
    const byName = new Map(listClasses(ws).map((c) => [c.name, c.id]))
    const p = (await readPredictions(ws, imageId))!
    expect(p.heatmaps.map((h) => h.classId).sort()).toEqual([byName.get('fold'), byName.get('edge_crack')].sort())
    const mask = (name: string) => p.masks.find((m) => m.classId === byName.get(name))
    // The heatmaps show probability x 255 whichever way the map is stored: fold's byte from the code's definition.
    const heat = (name: string) => p.heatmaps.find((h) => h.classId === byName.get(name))!
    const foldByte = encodeProbability(200 / 255)
    expect(heat('fold').data[3]).toBe(Math.round(255 / (1 + Math.exp(16 - (32 * foldByte) / 255))))
    expect(Math.abs(heat('fold').data[3]! - 200)).toBeLessThanOrEqual(2)
    expect(heat('edge_crack').data[9]).toBe(240)
    expect(heat('edge_crack').data[15]).toBe(0)
    // edge_crack (240 / 255) takes columns 5-9 from fold (200 / 255).
    expect(onColumns(mask('fold')!.data)).toEqual(range(0, 5))
    expect(onColumns(mask('edge_crack')!.data)).toEqual(range(5, 15))
    expect(mask('fold')!).toMatchObject({ width: W, height: H })
    expect(mask('lathe')).toBeUndefined()
    // Thresholds saved from the review apply at once: edge_crack at 0.95 (above 240 / 255) predicts nothing, fold keeps its columns.
    ws.db.prepare('UPDATE models SET thresholds = ? WHERE id = 1').run(JSON.stringify({ fold: 0.5, edge_crack: 0.95 }))
    const q = (await readPredictions(ws, imageId))!
    expect(onColumns(q.masks.find((m) => m.classId === byName.get('fold'))!.data)).toEqual(range(0, 10))
    expect(q.masks.find((m) => m.classId === byName.get('edge_crack'))).toBeUndefined()
  })
})
