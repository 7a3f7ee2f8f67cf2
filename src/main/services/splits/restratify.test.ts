import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import type { Split } from '../../../shared/domain'
import { tempDir } from '../../test/fixtures'
import { listClasses } from '../classes'
import { importFolder } from '../import/runImport'
import { setStatus } from '../images'
import { saveFrameLabels } from '../labels'
import { applyBulk, undoBulk } from '../bulkActions'
import { buildDataset, snapshotOf } from '../training/dataset'
import { createRun } from '../runs'
import { Workspace } from '../workspace'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const TRI = [2, 2, 20, 2, 10, 14]
const RATIOS: Record<Split, number> = { train: 0.7, val: 0.15, test: 0.15 }

/** `n` distinct small frames of view D01, imported unlabelled (so all stratified as D01|none). */
async function unlabelledWorkspace(n: number): Promise<{ ws: Workspace; fold: number }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const src = join(dir, 'src', 'D01')
  mkdirSync(src, { recursive: true })
  for (let i = 0; i < n; i++) {
    await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: i * 5, g: 255 - i * 3, b: (i * 37) & 255 } } })
      .png()
      .toFile(join(src, `f${String(i).padStart(3, '0')}.png`))
  }
  const ws = Workspace.create(join(dir, 'ws'))
  cleanups.unshift(() => ws.close())
  await importFolder(ws, { folder: join(dir, 'src') })
  return { ws, fold: listClasses(ws).find((c) => c.name === 'fold')!.id }
}

function rows(ws: Workspace): { id: number; split: Split; stratum: string; status: string }[] {
  return ws.db.prepare('SELECT id, split, stratum, status FROM images ORDER BY id').all() as { id: number; split: Split; stratum: string; status: string }[]
}

function finishedRun(ws: Workspace, state: 'done' | 'failed' = 'done', snapshot = snapshotOf(buildDataset(ws))): number {
  const id = createRun(ws, 'train', {}, snapshot)
  ws.db.prepare('UPDATE runs SET state = ?, finished_at = ? WHERE id = ?').run(state, 'then', id)
  return id
}

describe('re-stratification on a first defect label', () => {
  it('spreads frames that were imported unlabelled into validation and test once they get defects', async () => {
    const { ws, fold } = await unlabelledWorkspace(40)
    const before = rows(ws)
    expect(new Set(before.map((r) => r.stratum))).toEqual(new Set(['D01|none']))
    // Label 10 frames that all sit in train: left alone, no defect would ever be validated.
    const picked = before.filter((r) => r.split === 'train').slice(0, 10)
    expect(picked).toHaveLength(10)
    for (const r of picked) saveFrameLabels(ws, r.id, [{ classId: fold, points: TRI }], 'qc')
    const after = new Map(rows(ws).map((r) => [r.id, r]))
    const counts: Record<Split, number> = { train: 0, val: 0, test: 0 }
    for (const r of picked) {
      const now = after.get(r.id)!
      expect(now.stratum).toBe('D01|fold')
      expect(now.status).toBe('labeled')
      counts[now.split] += 1
    }
    // Each split within one frame of its share of the 10 fold frames.
    for (const s of ['train', 'val', 'test'] as const) expect(Math.abs(counts[s] - RATIOS[s] * 10)).toBeLessThan(1)
    // Frames that got no label did not move.
    for (const r of before) if (!picked.includes(r)) expect(after.get(r.id)!.split).toBe(r.split)
  })

  it('never moves a frame out of a split its import forced (an external test set)', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const src = join(dir, 'ext', 'D01')
    mkdirSync(src, { recursive: true })
    for (let i = 0; i < 3; i++) await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: i * 40, g: 9, b: 9 } } }).png().toFile(join(src, `e${i}.png`))
    const ws = Workspace.create(join(dir, 'ws'))
    cleanups.unshift(() => ws.close())
    await importFolder(ws, { folder: join(dir, 'ext'), split: 'test' })
    const fold = listClasses(ws).find((c) => c.name === 'fold')!.id
    // Alone in its stratum, the rule would send the first fold frame to train.
    for (const r of rows(ws)) saveFrameLabels(ws, r.id, [{ classId: fold, points: TRI }], 'qc')
    expect(rows(ws).map((r) => [r.split, r.stratum])).toEqual(rows(ws).map(() => ['test', 'D01|fold']))
  })

  it('keeps a split set by hand on the grid (a bulk set split), and follows the labels again once that is undone', async () => {
    const { ws, fold } = await unlabelledWorkspace(12)
    const [a, b] = rows(ws).filter((r) => r.split === 'train')
    const set = applyBulk(ws, [a!.id], { kind: 'split', split: 'test' }, 'qc')
    expect(set.undoToken).not.toBeNull()
    // Alone in its stratum, the rule would send the first fold frame to train.
    saveFrameLabels(ws, a!.id, [{ classId: fold, points: TRI }], 'qc')
    expect(rows(ws).find((r) => r.id === a!.id)).toMatchObject({ split: 'test', stratum: 'D01|fold' })
    // The same action undone first: the frame is free to move again.
    const again = applyBulk(ws, [b!.id], { kind: 'split', split: 'test' }, 'qc')
    undoBulk(ws, again.undoToken!)
    expect(rows(ws).find((r) => r.id === b!.id)!.split).toBe('train')
    const bSplitsBefore = ws.db.prepare("SELECT count(*) FROM images WHERE stratum = 'D01|fold' AND split = 'train'").pluck().get() as number
    saveFrameLabels(ws, b!.id, [{ classId: fold, points: TRI }], 'qc')
    // With one fold frame in test and none in train, the rule sends the second one to train.
    expect(bSplitsBefore).toBe(0)
    expect(rows(ws).find((r) => r.id === b!.id)).toMatchObject({ split: 'train', stratum: 'D01|fold' })
  })

  it('moves a frame only on its first defect label, not when it is edited later', async () => {
    const { ws, fold } = await unlabelledWorkspace(12)
    const ids = rows(ws).filter((r) => r.split === 'train').map((r) => r.id)
    for (const id of ids.slice(0, 3)) saveFrameLabels(ws, id, [{ classId: fold, points: TRI }], 'qc')
    const third = ids[2]!
    const placed = rows(ws).find((r) => r.id === third)!.split
    // The third fold frame of an empty stratum goes to validation (70/15/15 of three frames).
    expect(placed).toBe('val')
    saveFrameLabels(ws, third, [], 'qc')
    saveFrameLabels(ws, third, [{ classId: fold, points: [3, 3, 21, 3, 11, 15] }], 'qc')
    expect(rows(ws).find((r) => r.id === third)!.split).toBe(placed)
  })

  it('keeps the split of frames a finished run validated or tested on, and moves frames it only trained on', async () => {
    const { ws, fold } = await unlabelledWorkspace(40)
    // Normal frames are what a run uses before any defect is labelled.
    setStatus(ws, rows(ws).map((r) => r.id), 'normal')
    finishedRun(ws)
    const val = rows(ws).filter((r) => r.split === 'val')
    const test = rows(ws).filter((r) => r.split === 'test')
    const train = rows(ws).filter((r) => r.split === 'train').slice(0, 3)
    expect(val.length).toBeGreaterThan(0)
    expect(test.length).toBeGreaterThan(0)
    // Trained on by the run, so free to move: the third fold frame of an empty stratum goes to validation.
    for (const r of train) saveFrameLabels(ws, r.id, [{ classId: fold, points: TRI }], 'qc')
    expect(train.map((r) => rows(ws).find((x) => x.id === r.id)!.split)).toEqual(['train', 'train', 'val'])
    // Validated or tested on: they stay, though the stratum now has more than its share there.
    for (const r of [...val, ...test]) saveFrameLabels(ws, r.id, [{ classId: fold, points: TRI }], 'qc')
    const now = new Map(rows(ws).map((r) => [r.id, r]))
    for (const r of [...val, ...test]) {
      expect(now.get(r.id)!.split).toBe(r.split)
      expect(now.get(r.id)!.stratum).toBe('D01|fold')
    }
  })

  it('a failed run locks nothing; an old snapshot without validation ids locks the frames it holds that are in validation', async () => {
    const { ws, fold } = await unlabelledWorkspace(30)
    setStatus(ws, rows(ws).map((r) => r.id), 'normal')
    const snap = snapshotOf(buildDataset(ws))
    finishedRun(ws, 'failed', snap)
    const [v1, v2] = rows(ws).filter((r) => r.split === 'val')
    // The first fold frame of an empty stratum belongs in train: the failed run's validation frame moves there.
    saveFrameLabels(ws, v1!.id, [{ classId: fold, points: TRI }], 'qc')
    expect(rows(ws).find((r) => r.id === v1!.id)!.split).toBe('train')
    // The rule would move the second too (one fold frame in train of two: train is still short), but a done run held it.
    finishedRun(ws, 'done', { counts: snap.counts, maxRevision: snap.maxRevision, imageIds: [v2!.id], testImageIds: [] })
    saveFrameLabels(ws, v2!.id, [{ classId: fold, points: TRI }], 'qc')
    expect(rows(ws).find((r) => r.id === v2!.id)!.split).toBe('val')
  })
})
