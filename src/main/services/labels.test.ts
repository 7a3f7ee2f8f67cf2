import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { tempDir } from '../test/fixtures'
import { listClasses } from './classes'
import { importFolder } from './import/runImport'
import { getImage, queryImages } from './images'
import { labelHistory, listLabels, saveFrameLabels } from './labels'
import { Workspace } from './workspace'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function oneImage(): Promise<{ ws: Workspace; imageId: number; fold: number; lathe: number; dir: string }> {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  await sharp({ create: { width: 100, height: 80, channels: 3, background: '#888' } }).jpeg().toFile(join(dir, 'f.jpg'))
  const ws = Workspace.create(join(dir, 'ws'))
  cleanups.unshift(() => ws.close())
  await importFolder(ws, { folder: dir })
  const classes = listClasses(ws)
  return {
    ws,
    dir,
    imageId: queryImages(ws, {}, 0, 1).items[0]!.id,
    fold: classes.find((c) => c.name === 'fold')!.id,
    lathe: classes.find((c) => c.name === 'lathe')!.id
  }
}

describe('saveFrameLabels', () => {
  it('creates, updates and deletes labels as revisions, and leaves unchanged ones alone', async () => {
    const { ws, imageId, fold, lathe } = await oneImage()
    const a = [10.5, 10.5, 40.5, 10.5, 40.5, 30.5]
    const b = [50, 50, 90, 50, 90, 70, 50, 70]
    let saved = saveFrameLabels(ws, imageId, [{ classId: fold, points: a }, { classId: lathe, points: b }], 'ana')
    expect(saved.map((l) => [l.classId, l.revision, l.author, l.source])).toEqual([
      [fold, 1, 'ana', 'manual'],
      [lathe, 1, 'ana', 'manual']
    ])
    expect(getImage(ws, imageId).status).toBe('labeled')
    // The same set again writes nothing.
    saved = saveFrameLabels(ws, imageId, saved.map((l) => ({ id: l.id, classId: l.classId, points: l.points })), 'ana')
    expect(saved.map((l) => l.revision)).toEqual([1, 1])
    expect(labelHistory(ws, imageId)).toHaveLength(2)
    // Move a vertex of the fold, drop the lathe polygon.
    const moved = [...a]
    moved[0] = 12.5
    saved = saveFrameLabels(ws, imageId, [{ id: saved[0]!.id, classId: fold, points: moved }], 'ben')
    expect(saved).toHaveLength(1)
    expect(saved[0]).toMatchObject({ revision: 2, author: 'ben', points: moved })
    const history = labelHistory(ws, imageId)
    expect(history.map((h) => [h.op, h.revision, h.author])).toEqual([
      ['create', 1, 'ana'],
      ['create', 1, 'ana'],
      ['update', 2, 'ben'],
      ['delete', 2, 'ben']
    ])
    // Nothing an inspector drew is lost: the first version is still in the history.
    expect(history[0]!.points).toEqual(a)
    // Deleting every label returns the frame to unlabelled.
    expect(saveFrameLabels(ws, imageId, [], 'ben')).toEqual([])
    expect(getImage(ws, imageId).status).toBe('unlabeled')
  })

  it('clips to the frame and refuses self-crossing polygons, unknown classes and foreign ids', async () => {
    const { ws, imageId, fold } = await oneImage()
    const clipped = saveFrameLabels(ws, imageId, [{ classId: fold, points: [-10, -10, 50, 0, 50, 50] }], 'ana')
    expect(Math.min(...clipped[0]!.points)).toBe(0)
    expect(() => saveFrameLabels(ws, imageId, [{ classId: fold, points: [0, 0, 50, 50, 50, 0, 0, 50] }], 'ana')).toThrow(/crosses itself/)
    expect(() => saveFrameLabels(ws, imageId, [{ classId: 999, points: [0, 0, 5, 0, 5, 5] }], 'ana')).toThrow(/no class with id 999/)
    expect(() => saveFrameLabels(ws, imageId, [{ id: 12345, classId: fold, points: [0, 0, 5, 0, 5, 5] }], 'ana')).toThrow(/not on image/)
    // A refused save changed nothing.
    expect(listLabels(ws, imageId)).toEqual(clipped)
  })

  it('sets the status the editor sends with a save, and refuses normal for a frame with defects', async () => {
    const { ws, imageId, fold, lathe } = await oneImage()
    const tri = [10.5, 10.5, 40.5, 10.5, 40.5, 30.5]
    ws.db.prepare("UPDATE images SET status = 'normal' WHERE id = ?").run(imageId)
    // A paste onto the normal frame, then its undo: the status travels with each save.
    const saved = saveFrameLabels(ws, imageId, [{ classId: fold, points: tri }], 'ana', { status: 'labeled' })
    expect(getImage(ws, imageId).status).toBe('labeled')
    saveFrameLabels(ws, imageId, [], 'ana', { status: 'normal' })
    expect(getImage(ws, imageId).status).toBe('normal')
    expect(() => saveFrameLabels(ws, imageId, [{ classId: fold, points: tri }], 'ana', { status: 'normal' })).toThrow(/cannot be marked normal/)
    // Refused whole: no label written, status kept.
    expect(listLabels(ws, imageId)).toEqual([])
    expect(getImage(ws, imageId).status).toBe('normal')
    // A region polygon may stay on a normal frame.
    saveFrameLabels(ws, imageId, [{ classId: lathe, points: tri }], 'ana', { status: 'normal' })
    expect(getImage(ws, imageId).status).toBe('normal')
    expect(saved).toHaveLength(1)
  })
})

