/**
 * Bulk actions on a 5,000-frame selection in a real SQLite workspace: the
 * main-process time of each action's preview, the action and its undo (goal:
 * under a second each). After every undo the frames' tables must equal what
 * they were before the action, or the bench stops: a fast wrong undo is no
 * result.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { BulkAction } from '../../src/shared/contract/namespaces/images'
import { SPLITS, VIEWS } from '../../src/shared/domain'
import { applyBulk, previewBulk, undoBulk } from '../../src/main/services/bulkActions'
import { listClasses } from '../../src/main/services/classes'
import { Workspace } from '../../src/main/services/workspace'

export interface BulkBenchRow {
  action: string
  frames: number
  changed: number
  skipped: number
  previewMs: number
  applyMs: number
  undoMs: number
}

const TABLES = ['images', 'labels', 'label_revisions', 'predictions', 'review_verdicts']

/**
 * Frames as an import leaves them: four views, splits 70/15/15, every tenth
 * frame a defect with two label revisions, three in ten normal, four in ten with a region label,
 * coils of ten frames as split groups, and a finished run that validated and
 * tested on its share.
 */
function fill(ws: Workspace, frames: number): number[] {
  const classes = listClasses(ws)
  const fold = classes.find((c) => c.kind === 'defect')!.id
  const region = classes.find((c) => c.kind === 'region')?.id ?? fold
  const at = new Date().toISOString()
  const ids: number[] = []
  ws.db.transaction(() => {
    const root = Number(ws.db.prepare('INSERT INTO image_roots (path) VALUES (?)').run(ws.paths.dir).lastInsertRowid)
    const image = ws.db.prepare(
      `INSERT INTO images (root_id, rel_path, hash, width, height, view, split, status, stratum, imported_at, split_group)
       VALUES (?, ?, ?, 640, 360, ?, ?, ?, ?, ?, ?)`
    )
    const label = ws.db.prepare(
      "INSERT INTO labels (image_id, class_id, points, source, author, revision, created_at, updated_at) VALUES (?, ?, ?, 'manual', 'bench', ?, ?, ?)"
    )
    const revision = ws.db.prepare(
      "INSERT INTO label_revisions (label_id, image_id, revision, op, class_id, points, source, author, at) VALUES (?, ?, ?, ?, ?, ?, 'manual', 'bench', ?)"
    )
    for (let i = 0; i < frames; i++) {
      const view = VIEWS[i % VIEWS.length]!
      const r = (i * 7919) % 100
      const split = SPLITS[r < 70 ? 0 : r < 85 ? 1 : 2]
      const defect = i % 10 === 0
      const id = Number(
        image.run(root, `${view}/coil_${Math.floor(i / 10)}/f${i}.png`, `hash${i}`, view, split, defect ? 'labeled' : i % 10 > 6 ? 'normal' : 'unlabeled', `${view}|${defect ? 'fold' : 'none'}`, at, i % 2 ? `coil_${Math.floor(i / 20)}` : null)
          .lastInsertRowid
      )
      ids.push(id)
      if (defect) {
        const lid = Number(label.run(id, fold, '[2,2,40,2,20,30]', 2, at, at).lastInsertRowid)
        revision.run(lid, id, 1, 'create', fold, '[2,2,30,2,20,30]', at)
        revision.run(lid, id, 2, 'update', fold, '[2,2,40,2,20,30]', at)
      }
      if (i % 10 < 4) {
        const lid = Number(label.run(id, region, '[0,0,100,0,100,360,0,360]', 1, at, at).lastInsertRowid)
        revision.run(lid, id, 1, 'create', region, '[0,0,100,0,100,360,0,360]', at)
      }
    }
    const val = ids.filter((_, i) => i % 13 === 0)
    const test = ids.filter((_, i) => i % 17 === 0)
    ws.db
      .prepare("INSERT INTO runs (kind, state, data_snapshot, created_at) VALUES ('train', 'done', ?, ?)")
      .run(JSON.stringify({ imageIds: ids, valImageIds: val, testImageIds: test }), at)
  })()
  return ids
}

function snapshot(ws: Workspace): string {
  return TABLES.map((t) => JSON.stringify(ws.db.prepare(`SELECT * FROM ${t} ORDER BY id`).all())).join('\n')
}

function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now()
  const out = f()
  return [out, performance.now() - t0]
}

export const BULK_ACTIONS: { name: string; action: BulkAction }[] = [
  { name: 'mark normal', action: { kind: 'status', status: 'normal' } },
  { name: 'mark unlabelled', action: { kind: 'status', status: 'unlabeled' } },
  { name: 'set view D03', action: { kind: 'view', view: 'D03' } },
  { name: 'set split test', action: { kind: 'split', split: 'test' } },
  { name: 'remove (and restore)', action: { kind: 'remove' } }
]

export function runBulkBench(frames = 5000): BulkBenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'ds-bench-bulk-'))
  try {
    const ws = Workspace.create(join(dir, 'ws'))
    try {
      const ids = fill(ws, frames)
      const rows: BulkBenchRow[] = []
      for (const { name, action } of BULK_ACTIONS) {
        const before = snapshot(ws)
        const [preview, previewMs] = timed(() => previewBulk(ws, ids, action))
        const [result, applyMs] = timed(() => applyBulk(ws, ids, action, 'bench'))
        if (result.changes !== preview.changes) throw new Error(`${name}: preview said ${preview.changes} changes, the action made ${result.changes}`)
        if (result.undoToken === null) throw new Error(`${name}: changed nothing`)
        const [undo, undoMs] = timed(() => undoBulk(ws, result.undoToken!))
        if (undo.restored !== result.changes || snapshot(ws) !== before) {
          throw new Error(`${name}: undo restored ${undo.restored} of ${result.changes} frames, or the tables differ from before`)
        }
        rows.push({ action: name, frames: ids.length, changed: result.changes, skipped: result.skipped, previewMs, applyMs, undoMs })
      }
      return rows
    } finally {
      ws.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  for (const r of runBulkBench()) process.stdout.write(`${JSON.stringify(r)}\n`)
}
