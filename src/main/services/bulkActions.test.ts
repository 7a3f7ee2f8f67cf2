import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioError } from '../../shared/contract'
import { importSetup } from '../test/fixtures'
import { applyBulk, bulkHistory, previewBulk, undoBulk } from './bulkActions'
import { listClasses } from './classes'
import { importFolder } from './import/runImport'
import { saveFrameLabels } from './labels'
import type { Workspace } from './workspace'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const TRI = [2, 2, 20, 2, 10, 14]
const SQUARE = [1, 1, 8, 1, 8, 8, 1, 8]

/**
 * 16 real frames: per view D01 and D02, four of one coil (a split group) and
 * four standing alone.
 */
async function workspace(): Promise<{ ws: Workspace; src: string; root: string; byName: Map<string, number>; fold: number; lathe: number }> {
  const { ws, src, root } = importSetup(cleanups)
  let k = 0
  for (const view of ['D01', 'D02']) {
    mkdirSync(join(src, view), { recursive: true })
    for (let i = 0; i < 8; i++) {
      const name = i < 4 ? `coil_${view}_${i}.png` : `single_${i}.png`
      k++
      await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: (k * 53) & 255, g: (k * 29) & 255, b: (k * 97) & 255 } } })
        .png()
        .toFile(join(src, view, name))
    }
  }
  await importFolder(ws, { folder: src })
  const byName = new Map(
    (ws.db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[]).map((r) => [r.rel_path, r.id])
  )
  const classes = listClasses(ws)
  return { ws, src, root, byName, fold: classes.find((c) => c.name === 'fold')!.id, lathe: classes.find((c) => c.name === 'lathe')!.id }
}

/** Every column of every row, in id order: the oracle an undo must match. */
function dump(ws: Workspace, table: string): unknown[] {
  const key = (ws.db.prepare('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk').pluck().all(table) as string[]).join(', ')
  return ws.db.prepare(`SELECT * FROM ${table} ORDER BY ${key || 'rowid'}`).all()
}

function column(ws: Workspace, col: string): Map<number, string> {
  return new Map((ws.db.prepare(`SELECT id, ${col} AS v FROM images`).all() as { id: number; v: string }[]).map((r) => [r.id, r.v]))
}

function allIds(ws: Workspace): number[] {
  return ws.db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[]
}

describe('bulk mark normal / unlabelled', () => {
  it('marks the selection normal, skips frames with defect polygons, and one undo restores every status', async () => {
    const { ws, byName, fold, lathe } = await workspace()
    const ids = allIds(ws)
    const [withFold1, withFold2, withLathe, alreadyNormal] = [ids[0]!, ids[5]!, ids[9]!, ids[12]!]
    saveFrameLabels(ws, withFold1, [{ classId: fold, points: TRI }], 'qc')
    saveFrameLabels(ws, withFold2, [{ classId: fold, points: TRI }, { classId: lathe, points: SQUARE }], 'qc')
    // A region (the machine bed) on a defect-free frame does not stop it being normal.
    saveFrameLabels(ws, withLathe, [{ classId: lathe, points: SQUARE }], 'qc')
    ws.db.prepare("UPDATE images SET status = 'normal' WHERE id = ?").run(alreadyNormal)
    expect(byName.size).toBe(16)
    const before = dump(ws, 'images')
    const statusBefore = column(ws, 'status')

    const preview = previewBulk(ws, ids, { kind: 'status', status: 'normal' })
    expect(preview).toMatchObject({ frames: 16, changes: 13, skipped: 2, unchanged: 1, usedByRuns: 0 })
    const result = applyBulk(ws, ids, { kind: 'status', status: 'normal' }, 'qc')
    expect(result).toMatchObject({ frames: 16, changes: 13, skipped: 2, unchanged: 1 })
    expect(result.message).toContain('2 frames skipped: they have defect polygons')
    expect(result.undoToken).not.toBeNull()

    const after = column(ws, 'status')
    for (const id of ids) expect(after.get(id)).toBe(id === withFold1 || id === withFold2 ? statusBefore.get(id) : 'normal')
    expect(statusBefore.get(withFold1)).toBe('labeled')

    const undo = undoBulk(ws, result.undoToken!)
    expect(undo).toMatchObject({ restored: 13, conflicts: 0 })
    expect(dump(ws, 'images')).toEqual(before)
    // Once only.
    expect(() => undoBulk(ws, result.undoToken!)).toThrow(/already undone/)
    expect(bulkHistory(ws)[0]).toMatchObject({ undoToken: result.undoToken, kind: 'status', value: 'normal', changed: 13, undone: true })
  })

  it('undo leaves a frame changed again since as it is now, and says so', async () => {
    const { ws } = await workspace()
    const ids = allIds(ws).slice(0, 6)
    ws.db.prepare("UPDATE images SET status = 'normal' WHERE id IN (?, ?, ?)").run(ids[0], ids[1], ids[2])
    const result = applyBulk(ws, ids, { kind: 'status', status: 'unlabeled' }, 'qc')
    expect(result).toMatchObject({ changes: 3, unchanged: 3, skipped: 0 })
    ws.db.prepare("UPDATE images SET status = 'needs-review' WHERE id = ?").run(ids[1])
    const undo = undoBulk(ws, result.undoToken!)
    expect(undo).toMatchObject({ restored: 2, conflicts: 1 })
    expect(undo.message).toMatch(/1 frame left as they are: changed again since/)
    const now = column(ws, 'status')
    expect([now.get(ids[0]!), now.get(ids[1]!), now.get(ids[2]!), now.get(ids[3]!)]).toEqual(['normal', 'needs-review', 'normal', 'unlabeled'])
  })

  it('changes nothing and gives no undo when every frame is already so; unknown frames and tokens are refused or ignored', async () => {
    const { ws } = await workspace()
    const ids = allIds(ws)
    const result = applyBulk(ws, [ids[0]!, ids[0]!, 999_999], { kind: 'status', status: 'unlabeled' }, 'qc')
    expect(result).toMatchObject({ frames: 1, changes: 0, unchanged: 1, undoToken: null })
    expect(ws.db.prepare('SELECT count(*) FROM bulk_actions').pluck().get()).toBe(0)
    expect(() => undoBulk(ws, 12345)).toThrow(StudioError)
  })
})

describe('bulk set view', () => {
  it('sets the view, the stratum follows it, and undo restores both exactly', async () => {
    const { ws, fold } = await workspace()
    const ids = allIds(ws)
    saveFrameLabels(ws, ids[1]!, [{ classId: fold, points: TRI }], 'qc')
    const before = dump(ws, 'images')
    const views = column(ws, 'view')
    const strata = column(ws, 'stratum')
    const d01 = ids.filter((id) => views.get(id) === 'D01')
    expect(d01).toHaveLength(8)
    const result = applyBulk(ws, ids, { kind: 'view', view: 'D02' }, 'qc')
    expect(result).toMatchObject({ changes: 8, unchanged: 8 })
    const viewsAfter = column(ws, 'view')
    const strataAfter = column(ws, 'stratum')
    for (const id of ids) {
      expect(viewsAfter.get(id)).toBe('D02')
      // The stratum is "view|class": only its view part changes.
      expect(strataAfter.get(id)).toBe(`D02|${strata.get(id)!.split('|')[1]}`)
    }
    expect(strata.get(ids[1]!)).toMatch(/\|fold$/)
    expect(undoBulk(ws, result.undoToken!)).toMatchObject({ restored: 8, conflicts: 0 })
    expect(dump(ws, 'images')).toEqual(before)
  })
})

describe('bulk set split', () => {
  it('moves split groups whole, names the frames a finished run validated or tested on, and undo restores every split', async () => {
    const { ws } = await workspace()
    const groups = new Map(
      (ws.db.prepare('SELECT id, split_group FROM images').all() as { id: number; split_group: string | null }[]).map((r) => [r.id, r.split_group])
    )
    const grouped = [...groups].filter(([, g]) => g !== null)
    expect(new Set(grouped.map(([, g]) => g)).size).toBe(2)
    const ids = allIds(ws)
    const coil = groups.get(ids[0]!)!
    expect(coil).not.toBeNull()
    // Select one frame of the coil and two standing alone.
    const singles = ids.filter((id) => groups.get(id) === null)
    const selection = [ids[0]!, singles[0]!, singles[1]!]
    const target = 'test'
    // Put everything in train first (raw SQL), so every frame of the selection and its coil has to move.
    ws.db.prepare("UPDATE images SET split = 'train'").run()
    const coilMembers = ids.filter((id) => groups.get(id) === coil)
    expect(coilMembers).toHaveLength(4)

    // A finished run validated on one coil frame and tested on a single; a failed run's frames lock nothing.
    const snapshot = (val: number[], test: number[]): string => JSON.stringify({ imageIds: [...val, ...test], valImageIds: val, testImageIds: test })
    const insertRun = ws.db.prepare("INSERT INTO runs (kind, state, data_snapshot, created_at) VALUES ('train', ?, ?, '2026-01-01')")
    insertRun.run('done', snapshot([coilMembers[3]!], [singles[1]!, singles[5]!]))
    insertRun.run('failed', snapshot([singles[0]!], []))

    const preview = previewBulk(ws, selection, { kind: 'split', split: target })
    const expectedMoves = new Set([...coilMembers, singles[0]!, singles[1]!])
    expect(preview).toMatchObject({ frames: 3, changes: expectedMoves.size, groupMembers: 3, usedByRuns: 2, unchanged: 0 })
    const before = dump(ws, 'images')
    const result = applyBulk(ws, selection, { kind: 'split', split: target }, 'qc')
    expect(result.message).toContain("2 frames had been used by a run's validation or test set")
    expect(result.message).toContain('3 frames of that moved with their split group')
    const splits = column(ws, 'split')
    for (const id of ids) expect(splits.get(id)).toBe(expectedMoves.has(id) ? target : 'train')
    expect(undoBulk(ws, result.undoToken!)).toMatchObject({ restored: expectedMoves.size, conflicts: 0 })
    expect(dump(ws, 'images')).toEqual(before)
  })
})

describe('bulk remove from the workspace', () => {
  /** Labels with history, a prediction and a verdict on the frames to remove: every row a frame owns. */
  function decorate(ws: Workspace, ids: number[], fold: number, lathe: number): void {
    for (const id of ids) {
      saveFrameLabels(ws, id, [{ classId: fold, points: TRI }], 'qc')
      const [label] = saveFrameLabels(ws, id, [{ classId: fold, points: TRI }, { classId: lathe, points: SQUARE }], 'qc')
      saveFrameLabels(ws, id, [{ id: label!.id, classId: fold, points: [3, 3, 20, 2, 10, 14] }], 'qc')
    }
    const run = Number(ws.db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'then')").run().lastInsertRowid)
    const model = Number(ws.db.prepare("INSERT INTO models (run_id, dir, created_at) VALUES (?, 'm', 'then')").run(run).lastInsertRowid)
    for (const id of ids) {
      ws.db.prepare("INSERT INTO predictions (model_id, image_id, score, created_at, run_id) VALUES (?, ?, 0.5, 'then', ?)").run(model, id, run)
      ws.db
        .prepare(
          "INSERT INTO review_stats (model_id, image_id, prediction_at, labels_rev, width, height, class_ids, hists, computed_at) VALUES (?, ?, 'then', 1, 24, 16, '[]', ?, 'then')"
        )
        .run(model, id, Buffer.from([id, 0, 255, 7]))
      ws.db.prepare("INSERT INTO review_verdicts (image_id, model_id, class_id, verdict, author, at) VALUES (?, ?, ?, 'true_defect', 'qc', 'then')").run(id, model, fold)
    }
  }

  const TABLES = ['images', 'labels', 'label_revisions', 'predictions', 'review_stats', 'review_verdicts']

  it('removes the rows, never the files, keeps everything in history, and undo puts every row back with its ids', async () => {
    const { ws, src, fold, lathe } = await workspace()
    const ids = allIds(ws)
    const gone = [ids[2]!, ids[3]!, ids[15]!]
    decorate(ws, [...gone, ids[7]!], fold, lathe)
    const before = Object.fromEntries(TABLES.map((t) => [t, dump(ws, t)]))
    const paths = ws.db.prepare('SELECT rel_path FROM images WHERE id IN (?, ?, ?)').pluck().all(...gone) as string[]

    expect(previewBulk(ws, gone, { kind: 'remove' })).toMatchObject({ frames: 3, changes: 3 })
    const result = applyBulk(ws, gone, { kind: 'remove' }, 'qc')
    expect(result.message).toMatch(/Removed 3 frames from the workspace \(image files untouched\)/)
    expect(allIds(ws)).toEqual(ids.filter((id) => !gone.includes(id)))
    for (const t of TABLES.slice(1)) {
      expect(ws.db.prepare(`SELECT count(*) FROM ${t} WHERE image_id IN (?, ?, ?)`).pluck().get(...gone)).toBe(0)
      // The fourth decorated frame kept its rows.
      expect(ws.db.prepare(`SELECT count(*) FROM ${t} WHERE image_id = ?`).pluck().get(ids[7])).toBeGreaterThan(0)
    }
    for (const p of paths) expect(existsSync(join(src, p))).toBe(true)
    // The history holds each frame's labels with their revisions.
    const kept = ws.db.prepare('SELECT removed FROM bulk_action_frames WHERE action_id = ? ORDER BY image_id').pluck().all(result.undoToken) as string[]
    expect(kept).toHaveLength(3)
    const rec = JSON.parse(kept[0]!) as Record<string, unknown[]>
    const owned = (t: string): number => (before[t] as { image_id: number }[]).filter((r) => r.image_id === gone[0]).length
    // Deleted labels (kept as rows with deleted_at) and every revision.
    expect(owned('labels')).toBe(3)
    expect(owned('label_revisions')).toBe(6)
    for (const t of TABLES.slice(1)) expect(rec[t] ?? [], t).toHaveLength(owned(t))

    expect(undoBulk(ws, result.undoToken!)).toMatchObject({ restored: 3, conflicts: 0 })
    for (const t of TABLES) expect(dump(ws, t), t).toEqual(before[t])
  })

  it('restores a frame whose label ids were taken meanwhile with new ids, and leaves a frame imported again as it is', async () => {
    const { ws, src, root, fold, lathe } = await workspace()
    const ids = allIds(ws)
    const last = ids[ids.length - 1]!
    const other = ids[ids.length - 2]!
    decorate(ws, [last], fold, lathe)
    const labelsBefore = ws.db.prepare('SELECT class_id, points, revision, source FROM labels WHERE image_id = ? ORDER BY id').all(last)
    const revisionsBefore = ws.db.prepare('SELECT revision, op, class_id, points FROM label_revisions WHERE image_id = ? ORDER BY id').all(last)
    const maxLabel = ws.db.prepare('SELECT max(id) FROM labels').pluck().get() as number

    const removed = applyBulk(ws, [last, other], { kind: 'remove' }, 'qc')
    // SQLite hands the freed label ids out again.
    const [taken] = saveFrameLabels(ws, ids[0]!, [{ classId: fold, points: TRI }], 'qc')
    expect(taken!.id).toBeLessThanOrEqual(maxLabel)
    // A copy of `other`'s file comes back through an import of another folder.
    const stored = JSON.parse(ws.db.prepare('SELECT removed FROM bulk_action_frames WHERE image_id = ?').pluck().get(other) as string) as {
      images: { rel_path: string; hash: string }[]
    }
    const { rel_path: otherPath, hash } = stored.images[0]!
    const again = join(root, 'again')
    mkdirSync(again)
    copyFileSync(join(src, otherPath), join(again, 'copy.png'))
    await importFolder(ws, { folder: again })
    const reimported = ws.db.prepare('SELECT id FROM images WHERE hash = ?').pluck().get(hash) as number
    expect(reimported).toBeGreaterThan(0)

    const undo = undoBulk(ws, removed.undoToken!)
    expect(undo).toMatchObject({ restored: 1, conflicts: 1 })
    expect(undo.message).toMatch(/imported again since/)
    expect(ws.db.prepare('SELECT id FROM images WHERE hash = ?').pluck().all(hash)).toEqual([reimported])
    expect(ws.db.prepare('SELECT class_id, points, revision, source FROM labels WHERE image_id = ? ORDER BY id').all(last)).toEqual(labelsBefore)
    // Revision ids taken meanwhile were given new ones too, so compare them as a set.
    const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort()
    expect(sorted(ws.db.prepare('SELECT revision, op, class_id, points FROM label_revisions WHERE image_id = ?').all(last))).toEqual(sorted(revisionsBefore))
    // Every revision points at a live label of its own frame (the moved ids were followed).
    expect(
      ws.db.prepare('SELECT count(*) FROM label_revisions r JOIN labels l ON l.id = r.label_id WHERE r.image_id = ? AND l.image_id = ?').pluck().get(last, last)
    ).toBe((revisionsBefore as unknown[]).length)
    expect(ws.db.prepare('SELECT count(*) FROM labels WHERE id = ?').pluck().get(taken!.id)).toBe(1)
    expect(ws.db.pragma('foreign_key_check')).toEqual([])
  })

  it('refuses to restore labels whose class was deleted since, changing nothing and keeping the removal restorable', async () => {
    const { ws, lathe } = await workspace()
    const ids = allIds(ws)
    const scratch = Number(ws.db.prepare("INSERT INTO classes (name, color, kind, position) VALUES ('scratch', '#123456', 'defect', 9)").run().lastInsertRowid)
    saveFrameLabels(ws, ids[4]!, [{ classId: scratch, points: TRI }, { classId: lathe, points: SQUARE }], 'qc')
    const removed = applyBulk(ws, [ids[4]!, ids[5]!], { kind: 'remove' }, 'qc')
    // Nothing live uses the class any more, so it can go.
    ws.db.prepare('DELETE FROM classes WHERE id = ?').run(scratch)
    const before = dump(ws, 'images')
    expect(() => undoBulk(ws, removed.undoToken!)).toThrow(/a row of its labels refers to classes id \d+, deleted since the removal\. Nothing was restored/)
    expect(dump(ws, 'images')).toEqual(before)
    expect(bulkHistory(ws)[0]).toMatchObject({ undoToken: removed.undoToken, undone: false })
    // With the class back, the same removal restores.
    ws.db.prepare("INSERT INTO classes (id, name, color, kind, position) VALUES (?, 'scratch', '#123456', 'defect', 9)").run(scratch)
    expect(undoBulk(ws, removed.undoToken!)).toMatchObject({ restored: 2, conflicts: 0 })
  })

  it('names the frames a run used before removing them', async () => {
    const { ws } = await workspace()
    const ids = allIds(ws)
    ws.db
      .prepare("INSERT INTO runs (kind, state, data_snapshot, created_at) VALUES ('eval', 'done', ?, 'then')")
      .run(JSON.stringify({ imageIds: [ids[0], ids[1]], valImageIds: [], testImageIds: [ids[0], ids[1]] }))
    expect(previewBulk(ws, [ids[1]!, ids[2]!, ids[3]!], { kind: 'remove' })).toMatchObject({ frames: 3, changes: 3, usedByRuns: 1 })
  })
})
