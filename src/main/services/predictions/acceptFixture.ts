/**
 * Test fixture of the accept service and the verdicts: a real workspace
 * (imported PNG frames, SQLite file) with a model and prediction maps
 * written as the ML engine writes them (logit-<class>.png, the probability's
 * logit in a byte: src/shared/review/mapCode.ts), and an oracle that reads
 * those PNGs back, decodes them from the code's definition, and applies the
 * threshold rule and 8-connected components itself, without the code under
 * test.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import type { Split } from '../../../shared/domain'
import { encodeProbability } from '../../../shared/review/mapCode'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { importFolder } from '../import/runImport'
import { queryImages } from '../images'
import { Workspace } from '../workspace'

export const W = 48
export const H = 32

/** Maps below hold probability x 255; the engine's bytes are their code. */
const coded = (linear: Uint8Array): Uint8Array => Uint8Array.from(linear, (v) => encodeProbability(v / 255))

/** What a stored byte stands for, from the code's definition: logit -16 + 32 b / 255, ends 0 and 1. */
const probOf = (b: number): number => (b === 0 ? 0 : b === 255 ? 1 : 1 / (1 + Math.exp(16 - (32 * b) / 255)))

/**
 * fold (probability x 255): piece A (a 8x6 rectangle at 0.78), piece B (x 20..33, y 12..25,
 * rising from 0.63 at the left to 0.96 at the right), piece C (a disc at
 * 0.82); edge_crack: x 30..33 of B at 0.98, so the threshold rule gives those
 * columns to edge_crack.
 */
export function foldMap(): Uint8Array {
  const m = new Uint8Array(W * H)
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let v = 0
      if (x >= 4 && x < 12 && y >= 4 && y < 10) v = 200
      if (x >= 20 && x < 34 && y >= 12 && y < 26) v = 160 + (x - 20) * 6
      if ((x + 0.5 - 40) ** 2 + (y + 0.5 - 7) ** 2 <= 16) v = 210
      m[y * W + x] = v
    }
  }
  return m
}

export function edgeMap(): Uint8Array {
  const m = new Uint8Array(W * H)
  for (let y = 12; y < 26; y++) for (let x = 30; x < 34; x++) m[y * W + x] = 250
  return m
}

export interface AcceptFixture {
  ws: Workspace
  /** Frame ids by name: a, b, c, d, e, f. */
  frames: Record<string, number>
  fold: number
  edge: number
  modelId: number
  mapsDir(imageId: number): string
  cleanup(): void
}

export async function makeAcceptFixture(splits: Record<string, Split>): Promise<AcceptFixture> {
  const tmp = tempDir()
  const src = join(tmp.dir, 'frames')
  mkdirSync(src)
  const names = Object.keys(splits)
  for (const [k, n] of names.entries()) {
    await sharp({ create: { width: W, height: H, channels: 3, background: { r: 30 * k, g: 100, b: 90 } } })
      .png()
      .toFile(join(src, `line_D01_${n}.png`))
  }
  const ws = Workspace.create(join(tmp.dir, 'ws'))
  await importFolder(ws, { folder: src })
  const frames = Object.fromEntries(queryImages(ws, {}, 0, 100).items.map((i) => [i.relPath.replace(/^.*_/, '').replace('.png', ''), i.id]))
  for (const n of names) ws.db.prepare('UPDATE images SET split = ? WHERE id = ?').run(splits[n], frames[n])
  const classes = listClasses(ws)
  const fold = classes.find((c) => c.name === 'fold')!.id
  const edge = classes.find((c) => c.name === 'edge_crack')!.id
  ws.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
  const modelId = Number(
    ws.db
      .prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, 'm', ?, 1, 'now')")
      .run(JSON.stringify({ fold: 0.5, edge_crack: 0.5, lathe: 0.5 })).lastInsertRowid
  )
  const root = join(ws.paths.cache, 'predictions', `model-${modelId}`)
  const mapsDir = (imageId: number) => join(root, String(imageId))
  for (const n of names) {
    const dir = mapsDir(frames[n]!)
    mkdirSync(dir, { recursive: true })
    const grey = (data: Uint8Array, file: string) => sharp(data, { raw: { width: W, height: H, channels: 1 } }).png().toFile(join(dir, file))
    await grey(coded(foldMap()), 'logit-fold.png')
    await grey(coded(edgeMap()), 'logit-edge_crack.png')
    await grey(coded(new Uint8Array(W * H).fill(10)), 'logit-lathe.png')
    ws.db
      .prepare("INSERT INTO predictions (model_id, image_id, score, class_scores, maps_path, run_id, created_at) VALUES (?, ?, 0.9, '{}', ?, 1, ?)")
      .run(modelId, frames[n], dir, `t-${n}`)
  }
  return {
    ws,
    frames: frames as Record<string, number>,
    fold,
    edge,
    modelId,
    mapsDir,
    cleanup: () => {
      ws.close()
      tmp.cleanup()
    }
  }
}

async function readPng(file: string): Promise<Uint8Array> {
  const { data } = await sharp(file).extractChannel(0).raw().toBuffer({ resolveWithObject: true })
  return new Uint8Array(data)
}

/**
 * Oracle: the fold pixels of a frame's maps at the thresholds, by the rule
 * written out here (own probability at or above its threshold and no other
 * defect class higher at or above its own), split into 8-connected
 * components of at least 4 pixels, each as a 0/1 mask.
 */
export async function oracleFoldPieces(dir: string, t: { fold: number; edge_crack: number }): Promise<Uint8Array[]> {
  const fold = await readPng(join(dir, 'logit-fold.png'))
  const edge = await readPng(join(dir, 'logit-edge_crack.png'))
  const on = new Uint8Array(W * H)
  for (let i = 0; i < W * H; i++) {
    const f = probOf(fold[i]!)
    const e = probOf(edge[i]!)
    on[i] = f >= t.fold && !(e >= t.edge_crack && e > f) ? 1 : 0
  }
  const seen = new Uint8Array(W * H)
  const out: Uint8Array[] = []
  for (let s = 0; s < W * H; s++) {
    if (!on[s] || seen[s]) continue
    const comp = new Uint8Array(W * H)
    const stack = [s]
    seen[s] = 1
    let n = 0
    while (stack.length) {
      const i = stack.pop()!
      comp[i] = 1
      n++
      const x = i % W
      const y = (i - x) / W
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx
          const ny = y + dy
          if (nx < 0 || ny < 0 || nx >= W || ny >= H) continue
          const j = ny * W + nx
          if (on[j] && !seen[j]) {
            seen[j] = 1
            stack.push(j)
          }
        }
      }
    }
    if (n >= 4) out.push(comp)
  }
  return out
}

export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0
  let union = 0
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++
    if (a[i] || b[i]) union++
  }
  return union === 0 ? 1 : inter / union
}
