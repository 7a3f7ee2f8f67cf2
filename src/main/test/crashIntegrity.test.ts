/**
 * The integrity check on open, the rolling automatic backup and the restore
 * from it, on real SQLite files damaged the way disks and copies damage them.
 */
import { createHash } from 'node:crypto'
import { existsSync, openSync, readFileSync, statSync, truncateSync, utimesSync, writeSync, closeSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { StudioError } from '../../shared/contract'
import { listClasses } from '../services/classes'
import { autoBackupPaths, checkFile, takeAutoBackup } from '../services/integrity'
import { Workspace } from '../services/workspace'
import { tempDir } from './fixtures'

const cleanups: (() => void)[] = []
afterEach(() => {
  cleanups.splice(0).forEach((c) => c())
  vi.restoreAllMocks()
})

function temp(): string {
  const { dir, cleanup } = tempDir('ds-integrity-')
  cleanups.push(cleanup)
  return dir
}

/** A workspace with enough rows to span many pages; returns its folder, closed. */
function workspaceWithRows(dir: string, rows: number, tag: string): void {
  const ws = Workspace.create(dir)
  const insert = ws.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?)')
  ws.db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`${tag}-${i}`, JSON.stringify('x'.repeat(200)))
  })()
  ws.close()
}

function sha(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex')
}

/** Overwrites one whole page in the middle of the file with garbage, as a bad sector or a torn copy would. */
function smashPage(file: string, page: number): void {
  const size = statSync(file).size
  const pageSize = 4096
  expect(size).toBeGreaterThan((page + 1) * pageSize)
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize)
  closeSync(fd)
}

describe('integrity check and automatic backup', () => {
  it('takes the automatic backup on open, at most once an hour, keeping two generations', () => {
    const dir = join(temp(), 'ws')
    workspaceWithRows(dir, 10, 'a')
    const db = join(dir, 'workspace.sqlite')
    const [newest, older] = autoBackupPaths(db) as [string, string]
    expect(existsSync(newest)).toBe(false) // creating a workspace takes none: there is nothing to lose yet

    Workspace.open(dir).close()
    expect(checkFile(newest).ok).toBe(true)
    const first = statSync(newest).mtimeMs
    Workspace.open(dir).close()
    expect(statSync(newest).mtimeMs).toBe(first)
    expect(existsSync(older)).toBe(false)

    // Two hours later the backup is refreshed and the previous one kept.
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000)
    utimesSync(newest, twoHoursAgo, twoHoursAgo)
    const ws = Workspace.open(dir)
    ws.setSetting('after-backup', true)
    ws.close()
    expect(checkFile(older).ok).toBe(true)
    expect(statSync(newest).mtimeMs).toBeGreaterThan(twoHoursAgo.getTime())
    const ws2 = Workspace.open(dir)
    expect(takeAutoBackup(ws2.db, db, { now: Date.now() + 3 * 3600_000 })).toBe(newest)
    ws2.close()
  })

  it('restores a damaged database from the automatic backup, keeps the damaged file, and says so', () => {
    const dir = join(temp(), 'ws')
    workspaceWithRows(dir, 400, 'kept')
    Workspace.open(dir).close() // takes the backup
    const db = join(dir, 'workspace.sqlite')
    // Work after the backup, then damage.
    const ws = Workspace.open(dir)
    ws.setSetting('after-backup', 1)
    ws.close()
    smashPage(db, 5)
    expect(checkFile(db).ok).toBe(false)
    const damaged = sha(db)

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const reopened = Workspace.open(dir)
    try {
      expect(reopened.recovery).not.toBeNull()
      expect(reopened.recovery!.restoredFrom).toBe(autoBackupPaths(db)[0])
      expect(reopened.recovery!.problems.length).toBeGreaterThan(0)
      expect(sha(reopened.recovery!.damagedCopy)).toBe(damaged)
      expect(warn.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/was damaged .* restored from the automatic backup .*work saved after that backup is lost/s)
      // The backup's rows are back; the work after it is not.
      expect(reopened.getSetting('kept-399', null)).toBe('x'.repeat(200))
      expect(reopened.getSetting('after-backup', null)).toBeNull()
      expect(listClasses(reopened).map((c) => c.name)).toEqual(['fold', 'edge_crack', 'lathe'])
    } finally {
      reopened.close()
    }
    expect(checkFile(db).ok).toBe(true)
  })

  it('restores a file that is no longer a database at all (truncated header)', () => {
    const dir = join(temp(), 'ws')
    workspaceWithRows(dir, 50, 'r')
    Workspace.open(dir).close()
    const db = join(dir, 'workspace.sqlite')
    writeFileSync(db, Buffer.from('this is not an SQLite file'.repeat(200)))
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const reopened = Workspace.open(dir)
    expect(reopened.recovery?.problems.join(' ')).toMatch(/not a database/)
    expect(reopened.getSetting('r-49', null)).not.toBeNull()
    reopened.close()
  })

  it('falls back to the older backup when the newest is damaged too', () => {
    const dir = join(temp(), 'ws')
    workspaceWithRows(dir, 300, 'g')
    Workspace.open(dir).close()
    const db = join(dir, 'workspace.sqlite')
    const [newest, older] = autoBackupPaths(db) as [string, string]
    const old = new Date(Date.now() - 2 * 3600_000)
    utimesSync(newest, old, old)
    Workspace.open(dir).close()
    expect(existsSync(older)).toBe(true)
    truncateSync(newest, 4096 * 2)
    smashPage(db, 4)
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const reopened = Workspace.open(dir)
    expect(reopened.recovery?.restoredFrom).toBe(older)
    expect(reopened.getSetting('g-299', null)).not.toBeNull()
    reopened.close()
  })

  it('with no usable backup: a clear error, and the damaged file left exactly as it was', () => {
    const dir = join(temp(), 'ws')
    workspaceWithRows(dir, 300, 'n')
    const db = join(dir, 'workspace.sqlite')
    smashPage(db, 5)
    const before = sha(db)
    let error: unknown
    try {
      Workspace.open(dir).close()
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(StudioError)
    expect((error as StudioError).message).toMatch(/workspace\.sqlite is damaged \(.+\) and there is no automatic backup to restore it from\. Nothing was changed\./)
    expect(sha(db)).toBe(before)
  })
})
