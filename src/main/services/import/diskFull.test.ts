/**
 * A full disk during import: one message, the committed frames kept, no
 * temporary files left, a sound database, and a re-run that imports the rest.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioError } from '../../../shared/contract'
import { useWriteLayer } from '../diskWrites'
import { Workspace } from '../workspace'
import { tempDir } from '../../test/fixtures'
import { importFolder } from './runImport'

const ROOT = resolve(__dirname, '../../../..')
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** `n` distinct small frames (more than one import chunk of 48, so some commit before the disk fills). */
async function frames(dir: string, n: number, size = 16): Promise<void> {
  mkdirSync(dir, { recursive: true })
  for (let i = 0; i < n; i++) {
    const noise = Buffer.alloc(size * size * 3)
    for (let k = 0; k < noise.length; k++) noise[k] = (k * 31 + i * 977 + ((k * i) % 251)) & 255
    await sharp(noise, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `f${String(i).padStart(3, '0')}.png`))
  }
}

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
}

function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
}

function expectSound(ws: Workspace): void {
  expect(ws.db.pragma('integrity_check', { simple: true })).toBe('ok')
  expect(filesBelow(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
}

function count(ws: Workspace): number {
  return ws.db.prepare('SELECT count(*) FROM images').pluck().get() as number
}

async function refusal(p: Promise<unknown>): Promise<StudioError> {
  try {
    await p
  } catch (err) {
    return err as StudioError
  }
  throw new Error('expected the import to stop')
}

const MESSAGE = /^The disk holding .* is full \((no space left for the thumbnails|the workspace database could not grow)\): the import stopped\. (\d+) images? imported before that (are|is) kept\. Free some space and run the same import again: it picks up where it stopped/

describe('a full disk during import', () => {
  it('ENOSPC from the write layer: one message, the first chunk kept, no .tmp files, integrity ok; the re-run imports the rest', async () => {
    const t = tempDir('ds-enospc-')
    cleanups.push(t.cleanup)
    await frames(join(t.dir, 'frames'), 60)
    const ws = Workspace.create(join(t.dir, 'ws'))
    cleanups.unshift(() => ws.close())
    let writes = 0
    const restore = useWriteLayer({
      writeFile(file, data) {
        writes += 1
        // Like a real full disk: part of the file lands, then the write fails.
        if (writes > 50) {
          writeFileSync(file, data.subarray(0, 10))
          throw enospc()
        }
        writeFileSync(file, data)
      }
    })
    let err: StudioError
    try {
      err = await refusal(importFolder(ws, { folder: join(t.dir, 'frames') }))
    } finally {
      restore()
    }
    expect(err).toBeInstanceOf(StudioError)
    expect(err.message).toMatch(MESSAGE)
    expect(err.message).toContain('(no space left for the thumbnails)')
    expect(err.message).toContain('48 images imported before that are kept')
    expect(count(ws)).toBe(48)
    // The import's own record lists no file as failed: the disk, not the files, stopped it.
    const record = JSON.parse(ws.db.prepare('SELECT summary FROM imports ORDER BY id DESC LIMIT 1').pluck().get() as string) as { failed: unknown[] }
    expect(record.failed).toEqual([])
    expectSound(ws)

    const again = await importFolder(ws, { folder: join(t.dir, 'frames') })
    expect(again).toMatchObject({ imported: 12, duplicates: 48, failed: [] })
    expect(count(ws)).toBe(60)
    expectSound(ws)
  })

  it('SQLITE_FULL from the database gives the same message and keeps what was committed', async () => {
    const t = tempDir('ds-sqlitefull-')
    cleanups.push(t.cleanup)
    await frames(join(t.dir, 'frames'), 60)
    const ws = Workspace.create(join(t.dir, 'ws'))
    cleanups.unshift(() => ws.close())
    let filled = false
    const err = await refusal(
      importFolder(
        ws,
        { folder: join(t.dir, 'frames') },
        {
          onProgress: (p) => {
            // After the first chunk committed: cap the file where it is and use up its free pages.
            if (filled || p.done < 50) return
            filled = true
            ws.db.pragma(`max_page_count = ${ws.db.pragma('page_count', { simple: true }) as number}`)
            const fill = ws.db.prepare("INSERT INTO settings (key, value) VALUES (?, '\"" + 'x'.repeat(2000) + "\"')")
            try {
              for (let i = 0; i < 100_000; i++) fill.run(`fill${i}`)
            } catch (e) {
              if ((e as { code?: string }).code !== 'SQLITE_FULL') throw e
            }
          }
        }
      )
    )
    expect(filled).toBe(true)
    expect(err.message).toMatch(MESSAGE)
    expect(err.message).toContain('(the workspace database could not grow)')
    expect(err.message).toContain('48 images imported before that are kept')
    expect(count(ws)).toBe(48)
    ws.db.prepare("DELETE FROM settings WHERE key LIKE 'fill%'").run()
    ws.db.pragma('max_page_count = 1073741823')
    expectSound(ws)
    const again = await importFolder(ws, { folder: join(t.dir, 'frames') })
    expect(again).toMatchObject({ imported: 12, duplicates: 48 })
    expect(count(ws)).toBe(60)
  })

  it('a real full disk (a small tmpfs): the CLI exits 1 with the one message, no stack trace; after freeing space the re-run completes', async (ctx) => {
    const t = tempDir('ds-tmpfs-')
    cleanups.push(t.cleanup)
    const mnt = join(t.dir, 'disk')
    mkdirSync(mnt)
    // A workspace needs ~1 MB (database, WAL, backup); a little more leaves room for some thumbnails only.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1400k', 'tmpfs', mnt], { encoding: 'utf8' })
    if (mounted.status !== 0) {
      ctx.skip(`cannot mount a size-limited tmpfs here (${(mounted.stderr || mounted.error?.message || 'mount failed').trim()}); the injected ENOSPC tests above cover the logic`)
      return
    }
    cleanups.unshift(() => void spawnSync('umount', ['-l', mnt]))
    await frames(join(t.dir, 'frames'), 120, 200)
    const ws = join(mnt, 'ws')
    const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((res) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main/cli/studio.ts'), ...args], { cwd: ROOT })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        child.on('close', (code) => res({ code: code ?? -1, stdout, stderr }))
      })
    const first = await cli(['import', join(t.dir, 'frames'), '--workspace', ws, '--create'])
    expect(first.code).toBe(1)
    const lines = first.stderr.split('\n').filter((l) => l.startsWith('studio:'))
    expect(lines).toHaveLength(1)
    expect(lines[0]!.replace(/^studio: /, '')).toMatch(MESSAGE)
    expect(first.stderr).not.toMatch(/SqliteError|ENOSPC| {4}at /)
    const kept = Number(MESSAGE.exec(lines[0]!.replace(/^studio: /, ''))![2])

    expect(spawnSync('mount', ['-o', 'remount,size=64m', mnt]).status).toBe(0)
    const opened = Workspace.open(ws)
    try {
      expect(count(opened)).toBe(kept)
      expectSound(opened)
    } finally {
      opened.close()
    }
    const second = await cli(['import', join(t.dir, 'frames'), '--workspace', ws])
    expect(second.stderr).not.toMatch(/studio:/)
    expect(second.code).toBe(0)
    expect(second.stdout).toContain(`Imported ${120 - kept} of 120 images`)
    expect(second.stdout).toContain(`duplicates skipped: ${kept}`)
    const after = Workspace.open(ws)
    try {
      expect(count(after)).toBe(120)
      expectSound(after)
    } finally {
      after.close()
    }
  })
})
