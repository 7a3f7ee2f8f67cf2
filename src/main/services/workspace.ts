import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { StudioError, type WorkspaceInfo } from '../../shared/contract'
import { DEFAULT_CLASSES } from '../../shared/domain'
import { openDatabase, type DB, type OpenOptions } from '../db/connection'
import { migrate, schemaVersion, type MigrationReport } from '../db/migrate'

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
  private constructor(
    readonly paths: WorkspacePaths,
    readonly db: DB,
    readonly migration: MigrationReport
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
    const ws = Workspace.openAt(paths, opts)
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
    if (!existsSync(paths.dir)) throw new StudioError('not_found', `No folder at ${paths.dir}.`)
    if (!existsSync(paths.db)) {
      throw new StudioError('not_found', `${paths.dir} is not a Defect Studio workspace (no ${DB_FILE}). Create one there instead.`)
    }
    return Workspace.openAt(paths, opts)
  }

  private static openAt(paths: WorkspacePaths, opts: OpenOptions): Workspace {
    for (const d of [paths.models, paths.cache, paths.thumbs]) mkdirSync(d, { recursive: true })
    let db: DB
    try {
      db = openDatabase(paths.db, opts)
    } catch (err) {
      throw new StudioError('internal', `Cannot open ${paths.db}: ${(err as Error).message}`)
    }
    try {
      const report = migrate(db, paths.db)
      return new Workspace(paths, db, report)
    } catch (err) {
      db.close()
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
    if (this.db.open) {
      this.db.pragma('wal_checkpoint(TRUNCATE)')
      this.db.close()
    }
  }
}

/** Lists the entries of a folder the user is about to create a workspace in (for a warning). */
export function folderIsEmpty(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0
}
