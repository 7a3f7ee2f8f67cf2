import Database from 'better-sqlite3'
import type { Database as DB } from 'better-sqlite3'

export type { DB }

export interface OpenOptions {
  /** Path of the better-sqlite3 native module; the packaged app passes its Electron build. */
  nativeBinding?: string
  readonly?: boolean
}

/**
 * Opens a workspace database with the settings every connection must share.
 * WAL lets the UI read while a save or an import writes; synchronous=FULL
 * makes an acknowledged label save survive a power cut as well as a crash,
 * at a cost that small label transactions do not notice.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): DB {
  const nativeBinding = opts.nativeBinding ?? process.env.DEFECT_STUDIO_SQLITE_BINDING
  const db = new Database(file, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    ...(nativeBinding ? { nativeBinding } : {})
  })
  db.pragma('busy_timeout = 5000')
  if (!opts.readonly) db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  return db
}

export function nowIso(): string {
  return new Date().toISOString()
}
