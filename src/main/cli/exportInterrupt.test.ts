/**
 * `studio export` killed with SIGKILL part-way through, and stopped by a
 * full disk (a real size-limited tmpfs where this process may mount one, and
 * always an injected ENOSPC): the target never holds anything that looks
 * complete, and the next export cleans up and writes exactly what an
 * uninterrupted one writes.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExportFormat, ExportOptions } from '../../shared/contract'
import { exportDigest, handWorkspace, storedState } from '../services/export/exportFixtures'
import { runExport } from '../services/export/runExport'
import { allFiles, PARTIAL_MARKER } from '../services/export/staging'
import { Workspace } from '../services/workspace'
import { tempDir } from '../test/fixtures'

const ROOT = resolve(__dirname, '../../..')
const STUDIO = join(ROOT, 'src/main/cli/studio.ts')
const FORMATS: ExportFormat[] = ['coco', 'masks', 'labelme', 'mvtec']
/** Slows each file write of the child, so it can be killed with files written and more to come. */
const DELAY_MS = '300'

let dir = ''
let wsDir = ''
/** An uninterrupted export of each format, to compare with. */
const reference: Partial<Record<ExportFormat, string>> = {}
const cleanups: (() => void)[] = []

const opts = (format: ExportFormat, out: string, more: Partial<ExportOptions> = {}): ExportOptions => ({ format, out, copyImages: true, ...more })
const cliArgs = (format: ExportFormat, out: string, ...more: string[]): string[] => ['export', '--workspace', wsDir, '--format', format, '--out', out, '--copy-images', ...more]

beforeAll(async () => {
  const tmp = tempDir('ds-export-kill-')
  cleanups.push(tmp.cleanup)
  dir = tmp.dir
  const { ws } = await handWorkspace(dir)
  wsDir = ws.dir
  try {
    for (const format of FORMATS) {
      reference[format] = join(dir, 'ref', format)
      await runExport(ws, opts(format, reference[format]))
    }
  } finally {
    // The CLI children open the workspace themselves.
    ws.close()
  }
})
afterAll(() => cleanups.splice(0).forEach((c) => c()))

async function withWorkspace<T>(work: (ws: Workspace) => Promise<T> | T): Promise<T> {
  const ws = Workspace.open(wsDir)
  try {
    return await work(ws)
  } finally {
    ws.close()
  }
}

interface Ended {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

function studio(args: string[], env: Record<string, string> = {}): { pid: number; ended: Promise<Ended>; exited: () => boolean } {
  const child = spawn(process.execPath, ['--import', 'tsx', STUDIO, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let done = false
  const ended = new Promise<Ended>((res) =>
    child.on('close', (code, signal) => {
      done = true
      res({ code, signal, stdout, stderr })
    })
  )
  return { pid: child.pid!, ended, exited: () => done }
}

/** The staging folders beside `out`. */
function stagingOf(out: string): string[] {
  const parent = join(out, '..')
  const base = out.slice(parent.length + 1)
  return existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith(`${base}.partial-`)).map((n) => join(parent, n)) : []
}

function filesIn(d: string): string[] {
  try {
    return allFiles(d).filter((f) => f !== PARTIAL_MARKER)
  } catch {
    return []
  }
}

/** Runs the CLI export and SIGKILLs it once its staging folder holds two files (more are still to come). */
async function killPartWay(args: string[], out: string): Promise<number> {
  const run = studio(args, { DEFECT_STUDIO_EXPORT_TEST_DELAY_MS: DELAY_MS })
  for (;;) {
    if (stagingOf(out).some((s) => filesIn(s).length >= 2)) break
    if (run.exited()) {
      const r = await run.ended
      throw new Error(`the export ended (code ${r.code}) before it could be killed:\n${r.stdout}\n${r.stderr}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  process.kill(run.pid, 'SIGKILL')
  const ended = await run.ended
  expect(ended.signal).toBe('SIGKILL')
  return run.pid
}

/** Asserts what a killed export left: one marked staging folder of that process, and no manifest anywhere beside the target. */
function expectOnlyMarkedStaging(out: string, pid: number, format: ExportFormat): void {
  const staging = stagingOf(out)
  expect(staging).toHaveLength(1)
  expect(staging[0]).toMatch(new RegExp(`\\.partial-${pid}-[0-9a-f]+$`))
  const marker = JSON.parse(readFileSync(join(staging[0]!, PARTIAL_MARKER), 'utf8')) as { pid: number; format: string }
  expect(marker).toMatchObject({ pid, format })
  expect(filesIn(staging[0]!)).not.toContain('manifest.json')
}

describe('studio export killed part-way', () => {
  it.each(FORMATS)('%s: leaves nothing that looks complete, and the next export removes the leftover and writes the same files', async (format) => {
    const parent = join(dir, `kill-${format}`)
    const out = join(parent, format)
    const pid = await killPartWay(cliArgs(format, out), out)
    expect(existsSync(out)).toBe(false)
    expectOnlyMarkedStaging(out, pid, format)

    const leftover = stagingOf(out)[0]!
    const summary = await withWorkspace((ws) => runExport(ws, opts(format, out)))
    expect(summary.warnings).toContain(`removed ${leftover}, left by an interrupted export`)
    expect(readdirSync(parent)).toEqual([format])
    expect(exportDigest(out)).toEqual(exportDigest(reference[format]!))
  })

  it('with --overwrite: the previous export stays complete and unchanged, and the next --overwrite replaces it cleanly', async () => {
    const parent = join(dir, 'kill-overwrite')
    const out = join(parent, 'labelme')
    await withWorkspace((ws) => runExport(ws, opts('labelme', out, { filter: { views: ['D02'] } })))
    const previous = exportDigest(out)
    const pid = await killPartWay(cliArgs('labelme', out, '--overwrite'), out)
    expect(exportDigest(out)).toEqual(previous)
    expectOnlyMarkedStaging(out, pid, 'labelme')
    await withWorkspace((ws) => runExport(ws, opts('labelme', out, { overwrite: true })))
    expect(readdirSync(parent)).toEqual(['labelme'])
    expect(exportDigest(out)).toEqual(exportDigest(reference.labelme!))
  })
})

const DISK_FULL = (out: string): RegExp =>
  new RegExp(`^studio: disk full while writing ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^:]+: [\\d.]+ (B|KB|MB|GB) free; nothing was exported, the partial files were removed$`)

/** Runs a CLI export expected to hit a full disk, and checks it stopped cleanly and changed nothing stored. */
async function expectDiskFullStop(args: string[], out: string, env: Record<string, string> = {}): Promise<void> {
  const before = await withWorkspace(storedState)
  const r = await studio(args, env).ended
  expect(r.code).toBe(1)
  // The progress bar shares stderr; the one message is the line the CLI prints for it.
  const messages = r.stderr.split('\n').filter((l) => l.startsWith('studio:'))
  expect(messages).toHaveLength(1)
  expect(messages[0]).toMatch(DISK_FULL(join(out, '..')))
  expect(r.stderr).not.toMatch(/\n\s+at |Error:/)
  expect(existsSync(out)).toBe(false)
  expect(readdirSync(join(out, '..')).filter((n) => n.startsWith('out'))).toEqual([])
  const after = await withWorkspace(storedState)
  expect(after.integrity).toBe('ok')
  expect(after).toEqual(before)
}

const bytesOf = (d: string): number => allFiles(d).reduce((n, f) => n + readFileSync(join(d, f)).length, 0)

describe('studio export on a full disk', () => {
  it('injected ENOSPC in the write layer: one clear message, no partial files, exit code 1, the workspace unchanged', async () => {
    const parent = join(dir, 'enospc-injected')
    const out = join(parent, 'out')
    await expectDiskFullStop(cliArgs('coco', out), out, { DEFECT_STUDIO_EXPORT_TEST_FAULT: `ENOSPC@${Math.floor(bytesOf(reference.coco!) / 2)}` })
  })

  it('a real 2 MB tmpfs filled part-way: the same', async (ctx) => {
    const mnt = join(dir, 'tmpfs')
    mkdirSync(mnt)
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' })
    if (mounted.status !== 0) {
      ctx.skip(`cannot mount a size-limited tmpfs here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim().split('\n')[0]}); the injected ENOSPC test covers the write layer`)
    }
    try {
      // Fill it so only about half of the export fits (tmpfs counts whole 4 KB pages).
      const { bavail, bsize } = statfsSync(mnt)
      const fits = Math.floor(bytesOf(reference.mvtec!) / 2 / 4096) * 4096
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - fits)))
      const out = join(mnt, 'out')
      await expectDiskFullStop(cliArgs('mvtec', out), out)
      expect(readdirSync(mnt)).toEqual(['filler'])
    } finally {
      spawnSync('umount', [mnt])
    }
  })
})
