import { copyFileSync, existsSync } from 'node:fs'
import { StudioError } from '../../shared/contract'
import type { DB } from './connection'
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations'

export interface MigrationReport {
  from: number
  to: number
  /** Where the pre-migration copy went, when one was made. */
  backup: string | null
}

export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number
}

/**
 * Brings a workspace database up to this build's schema. A database from a
 * newer build is refused before anything is written; an existing database is
 * copied aside before the first migration touches it.
 */
export function migrate(
  db: DB,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS
): MigrationReport {
  const from = schemaVersion(db)
  const latest = migrations.length ? migrations[migrations.length - 1]!.version : 0
  if (from > latest) {
    throw new StudioError(
      'conflict',
      `This workspace was written by a newer Defect Studio (schema version ${from}; this build knows up to ${latest}). ` +
        'Open it with the newer version; nothing was changed.'
    )
  }
  if (from === latest) return { from, to: from, backup: null }
  let backup: string | null = null
  if (from > 0 && file !== ':memory:' && existsSync(file)) {
    db.pragma('wal_checkpoint(TRUNCATE)')
    backup = `${file}.v${from}-${new Date().toISOString().replace(/[:.]/g, '-')}.bak`
    copyFileSync(file, backup)
  }
  for (const m of migrations) {
    if (m.version <= from) continue
    db.transaction(() => {
      db.exec(m.up)
      db.pragma(`user_version = ${m.version}`)
    })()
  }
  return { from, to: latest, backup }
}

export { LATEST_VERSION }
