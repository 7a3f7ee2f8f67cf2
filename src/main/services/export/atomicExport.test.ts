/**
 * Atomic exports in-process: overwriting, disk errors injected in the write
 * layer, and what the next export does with what an interrupted one left.
 * The CLI is killed for real in src/main/cli/exportInterrupt.test.ts.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioError, type ExportFormat, type ExportOptions } from '../../../shared/contract'
import { tempDir } from '../../test/fixtures'
import type { Workspace } from '../workspace'
import { exportDigest, handWorkspace, storedState } from './exportFixtures'
import { previewExport, runExport } from './runExport'
import { PARTIAL_MARKER } from './staging'
import type { DiskErrorCode } from './writeLayer'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function hand(): Promise<{ ws: Workspace; dir: string }> {
  const { dir, cleanup } = tempDir('ds-atomic-export-')
  cleanups.push(cleanup)
  const { ws } = await handWorkspace(dir)
  cleanups.unshift(() => ws.close())
  return { ws, dir }
}

const FORMATS: ExportFormat[] = ['coco', 'masks', 'labelme', 'mvtec']
/** Images copied in every format, so each export writes several files of real size. */
const opts = (format: ExportFormat, out: string, more: Partial<ExportOptions> = {}): ExportOptions => ({ format, out, copyImages: true, ...more })

/** A pid that belonged to a process which has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!
}

function marker(pid: number, kind = 'partial'): string {
  return JSON.stringify({ generator: 'defect-studio', kind, pid, processStart: null, startedAt: new Date().toISOString(), format: 'coco', target: '-' })
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Everything in the folder holding the exports: nothing may sit beside the target. */
const beside = (parent: string): string[] => readdirSync(parent).sort()

describe('atomic export: overwrite', () => {
  it('replaces a previous complete export with exactly a fresh export, carrying the user’s own file over and leaving nothing beside it', async () => {
    const { ws, dir } = await hand()
    const reference = join(dir, 'ref', 'masks')
    await runExport(ws, opts('masks', reference))
    const parent = join(dir, 'exports')
    const out = join(parent, 'masks')
    await runExport(ws, opts('masks', out, { filter: { views: ['D01'] } }))
    writeFileSync(join(out, 'defects', 'my-notes.txt'), 'keep me')
    const summary = await runExport(ws, opts('masks', out, { overwrite: true }))
    expect(summary.cancelled).toBe(false)
    const { 'defects/my-notes.txt': notes, ...digest } = exportDigest(out)
    expect(digest).toEqual(exportDigest(reference))
    expect(notes).toBeDefined()
    expect(readFileSync(join(out, 'defects', 'my-notes.txt'), 'utf8')).toBe('keep me')
    expect(beside(parent)).toEqual(['masks'])
  })

  it('replaces a target carrying our marker: an export stopped between its rename and tidying up, and a staging folder moved there', async () => {
    const { ws, dir } = await hand()
    const reference = join(dir, 'ref', 'coco')
    await runExport(ws, opts('coco', reference))
    const parent = join(dir, 'exports')
    const out = join(parent, 'coco')
    // Complete, with the marker still in it.
    cpSync(reference, out, { recursive: true })
    writeFileSync(join(out, PARTIAL_MARKER), marker(deadPid()))
    expect(previewExport(ws, opts('coco', out)).outProblem).toMatch(/holds a previous export; allow overwriting/)
    await runExport(ws, opts('coco', out, { overwrite: true, filter: { views: ['D02'] } }))
    expect(Object.keys(exportDigest(out))).toEqual(['annotations.json', 'images/D02/d.png', 'manifest.json'])
    expect(beside(parent)).toEqual(['coco'])
    // No manifest, only the marker and half-written files: ours throughout, so all of it goes.
    const staged = join(parent, 'staged')
    mkdirSync(join(staged, 'images', 'D01'), { recursive: true })
    writeFileSync(join(staged, PARTIAL_MARKER), '')
    writeFileSync(join(staged, 'images', 'D01', 'a.png'), '')
    expect(previewExport(ws, opts('coco', staged)).outProblem).toMatch(/holds a previous export/)
    await runExport(ws, opts('coco', staged, { overwrite: true }))
    expect(exportDigest(staged)).toEqual(exportDigest(reference))
  })
})

describe('atomic export: a disk error', () => {
  it.each(FORMATS)('%s: ENOSPC part-way stops at once with one message, removes its partial files and changes nothing stored', async (format) => {
    const { ws, dir } = await hand()
    const reference = join(dir, 'ref', format)
    await runExport(ws, opts(format, reference))
    const total = Object.keys(exportDigest(reference)).reduce((n, rel) => n + readFileSync(join(reference, rel)).length, 0)
    const parent = join(dir, 'exports')
    const out = join(parent, format)
    const before = storedState(ws)
    const failed = runExport(ws, opts(format, out), { writes: { fault: { code: 'ENOSPC', afterBytes: Math.floor(total / 2) } } })
    await expect(failed).rejects.toThrow(StudioError)
    await expect(failed).rejects.toThrow(
      new RegExp(`^disk full while writing ${escape(out)}/[^:]+: [\\d.]+ (B|KB|MB|GB|TB) free; nothing was exported, the partial files were removed$`)
    )
    expect(existsSync(out)).toBe(false)
    expect(beside(parent)).toEqual([])
    expect(storedState(ws)).toEqual(before)
    expect(before.integrity).toBe('ok')
  })

  it.each<[DiskErrorCode, RegExp]>([
    ['EDQUOT', /^disk quota exceeded while writing /],
    ['EIO', /^input\/output error while writing /]
  ])('%s during an overwrite leaves the previous export as it was', async (code, message) => {
    const { ws, dir } = await hand()
    const parent = join(dir, 'exports')
    const out = join(parent, 'labelme')
    await runExport(ws, opts('labelme', out, { filter: { views: ['D01'] } }))
    const previous = exportDigest(out)
    const failed = runExport(ws, opts('labelme', out, { overwrite: true }), { writes: { fault: { code, afterBytes: 1500 } } })
    await expect(failed).rejects.toThrow(message)
    await expect(failed).rejects.toThrow(new RegExp(`; nothing was exported, the partial files were removed; the previous export in ${escape(out)} is unchanged$`))
    expect(exportDigest(out)).toEqual(previous)
    expect(beside(parent)).toEqual(['labelme'])
  })
})

describe('atomic export: what an interrupted export left', () => {
  it('is removed by the next export into the same target when it carries our marker, and nothing else is', async () => {
    const { ws, dir } = await hand()
    const reference = join(dir, 'ref', 'mvtec')
    await runExport(ws, opts('mvtec', reference))
    const parent = join(dir, 'exports')
    const out = join(parent, 'mvtec')
    const gone = deadPid()
    const put = (rel: string, data: string): void => {
      mkdirSync(join(parent, rel, '..'), { recursive: true })
      writeFileSync(join(parent, rel), data)
    }
    // An interrupted staging folder: marker, a 0-byte image.
    put(`mvtec.partial-${gone}-aaaa/${PARTIAL_MARKER}`, marker(gone))
    put(`mvtec.partial-${gone}-aaaa/train/good/000_D01__b.png`, '')
    // Named like one but without the marker: not ours, never touched.
    put('mvtec.partial-1-bbbb/mine.txt', 'mine')
    // An old export moved aside by an interrupted overwrite, with a file of the user's.
    put(`mvtec.replaced-${gone}-cccc/${PARTIAL_MARKER}`, marker(gone, 'replaced'))
    put(`mvtec.replaced-${gone}-cccc/manifest.json`, JSON.stringify({ generator: 'defect-studio', files: ['test/x.png'], frames: [] }))
    put(`mvtec.replaced-${gone}-cccc/test/x.png`, 'x')
    put(`mvtec.replaced-${gone}-cccc/test/notes.txt`, 'notes')
    // Another target's leftover.
    put(`mvtec2.partial-${gone}-dddd/${PARTIAL_MARKER}`, marker(gone))

    // A live process's staging folder stops the export and is left alone.
    put(`mvtec.partial-${process.ppid}-eeee/${PARTIAL_MARKER}`, marker(process.ppid))
    expect(previewExport(ws, opts('mvtec', out)).outProblem).toMatch(new RegExp(`another export into ${escape(out)} is being written \\(process ${process.ppid},`))
    await expect(runExport(ws, opts('mvtec', out))).rejects.toThrow(/another export into .* is being written/)
    expect(existsSync(join(parent, `mvtec.partial-${process.ppid}-eeee`, PARTIAL_MARKER))).toBe(true)
    writeFileSync(join(parent, `mvtec.partial-${process.ppid}-eeee`, PARTIAL_MARKER), marker(gone))

    const preview = previewExport(ws, opts('mvtec', out))
    expect(preview.outProblem).toBeUndefined()
    expect(preview.warnings.filter((w) => /left by an interrupted export/.test(w))).toHaveLength(3)
    const summary = await runExport(ws, opts('mvtec', out))
    expect(exportDigest(out)).toEqual(exportDigest(reference))
    expect(beside(parent)).toEqual(['mvtec', 'mvtec.partial-1-bbbb', `mvtec.replaced-${gone}-cccc`, `mvtec2.partial-${gone}-dddd`])
    expect(readdirSync(join(parent, 'mvtec.partial-1-bbbb'))).toEqual(['mine.txt'])
    // Of the aside folder only what its manifest listed went (with the manifest and the marker).
    expect(exportDigest(join(parent, `mvtec.replaced-${gone}-cccc`))).toEqual({ 'test/notes.txt': expect.any(String) })
    expect(summary.warnings).toEqual(
      expect.arrayContaining([
        `removed ${join(parent, `mvtec.partial-${gone}-aaaa`)}, left by an interrupted export`,
        `removed ${join(parent, `mvtec.partial-${process.ppid}-eeee`)}, left by an interrupted export`,
        `kept ${join(parent, `mvtec.replaced-${gone}-cccc`)}: an interrupted overwrite left files of yours there`
      ])
    )
  })
})
