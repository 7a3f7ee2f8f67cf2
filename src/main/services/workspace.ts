import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { StudioError, type WorkspaceInfo } from '../../shared/contract'
import { DEFAULT_CLASSES } from '../../shared/domain'
import { openDatabase, type DB, type OpenOptions } from '../db/connection'
import { migrate, schemaVersion, type MigrationReport } from '../db/migrate'
import { checkIntegrity, restoreFromAutoBackup, takeAutoBackup, type IntegrityResult, type RestoreReport } from './integrity'
import { acquireWorkspaceLock, releaseWorkspaceLock } from './workspaceLock'
import { isDiskFull } from './diskWrites'

export const DB_FILE = 'workspace.sqlite'

export interface WorkspacePaths {
  dir: string
  db: string
  models: string
  cache: string
  thumbs: string
}

export function workspacePaths(dir: string): WorkspacePaths {
  const root = resolve(dir)
  return {
    dir: root,
    db: join(root, DB_FILE),
    models: join(root, 'models'),
    cache: join(root, 'cache'),
    thumbs: join(root, 'cache', 'thumbs')
  }
}

export function isWorkspace(dir: string): boolean {
  return existsSync(join(dir, DB_FILE))
}

/** An open workspace folder: its database and the folders beside it. */
export class Workspace {
  /** Whether this instance holds one share of the folder's lock (every open but a read-only one). */
  private locked = false

  private constructor(
    readonly paths: WorkspacePaths,
    readonly db: DB,
    readonly migration: MigrationReport,
    /** Set when the database failed its integrity check on open and was restored from the automatic backup. */
    readonly recovery: RestoreReport | null = null
  ) {}

  /** Creates a new workspace; the folder may exist but must not hold one already. */
  static create(dir: string, opts: { name?: string; demo?: boolean } & OpenOptions = {}): Workspace {
    const paths = workspacePaths(dir)
    if (existsSync(paths.db)) {
      throw new StudioError('conflict', `${paths.dir} already holds a workspace; open it instead.`)
    }
    if (existsSync(paths.dir) && !statSync(paths.dir).isDirectory()) {
      throw new StudioError('invalid_argument', `${paths.dir} is a file, not a folder.`)
    }
    mkdirSync(paths.dir, { recursive: true })
    const ws = Workspace.locking(paths, () => Workspace.openAt(paths, opts))
    ws.db.transaction(() => {
      const insert = ws.db.prepare('INSERT INTO classes (name, color, kind, position) VALUES (?, ?, ?, ?)')
      for (const c of DEFAULT_CLASSES) insert.run(c.name, c.color, c.kind, c.position)
      ws.setSetting('name', opts.name ?? basename(paths.dir))
      ws.setSetting('demo', opts.demo ?? false)
      ws.setSetting('createdAt', new Date().toISOString())
    })()
    return ws
  }

  static open(dir: string, opts: OpenOptions = {}): Workspace {
    const paths = workspacePaths(dir)
    // Both messages name the ways to create one: the start screen, or --create on the command line.
    const how = 'Create one there with Create workspace on the start screen, or add --create (dev:web, CLI import).'
    if (!existsSync(paths.dir)) throw new StudioError('not_found', `No folder at ${paths.dir}. ${how}`)
    if (!existsSync(paths.db)) {
      throw new StudioError('not_found', `${paths.dir} is not a Defect Studio workspace (no ${DB_FILE}). ${how}`)
    }
    if (opts.readonly) return Workspace.openAt(paths, opts)
    return Workspace.locking(paths, () => Workspace.openAt(paths, opts, true))
  }

  /** Opens under the folder's lock (see workspaceLock.ts), released again if the open fails. */
  private static locking(paths: WorkspacePaths, open: () => Workspace): Workspace {
    const note = acquireWorkspaceLock(paths.dir)
    if (note) console.warn(`Defect Studio: ${note}`)
    try {
      const ws = open()
      ws.locked = true
      return ws
    } catch (err) {
      releaseWorkspaceLock(paths.dir)
      throw err
    }
  }

  /**
   * `guarded`: check the database's integrity first (restoring the automatic
   * backup when it fails) and refresh the automatic backup after a good open.
   */
  private static openAt(paths: WorkspacePaths, opts: OpenOptions, guarded = false): Workspace {
    for (const d of [paths.models, paths.cache, paths.thumbs]) mkdirSync(d, { recursive: true })
    let db: DB | null = null
    let check: IntegrityResult
    try {
      db = openDatabase(paths.db, opts)
      check = guarded ? checkIntegrity(db) : { ok: true, problems: [] }
    } catch (err) {
      db?.close()
      if (!guarded || !isDamage(err)) throw new StudioError('internal', `Cannot open ${paths.db}: ${(err as Error).message}`)
      db = null
      check = { ok: false, problems: [(err as Error).message] }
    }
    let recovery: RestoreReport | null = null
    if (!check.ok) {
      db?.close()
      recovery = restoreFromAutoBackup(paths.db, check.problems, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {})
      if (!recovery) {
        throw new StudioError(
          'internal',
          `The workspace database ${paths.db} is damaged (${check.problems.slice(0, 3).join('; ')}) and there is no automatic backup ` +
            `to restore it from. Nothing was changed. Put back a copy of ${DB_FILE} from your own backups (or a ${DB_FILE}.v*.bak migration copy) and open it again.`
        )
      }
      console.warn(
        `Defect Studio: ${paths.db} was damaged (${check.problems.slice(0, 3).join('; ')}). ` +
          `It was restored from the automatic backup ${recovery.restoredFrom}; work saved after that backup is lost. The damaged file was kept as ${recovery.damagedCopy}.`
      )
      db = openDatabase(paths.db, opts)
    }
    const open = db!
    try {
      const report = migrate(open, paths.db)
      if (guarded) backupQuietly(open, paths.db)
      return new Workspace(paths, open, report, recovery)
    } catch (err) {
      open.close()
      if (err instanceof StudioError) throw err
      throw new StudioError('internal', `Cannot open ${paths.db}: ${(err as Error).message}`)
    }
  }

  get dir(): string {
    return this.paths.dir
  }

  getSetting<T>(key: string, fallback: T): T {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
    return row ? (JSON.parse(row.value) as T) : fallback
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value))
  }

  info(): WorkspaceInfo {
    const { n } = this.db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }
    return {
      dir: this.paths.dir,
      name: this.getSetting('name', basename(this.paths.dir)),
      schemaVersion: schemaVersion(this.db),
      imageCount: n,
      demo: this.getSetting('demo', false)
    }
  }

  /** Absolute path of an image root by id. */
  rootPath(rootId: number): string {
    const row = this.db.prepare('SELECT path FROM image_roots WHERE id = ?').get(rootId) as { path: string } | undefined
    if (!row) throw new StudioError('not_found', `No image root ${rootId}`)
    return resolve(this.paths.dir, row.path)
  }

  close(): void {
    try {
      if (this.db.open) {
        try {
          this.db.pragma('wal_checkpoint(TRUNCATE)')
        } catch (err) {
          // On a full disk the checkpoint cannot run; the WAL keeps every commit and the next open replays it.
          if (!isDiskFull(err)) throw err
        }
        this.db.close()
      }
    } finally {
      if (this.locked) {
        this.locked = false
        releaseWorkspaceLock(this.paths.dir)
      }
    }
  }
}

/** SQLite's words for a file that is not (or no longer) a database, as opposed to one we may not read. */
function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
}

/** A failed automatic backup (full disk, read-only folder) must not keep anyone from working. */
function backupQuietly(db: DB, file: string): void {
  try {
    takeAutoBackup(db, file)
  } catch (err) {
    console.warn(`Defect Studio: the automatic backup of ${file} failed: ${(err as Error).message}`)
  }
}

/** Lists the entries of a folder the user is about to create a workspace in (for a warning). */
export function folderIsEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0
}
