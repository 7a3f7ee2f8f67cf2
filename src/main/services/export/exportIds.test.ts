/**
 * An export of an explicit list of frames (the grid's selection): exactly
 * those frames are written, a filter narrows them further, ids no longer in
 * the workspace are reported, and the contract caps the list at 50,000.
 * Checked against the hand-made workspace's own table and raw SQL, reading
 * the written files back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExportPreview } from '../../../shared/contract'
import { dispatch } from '../../app/dispatch'
import { createHandlers } from '../../app/handlers'
import { Session } from '../../app/session'
import { tempDir } from '../../test/fixtures'
import type { Workspace } from '../workspace'
import { HAND_LABELS, handWorkspace } from './exportFixtures'
import { previewExport, runExport } from './runExport'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function hand(): Promise<{ ws: Workspace; dir: string }> {
  const { dir, cleanup } = tempDir('ds-export-ids-')
  cleanups.push(cleanup)
  const { ws } = await handWorkspace(dir)
  cleanups.unshift(() => ws.close())
  return { ws, dir }
}

function idOf(ws: Workspace, rel: string): number {
  return ws.db.prepare('SELECT id FROM images WHERE rel_path = ?').pluck().get(rel) as number
}

interface Coco {
  images: { id: number; file_name: string }[]
  annotations: { id: number; image_id: number; category_id: number }[]
  categories: { id: number; name: string }[]
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T
}

describe('export of an explicit list of frames', () => {
  it('writes exactly the named frames, with every label of theirs that covers a pixel', async () => {
    const { ws, dir } = await hand()
    const a = idOf(ws, 'D01/a.png')
    const e = idOf(ws, 'D03/e.jpg')
    const out = join(dir, 'coco')
    const summary = await runExport(ws, { format: 'coco', out, ids: [e, a, a] })
    expect(summary.cancelled).toBe(false)
    const coco = readJson<Coco>(join(out, 'annotations.json'))
    expect(coco.images.map((i) => i.id).sort((x, y) => x - y)).toEqual([a, e].sort((x, y) => x - y))
    expect(coco.images.map((i) => i.file_name).sort()).toEqual(['D01/a.png', 'D03/e.jpg'])
    // Oracle: the stored labels of those two frames (none of them is a sliver), by raw SQL.
    const stored = ws.db
      .prepare('SELECT l.id, l.image_id, c.position FROM labels l JOIN classes c ON c.id = l.class_id WHERE l.deleted_at IS NULL AND l.image_id IN (?, ?) ORDER BY l.id')
      .all(a, e) as { id: number; image_id: number; position: number }[]
    expect(stored.length).toBe(HAND_LABELS['D01/a.png']!.length + HAND_LABELS['D03/e.jpg']!.length)
    expect(coco.annotations.map((x) => ({ id: x.id, image_id: x.image_id, position: x.category_id })).sort((p, q) => p.id - q.id)).toEqual(stored)
    const manifest = readJson<{ ids?: number[]; frames: { id: number }[] }>(join(out, 'manifest.json'))
    expect(manifest.ids).toEqual([e, a, a])
    expect(manifest.frames.map((f) => f.id).sort((x, y) => x - y)).toEqual([a, e].sort((x, y) => x - y))
    expect(summary.warnings.filter((w) => /no longer in the workspace/.test(w))).toEqual([])
  })

  it('narrows the named frames by a filter, writes masks for them alone, and reports ids that are gone', async () => {
    const { ws, dir } = await hand()
    const a = idOf(ws, 'D01/a.png')
    const b = idOf(ws, 'D01/b.png')
    const d = idOf(ws, 'D02/d.png')
    const gone = (ws.db.prepare('SELECT max(id) FROM images').pluck().get() as number) + 100
    const out = join(dir, 'masks')
    const opts = { format: 'masks' as const, out, ids: [a, b, d, gone], filter: { views: ['D01' as const] } }
    const preview = previewExport(ws, opts)
    expect(preview).toMatchObject({ selected: 2, frames: 2 })
    expect(preview.warnings).toContain('1 of the selected frames are no longer in the workspace; the export writes the others')
    const summary = await runExport(ws, opts)
    expect(summary.frames).toBe(2)
    for (const kind of ['defects', 'regions']) {
      expect(readdirSync(join(out, kind)).sort()).toEqual(['D01', 'classes.txt'])
      expect(readdirSync(join(out, kind, 'D01')).sort()).toEqual(['a.png', 'b.png'])
    }
  })

  it('takes 50,000 ids through the contract and refuses 50,001 with a clear message', async () => {
    const { ws, dir } = await hand()
    const wsDir = ws.dir
    ws.close()
    const session = new Session()
    cleanups.unshift(() => session.close().then(() => undefined))
    await session.open(wsDir)
    const h = createHandlers({ session, shell: 'web', version: 'test' })
    const out = join(dir, 'big')
    const many = Array.from({ length: 50_000 }, (_, k) => k + 1)
    const total = session.requireWorkspace().db.prepare('SELECT count(*) FROM images').pluck().get() as number
    const ok = await dispatch(h, 'export.preview', { format: 'coco', out, ids: many })
    expect(ok).toMatchObject({ ok: true, value: { selected: total } })
    expect(ok.ok && (ok.value as ExportPreview).warnings).toContain(`${50_000 - total} of the selected frames are no longer in the workspace; the export writes the others`)
    const tooMany = await dispatch(h, 'export.start', { format: 'coco', out, ids: [...many, 50_001] })
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    expect(JSON.stringify(tooMany)).toMatch(/ids/)
    expect(existsSync(out)).toBe(false)
  })
})
