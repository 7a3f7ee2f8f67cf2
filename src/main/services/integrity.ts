/**
 * Crash safety for the workspace database: an integrity check on every open,
 * a rolling automatic backup taken only from a database that passed it, and
 * the restore from that backup when a later check fails.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { DB } from '../db/connection'

/** The newest automatic backup and the one before it. */
export const AUTO_BACKUP_SUFFIXES = ['.auto.bak', '.auto-1.bak'] as const
/** A new automatic backup is taken on open when the newest is older than this. */
export const AUTO_BACKUP_INTERVAL_MS = 60 * 60 * 1000

export interface IntegrityResult {
  ok: boolean
  /** quick_check's complaints (at most 20), or why the file could not be read at all. */
  problems: string[]
}

/**
 * PRAGMA quick_check: every page and index structure, in time linear in the
 * file size (milliseconds for a workspace's metadata). It skips the
 * index-content cross-check of integrity_check, which costs far more.
 */
export function checkIntegrity(db: DB): IntegrityResult {
  try {
    const rows = db.pragma('quick_check(20)', { simple: false }) as { quick_check: string }[]
    const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok')
    return { ok: problems.length === 0, problems }
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] }
  }
}

/** Checks a database file on its own connection (read-only); a missing file is not ok. */
export function checkFile(file: string, nativeBinding?: string): IntegrityResult {
  if (!existsSync(file)) return { ok: false, problems: ['no such file'] }
  let db: DB | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
    return checkIntegrity(db)
  } catch (err) {
    return { ok: false, problems: [(err as Error).message] }
  } finally {
    db?.close()
  }
}

export function autoBackupPaths(dbFile: string): string[] {
  return AUTO_BACKUP_SUFFIXES.map((s) => dbFile + s)
}

/**
 * Takes the automatic backup when the newest one is older than `intervalMs`
 * (or missing): VACUUM INTO a temporary name, then renames, so a crash
 * mid-backup never leaves a half-written backup under the real name. The
 * previous backup is kept as the second generation. Call only after the
 * database passed checkIntegrity. Returns the path written, or null when the
 * newest backup was recent enough.
 */
export function takeAutoBackup(db: DB, dbFile: string, opts: { now?: number; intervalMs?: number } = {}): string | null {
  const now = opts.now ?? Date.now()
  const [newest, older] = autoBackupPaths(dbFile) as [string, string]
  if (existsSync(newest) && now - statSync(newest).mtimeMs < (opts.intervalMs ?? AUTO_BACKUP_INTERVAL_MS)) return null
  const tmp = `${newest}.tmp-${process.pid}`
  rmSync(tmp, { force: true })
  try {
    // VACUUM INTO is synchronous and transactional: the copy is one consistent snapshot.
    db.prepare('VACUUM INTO ?').run(tmp)
    if (existsSync(newest)) renameSync(newest, older)
    renameSync(tmp, newest)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return newest
}

export interface RestoreReport {
  /** The backup the database was restored from. */
  restoredFrom: string
  /** Where the damaged database was moved (kept for a closer look). */
  damagedCopy: string
  /** What the integrity check said about the damaged file. */
  problems: string[]
}

/**
 * Replaces a damaged database with the newest automatic backup that passes
 * its own check. The damaged file and its -wal/-shm are moved aside, never
 * deleted. Returns null, changing nothing, when no backup is usable.
 */
export function restoreFromAutoBackup(dbFile: string, problems: string[], opts: { now?: Date; nativeBinding?: string } = {}): RestoreReport | null {
  const backup = autoBackupPaths(dbFile).find((b) => checkFile(b, opts.nativeBinding).ok)
  if (!backup) return null
  const stamp = (opts.now ?? new Date()).toISOString().replace(/[:.]/g, '-')
  const damagedCopy = `${dbFile}.damaged-${stamp}`
  renameSync(dbFile, damagedCopy)
  for (const side of ['-wal', '-shm']) {
    if (existsSync(dbFile + side)) renameSync(dbFile + side, damagedCopy + side)
  }
  // Copy through a temporary name: the backup stays as it is for another attempt.
  const tmp = `${dbFile}.restore-${process.pid}`
  const src = new Database(backup, { readonly: true, fileMustExist: true, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) })
  try {
    src.prepare('VACUUM INTO ?').run(tmp)
  } finally {
    src.close()
  }
  renameSync(tmp, dbFile)
  return { restoredFrom: backup, damagedCopy, problems }
}
