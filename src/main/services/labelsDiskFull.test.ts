/**
 * A full disk during labels.save: the save is refused with one line that
 * says what happened, the labels stored before it are exactly as they were,
 * the database passes integrity_check, and the same save goes through once
 * there is room. Two ways to fill the disk: the database capped where it
 * stands (SQLITE_FULL, runs everywhere) and a real 3 MB tmpfs filled to the
 * last byte (where the test may mount one).
 */
import { spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioError } from '../../shared/contract'
import { tempDir } from '../test/fixtures'
import { listClasses } from './classes'
import { importFolder } from './import/runImport'
import { queryImages } from './images'
import { listLabels, saveFrameLabels, type LabelDraft } from './labels'
import { Workspace } from './workspace'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

const MESSAGE = /^The disk holding .+ is full: this save of frame \d+ was not stored, and its labels are as they were before it\. Free some space; the editor keeps the edit and saves it again\.$/

async function setup(wsDir: string, imageDir: string): Promise<{ ws: Workspace; imageId: number; fold: number }> {
  mkdirSync(imageDir, { recursive: true })
  await sharp({ create: { width: 400, height: 300, channels: 3, background: '#777' } }).jpeg().toFile(join(imageDir, 'f.jpg'))
  const ws = Workspace.create(wsDir)
  cleanups.unshift(() => ws.close())
  await importFolder(ws, { folder: imageDir })
  return { ws, imageId: queryImages(ws, {}, 0, 1).items[0]!.id, fold: listClasses(ws).find((c) => c.name === 'fold')!.id }
}

/** `n` polygons of `points` vertices each (circles), big enough that storing them needs new pages. */
function circles(classId: number, n: number, points: number): LabelDraft[] {
  return Array.from({ length: n }, (_, k) => ({
    classId,
    points: Array.from({ length: points }, (_, i) => {
      const a = (2 * Math.PI * i) / points
      return [200 + 100 * Math.cos(a) + k * 0.001, 150 + 100 * Math.sin(a)]
    }).flat()
  }))
}

/** What is stored for the frame, as plain data (ids, revisions, points). */
function stored(ws: Workspace, imageId: number): string {
  return JSON.stringify(listLabels(ws, imageId).map((l) => [l.id, l.classId, l.revision, l.points]))
}

function refusal(fn: () => unknown): StudioError {
  try {
    fn()
  } catch (err) {
    return err as StudioError
  }
  throw new Error('expected the save to be refused')
}

function expectOneClearLine(err: StudioError): void {
  expect(err).toBeInstanceOf(StudioError)
  expect(err.code).toBe('internal')
  expect(err.message).toMatch(MESSAGE)
  expect(err.message).not.toMatch(/\n|SqliteError|SQLITE_|ENOSPC| {4}at /)
}

describe('a full disk during labels.save', () => {
  it('SQLITE_FULL (the database cannot grow): one line, earlier labels unchanged, integrity ok, the save goes through later', async () => {
    const t = tempDir('ds-labels-full-')
    cleanups.push(t.cleanup)
    const { ws, imageId, fold } = await setup(join(t.dir, 'ws'), join(t.dir, 'img'))
    const first = saveFrameLabels(ws, imageId, circles(fold, 2, 40), 'ana')
    const before = stored(ws, imageId)
    // Cap the file where it stands and use up its free pages.
    ws.db.pragma(`max_page_count = ${ws.db.pragma('page_count', { simple: true }) as number}`)
    const fill = ws.db.prepare("INSERT INTO settings (key, value) VALUES (?, '\"" + 'x'.repeat(2000) + "\"')")
    try {
      for (let i = 0; i < 100_000; i++) fill.run(`fill${i}`)
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_FULL') throw e
    }
    const drafts = [...first.map((l) => ({ id: l.id, classId: l.classId, points: l.points.map((v) => v + 1) })), ...circles(fold, 60, 400)]
    expectOneClearLine(refusal(() => saveFrameLabels(ws, imageId, drafts, 'ana')))
    expect(stored(ws, imageId)).toBe(before)
    expect(ws.db.pragma('integrity_check', { simple: true })).toBe('ok')
    // Room again: the same save is stored whole.
    ws.db.prepare("DELETE FROM settings WHERE key LIKE 'fill%'").run()
    ws.db.pragma('max_page_count = 1073741823')
    const after = saveFrameLabels(ws, imageId, drafts, 'ana')
    expect(after).toHaveLength(62)
    expect(after.slice(0, 2).map((l) => l.revision)).toEqual([2, 2])
  })

  it('a real full disk (a 3 MB tmpfs filled to the last byte): the same, and a reopened workspace has every acknowledged save', async (ctx) => {
    const t = tempDir('ds-labels-tmpfs-')
    cleanups.push(t.cleanup)
    const mnt = join(t.dir, 'disk')
    mkdirSync(mnt)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { encoding: 'utf8' })
    if (mounted.status !== 0) {
      ctx.skip(`cannot mount a size-limited tmpfs here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()}); the SQLITE_FULL test covers the logic`)
      return
    }
    cleanups.unshift(() => void spawnSync('umount', ['-l', mnt]))
    const wsDir = join(mnt, 'ws')
    const { ws, imageId, fold } = await setup(wsDir, join(t.dir, 'img'))
    let open = true
    cleanups.unshift(() => open && ws.close())
    const first = saveFrameLabels(ws, imageId, circles(fold, 3, 60), 'ana')
    const before = stored(ws, imageId)
    // Fill the disk: a file grown until the kernel says no.
    const filler = join(mnt, 'filler')
    const fd = openSync(filler, 'w')
    const block = Buffer.alloc(16 * 1024, 1)
    try {
      for (;;) writeSync(fd, block)
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC')
    }
    try {
      for (;;) writeSync(fd, block, 0, 512)
    } catch {
      // Down to the last few bytes.
    }
    closeSync(fd)
    const drafts = [...first.map((l) => ({ id: l.id, classId: l.classId, points: l.points.map((v) => v + 1) })), ...circles(fold, 80, 500)]
    expectOneClearLine(refusal(() => saveFrameLabels(ws, imageId, drafts, 'ana')))
    expect(stored(ws, imageId)).toBe(before)
    expect(ws.db.pragma('integrity_check', { simple: true })).toBe('ok')
    // Free the space: the editor's retry of the same save is stored.
    rmSync(filler)
    const after = saveFrameLabels(ws, imageId, drafts, 'ana')
    expect(after).toHaveLength(83)
    const acknowledged = stored(ws, imageId)
    ws.close()
    open = false
    const again = Workspace.open(wsDir)
    try {
      expect(stored(again, imageId)).toBe(acknowledged)
      expect(again.db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      again.close()
    }
  })
})
