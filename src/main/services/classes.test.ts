import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { importSetup } from '../test/fixtures'
import { classUsage, listClasses, reorderClasses, saveClass } from './classes'
import { classesHandlers } from './classesHandlers'
import { classesSinceRun, classHistory } from './classHistory'
import { deleteClass, mergeClass } from './classRemoval'
import { EventHub } from './events'
import type { HandlerContext } from './handlerContext'
import { undoLastClassChange } from './classUndo'
import { importFolder } from './import/runImport'
import { saveFrameLabels } from './labels'
import type { Workspace } from './workspace'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const SQUARE = (x: number) => [x, 10, x + 20, 10, x + 20, 30, x, 30]

interface Setup {
  ws: Workspace
  root: string
  frames: number[]
  fold: number
  edge: number
  lathe: number
}

/** Three 100x80 frames: a has two folds and a lathe, b one fold, c one edge_crack. */
async function setup(): Promise<Setup> {
  const { ws, src, root } = importSetup(cleanups)
  for (const [i, name] of ['a', 'b', 'c'].entries()) {
    await sharp({ create: { width: 100, height: 80, channels: 3, background: { r: 40 * i, g: 90, b: 90 } } }).png().toFile(join(src, `${name}.png`))
  }
  await importFolder(ws, { folder: src })
  const frames = ws.db.prepare('SELECT id FROM images ORDER BY rel_path').pluck().all() as number[]
  const id = (name: string) => ws.db.prepare('SELECT id FROM classes WHERE name = ?').pluck().get(name) as number
  const s = { ws, root, frames, fold: id('fold'), edge: id('edge_crack'), lathe: id('lathe') }
  saveFrameLabels(ws, frames[0]!, [{ classId: s.fold, points: SQUARE(5) }, { classId: s.fold, points: SQUARE(40) }, { classId: s.lathe, points: SQUARE(70) }], 'ana')
  saveFrameLabels(ws, frames[1]!, [{ classId: s.fold, points: SQUARE(5) }], 'ana')
  saveFrameLabels(ws, frames[2]!, [{ classId: s.edge, points: SQUARE(5) }], 'ana')
  return s
}

/** Raw rows, read apart from the service under test. */
const classRows = (ws: Workspace) => ws.db.prepare('SELECT id, name, color, kind, position FROM classes ORDER BY position').all()
const historyRows = (ws: Workspace) =>
  ws.db.prepare('SELECT op, class_id, target_id, before, after, summary, author, undone_at FROM class_history ORDER BY id').all() as {
    op: string
    class_id: number | null
    target_id: number | null
    before: string | null
    after: string | null
    summary: string
    author: string
    undone_at: string | null
  }[]
const liveLabels = (ws: Workspace) =>
  ws.db.prepare('SELECT id, image_id, class_id, points FROM labels WHERE deleted_at IS NULL ORDER BY id').all() as {
    id: number
    image_id: number
    class_id: number
    points: string
  }[]

describe('class edits', () => {
  it('adds, renames, recolours and changes kind, each a history entry with before and after, and undoes them one at a time', async () => {
    const { ws, fold } = await setup()
    const original = classRows(ws)
    const added = saveClass(ws, { name: 'Blowhole', color: '#112233', kind: 'defect' }, 'ana')
    expect(ws.db.prepare('SELECT name, position FROM classes WHERE id = ?').get(added.id)).toEqual({ name: 'Blowhole', position: 4 })
    saveClass(ws, { id: fold, name: 'Crack', color: '#e6194b', kind: 'defect' }, 'ben')
    saveClass(ws, { id: fold, name: 'Crack', color: '#00ff00', kind: 'region' }, 'ben')
    // Saving what is already there records nothing.
    saveClass(ws, { id: fold, name: 'Crack', color: '#00ff00', kind: 'region' }, 'ben')
    const h = historyRows(ws)
    expect(h.map((r) => [r.op, r.class_id, r.author, r.summary])).toEqual([
      ['create', added.id, 'ana', 'Blowhole added (defect)'],
      ['update', fold, 'ben', 'fold renamed to Crack'],
      ['update', fold, 'ben', 'Crack recoloured from #e6194b to #00ff00; Crack changed from defect to region']
    ])
    expect(JSON.parse(h[1]!.before!)).toMatchObject({ name: 'fold', color: '#e6194b', kind: 'defect' })
    expect(JSON.parse(h[1]!.after!)).toMatchObject({ name: 'Crack' })
    // The labels keep their class id: a rename changes no label.
    expect(ws.db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(fold)).toBe(3)

    expect(undoLastClassChange(ws, 'cy').summary).toContain('recoloured')
    expect(ws.db.prepare('SELECT name, color, kind FROM classes WHERE id = ?').get(fold)).toEqual({ name: 'Crack', color: '#e6194b', kind: 'defect' })
    undoLastClassChange(ws, 'cy')
    expect(ws.db.prepare('SELECT name FROM classes WHERE id = ?').pluck().get(fold)).toBe('fold')
    undoLastClassChange(ws, 'cy')
    expect(classRows(ws)).toEqual(original)
    // Undone entries stay in the history, saying who undid them.
    expect(historyRows(ws).every((r) => r.undone_at !== null)).toBe(true)
    expect(classHistory(ws).map((c) => c.undoneBy)).toEqual(['cy', 'cy', 'cy'])
    expect(() => undoLastClassChange(ws, 'cy')).toThrow(/Nothing to undo/)
  })

  it('an edit changes only the fields it names, so a stale copy of the class cannot undo a colour saved meanwhile', async () => {
    const { ws } = await setup()
    const h = classesHandlers({ ws: () => ws, events: new EventHub(), author: 'ana' } as unknown as HandlerContext)
    const blowhole = saveClass(ws, { name: 'Blowhole', color: '#3cb44b', kind: 'defect' })
    // One window recolours; the other, still showing the old colour, changes the kind.
    await h['classes.edit']({ id: blowhole.id, color: '#aa3300' })
    await h['classes.edit']({ id: blowhole.id, kind: 'region' })
    expect(ws.db.prepare('SELECT name, color, kind FROM classes WHERE id = ?').get(blowhole.id)).toEqual({ name: 'Blowhole', color: '#aa3300', kind: 'region' })
    expect(historyRows(ws).map((r) => r.summary)).toEqual([
      'Blowhole added (defect)',
      'Blowhole recoloured from #3cb44b to #aa3300',
      'Blowhole changed from defect to region'
    ])
    await h['classes.edit']({ id: blowhole.id, name: 'Pore' })
    expect(ws.db.prepare('SELECT name, color, kind FROM classes WHERE id = ?').get(blowhole.id)).toEqual({ name: 'Pore', color: '#aa3300', kind: 'region' })
    // Undo takes back the one field of the last edit.
    undoLastClassChange(ws, 'ana')
    expect(ws.db.prepare('SELECT name, color, kind FROM classes WHERE id = ?').get(blowhole.id)).toEqual({ name: 'Blowhole', color: '#aa3300', kind: 'region' })
  })

  it('refuses a duplicate name and a region-to-defect change over frames marked normal, changing nothing', async () => {
    const { ws, fold, lathe, frames } = await setup()
    expect(() => saveClass(ws, { id: fold, name: 'LATHE', color: '#000000', kind: 'defect' })).toThrow(/already exists/)
    // A normal frame may carry region labels; it must not end up with a defect.
    saveFrameLabels(ws, frames[2]!, [{ classId: lathe, points: SQUARE(5) }], 'ana', { status: 'normal' })
    expect(() => saveClass(ws, { id: lathe, name: 'lathe', color: '#4363d8', kind: 'defect' })).toThrow(/1 frame marked normal/)
    expect(ws.db.prepare('SELECT kind FROM classes WHERE id = ?').pluck().get(lathe)).toBe('region')
    expect(historyRows(ws)).toEqual([])
  })

  it('reorders the whole list (positions 1..n) and undoes it; a partial list is refused', async () => {
    const { ws, fold, edge, lathe } = await setup()
    expect(() => reorderClasses(ws, [lathe, fold])).toThrow(/names every class once/)
    reorderClasses(ws, [lathe, fold, edge], 'ana')
    expect(ws.db.prepare('SELECT id, position FROM classes ORDER BY id').all()).toEqual([
      { id: fold, position: 2 },
      { id: edge, position: 3 },
      { id: lathe, position: 1 }
    ])
    expect(historyRows(ws)[0]!.summary).toBe('order changed: lathe to 1, fold to 2, edge_crack to 3')
    undoLastClassChange(ws, 'ana')
    expect(ws.db.prepare('SELECT id FROM classes ORDER BY position').pluck().all()).toEqual([fold, edge, lathe])
  })
})

describe('merge', () => {
  it('moves every label of the source to the target as a revision, removes the source, and undo puts each label back', async () => {
    const { ws, frames, fold, edge, lathe } = await setup()
    // A fold deleted earlier must follow too (labels.class_id must point at a class), silently.
    const b = liveLabels(ws).find((l) => l.image_id === frames[1])!
    saveFrameLabels(ws, frames[1]!, [{ id: b.id, classId: fold, points: JSON.parse(b.points) as number[] }, { classId: fold, points: SQUARE(60) }], 'ana')
    const extra = liveLabels(ws).find((l) => l.image_id === frames[1] && l.id !== b.id)!
    saveFrameLabels(ws, frames[1]!, [{ id: b.id, classId: fold, points: JSON.parse(b.points) as number[] }], 'ana')
    const before = liveLabels(ws)
    const folds = before.filter((l) => l.class_id === fold).map((l) => l.id)
    expect(folds).toHaveLength(3)
    const revsBefore = ws.db.prepare('SELECT count(*) FROM label_revisions').pluck().get() as number

    const change = mergeClass(ws, fold, edge, 'ben')
    expect(change.summary).toBe('fold merged into edge_crack (3 labels on 2 frames moved)')
    expect(ws.db.prepare('SELECT count(*) FROM classes WHERE id = ?').pluck().get(fold)).toBe(0)
    expect(ws.db.prepare('SELECT id, position FROM classes ORDER BY position').all()).toEqual([
      { id: edge, position: 1 },
      { id: lathe, position: 2 }
    ])
    const after = liveLabels(ws)
    expect(after.map((l) => [l.id, l.points])).toEqual(before.map((l) => [l.id, l.points]))
    expect(after.filter((l) => l.class_id === edge).map((l) => l.id)).toEqual([...folds, before.find((l) => l.class_id === edge)!.id].sort((x, y) => x - y))
    // Each move is a label revision by the merging user, so the frame's history shows it.
    const moves = ws.db.prepare("SELECT label_id, class_id, author FROM label_revisions WHERE op = 'update' AND id > (SELECT max(id) - 3 FROM label_revisions) ORDER BY label_id").all()
    expect(moves).toEqual(folds.map((id) => ({ label_id: id, class_id: edge, author: 'ben' })))
    expect(ws.db.prepare('SELECT count(*) FROM label_revisions').pluck().get()).toBe(revsBefore + 3)
    expect(ws.db.prepare('SELECT class_id FROM labels WHERE id = ?').pluck().get(extra.id)).toBe(edge)

    undoLastClassChange(ws, 'ben')
    expect(ws.db.prepare('SELECT id, name, position FROM classes ORDER BY position').all()).toEqual([
      { id: fold, name: 'fold', position: 1 },
      { id: edge, name: 'edge_crack', position: 2 },
      { id: lathe, name: 'lathe', position: 3 }
    ])
    expect(liveLabels(ws).map((l) => [l.id, l.class_id])).toEqual(before.map((l) => [l.id, l.class_id]))
    expect(ws.db.prepare('SELECT class_id FROM labels WHERE id = ?').pluck().get(extra.id)).toBe(fold)
    expect(ws.db.prepare('SELECT count(*) FROM label_revisions').pluck().get()).toBe(revsBefore + 6)
  })

  it('refuses merging a class into itself or a region into a defect over normal frames', async () => {
    const { ws, frames, fold, lathe } = await setup()
    expect(() => mergeClass(ws, fold, fold, 'ana')).toThrow(/into itself/)
    saveFrameLabels(ws, frames[2]!, [{ classId: lathe, points: SQUARE(5) }], 'ana', { status: 'normal' })
    expect(() => mergeClass(ws, lathe, fold, 'ana')).toThrow(/marked normal/)
    expect(ws.db.prepare('SELECT count(*) FROM classes').pluck().get()).toBe(3)
  })
})

describe('delete', () => {
  it('deletes an unused class at once and undo brings it back under the same id and place', async () => {
    const { ws, fold, edge, lathe } = await setup()
    const extra = saveClass(ws, { name: 'scratch', color: '#123456', kind: 'defect' })
    reorderClasses(ws, [fold, extra.id, edge, lathe])
    deleteClass(ws, extra.id, undefined, 'ana')
    expect(ws.db.prepare('SELECT id FROM classes ORDER BY position').pluck().all()).toEqual([fold, edge, lathe])
    expect(ws.db.prepare('SELECT position FROM classes ORDER BY position').pluck().all()).toEqual([1, 2, 3])
    undoLastClassChange(ws, 'ana')
    expect(ws.db.prepare('SELECT id, name, position FROM classes WHERE id = ?').get(extra.id)).toEqual({ id: extra.id, name: 'scratch', position: 2 })
  })

  it('refuses a class in use unless the caller confirms its exact label count, then keeps the labels in the history for undo', async () => {
    const { ws, frames, fold, edge: edgeId, lathe: latheId } = await setup()
    const labelsBefore = ws.db.prepare('SELECT * FROM labels ORDER BY id').all()
    const revsBefore = ws.db.prepare('SELECT label_id, revision, op, class_id, points, author FROM label_revisions ORDER BY id').all()
    expect(() => deleteClass(ws, fold, undefined, 'ana')).toThrow('fold is used by 3 labels on 2 frames')
    expect(() => deleteClass(ws, fold, 2, 'ana')).toThrow('fold has 3 labels now, not 2')
    expect(ws.db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(fold)).toBe(3)

    const change = deleteClass(ws, fold, 3, 'ana')
    expect(change.summary).toBe('fold deleted with its 3 labels on 2 frames')
    expect(ws.db.prepare('SELECT count(*) FROM classes WHERE id = ?').pluck().get(fold)).toBe(0)
    expect(ws.db.prepare('SELECT count(*) FROM labels WHERE class_id = ?').pluck().get(fold)).toBe(0)
    // b had only its fold: it is unlabelled again; a keeps its lathe and stays labelled.
    expect(ws.db.prepare('SELECT status FROM images WHERE id IN (?, ?) ORDER BY id').pluck().all(frames[0], frames[1])).toEqual(['labeled', 'unlabeled'])
    expect(listClasses(ws).map((c) => c.id)).toEqual([edgeId, latheId])
    expect(classUsage(ws).map((u) => [u.classId, u.labels, u.frames])).toEqual([
      [edgeId, 1, 1],
      [latheId, 1, 1]
    ])

    undoLastClassChange(ws, 'ana')
    expect(ws.db.prepare('SELECT * FROM labels ORDER BY id').all()).toEqual(labelsBefore)
    expect(ws.db.prepare('SELECT label_id, revision, op, class_id, points, author FROM label_revisions ORDER BY label_id, revision').all()).toEqual(
      [...(revsBefore as { label_id: number; revision: number }[])].sort((a, b) => a.label_id - b.label_id || a.revision - b.revision)
    )
    expect(ws.db.prepare('SELECT status FROM images WHERE id IN (?, ?) ORDER BY id').pluck().all(frames[0], frames[1])).toEqual(['labeled', 'labeled'])
  })

  it('undo keeps labels made since: a deleted label whose id was reused comes back under a new id with its revisions', async () => {
    const { ws, frames, edge, fold } = await setup()
    const old = liveLabels(ws).find((l) => l.class_id === edge)!
    expect(old.id).toBe(ws.db.prepare('SELECT max(id) FROM labels').pluck().get())
    deleteClass(ws, edge, 1, 'ana')
    // SQLite hands the freed top id to the next label.
    saveFrameLabels(ws, frames[1]!, [...liveLabels(ws).filter((l) => l.image_id === frames[1]).map((l) => ({ id: l.id, classId: l.class_id, points: JSON.parse(l.points) as number[] })), { classId: fold, points: SQUARE(60) }], 'ben')
    const reused = ws.db.prepare('SELECT id, class_id, image_id FROM labels WHERE id = ?').get(old.id)
    expect(reused).toEqual({ id: old.id, class_id: fold, image_id: frames[1] })
    undoLastClassChange(ws, 'ana')
    expect(ws.db.prepare('SELECT id, class_id, image_id FROM labels WHERE id = ?').get(old.id)).toEqual(reused)
    const back = ws.db.prepare('SELECT id, points FROM labels WHERE class_id = ? AND deleted_at IS NULL').all(edge) as { id: number; points: string }[]
    expect(back).toHaveLength(1)
    expect(back[0]!.id).not.toBe(old.id)
    expect(back[0]!.points).toBe(old.points)
    expect(ws.db.prepare('SELECT label_id, revision, op, class_id FROM label_revisions WHERE label_id = ?').all(back[0]!.id)).toEqual([
      { label_id: back[0]!.id, revision: 1, op: 'create', class_id: edge }
    ])
    expect(ws.db.prepare('SELECT status FROM images WHERE id = ?').pluck().get(frames[2])).toBe('labeled')
  })
})

describe('models trained before a class change', () => {
  it('keep their own class list and thresholds, and the run reports the changes made since (not the undone ones)', async () => {
    const { ws, root, fold, edge } = await setup()
    const dir = join(root, 'model')
    mkdirSync(dir)
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ classes: [{ name: 'fold' }, { name: 'edge_crack' }] }))
    const past = new Date(Date.now() - 60_000).toISOString()
    ws.db.prepare("INSERT INTO runs (id, kind, state, created_at) VALUES (1, 'train', 'done', ?)").run(past)
    ws.db.prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, ?, '{\"fold\":0.4,\"edge_crack\":0.6}', 1, ?)").run(dir, past)
    expect(classesSinceRun(ws, 1)).toEqual({ runId: 1, trainedOn: ['fold', 'edge_crack'], changes: [] })

    saveClass(ws, { id: fold, name: 'Blowhole', color: '#e6194b', kind: 'defect' }, 'ana')
    mergeClass(ws, edge, fold, 'ana')
    const since = classesSinceRun(ws, 1)
    expect(since.trainedOn).toEqual(['fold', 'edge_crack'])
    expect(since.changes.map((c) => c.summary)).toEqual(['fold renamed to Blowhole', 'edge_crack merged into Blowhole (1 label on 1 frame moved)'])
    expect(ws.db.prepare('SELECT thresholds FROM models WHERE run_id = 1').pluck().get()).toBe('{"fold":0.4,"edge_crack":0.6}')

    undoLastClassChange(ws, 'ana')
    expect(classesSinceRun(ws, 1).changes.map((c) => c.op)).toEqual(['update'])
    // A run created after the change sees none.
    ws.db.prepare("INSERT INTO runs (id, kind, state, created_at) VALUES (2, 'train', 'done', ?)").run(new Date(Date.now() + 1000).toISOString())
    expect(classesSinceRun(ws, 2)).toEqual({ runId: 2, trainedOn: null, changes: [] })
  })
})

describe('handlers', () => {
  it('record the editing user and tell every window which views to refresh', async () => {
    const { ws, fold, edge } = await setup()
    const events = new EventHub()
    const seen: string[] = []
    events.subscribe((name, payload) => seen.push(`${name}:${(payload as { what: string }).what}`))
    const h = classesHandlers({ ws: () => ws, events, author: 'inspector-7' } as unknown as HandlerContext)
    await h['classes.save']({ id: fold, name: 'Blowhole', color: '#e6194b', kind: 'defect' })
    expect(seen).toEqual(['workspace.changed:classes'])
    seen.length = 0
    await h['classes.merge']({ sourceId: edge, targetId: fold })
    expect(seen).toEqual(['workspace.changed:classes', 'workspace.changed:labels', 'workspace.changed:images'])
    expect(ws.db.prepare('SELECT DISTINCT author FROM class_history').pluck().all()).toEqual(['inspector-7'])
    expect(ws.db.prepare("SELECT author FROM label_revisions WHERE op = 'update'").pluck().all()).toEqual(['inspector-7'])
    await expect(h['classes.delete']({ id: fold })).rejects.toThrow('Blowhole is used by 4 labels on 3 frames')
  })
})
