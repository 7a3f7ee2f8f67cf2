import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StudioError } from '../../shared/contract'
import { tempDir } from '../test/fixtures'
import { openDatabase, type DB } from './connection'
import { migrate, schemaVersion } from './migrate'
import { LATEST_VERSION, MIGRATIONS } from './migrations'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function freshDb(): { db: DB; file: string; dir: string } {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const file = join(dir, 'workspace.sqlite')
  const db = openDatabase(file)
  cleanups.unshift(() => db.open && db.close())
  return { db, file, dir }
}

function tables(db: DB): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]
}

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    expect(LATEST_VERSION).toBe(MIGRATIONS.length)
  })

  it('bring a fresh database to the latest version, in WAL with foreign keys on, without a backup', () => {
    const { db, file, dir } = freshDb()
    const report = migrate(db, file)
    expect(report).toEqual({ from: 0, to: LATEST_VERSION, backup: null })
    expect(schemaVersion(db)).toBe(LATEST_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toEqual([])
  })

  it('001 creates classes, images, labels and label revisions with their constraints', () => {
    const { db, file } = freshDb()
    migrate(db, file, MIGRATIONS.slice(0, 1))
    expect(schemaVersion(db)).toBe(1)
    expect(tables(db)).toEqual(expect.arrayContaining(['classes', 'image_roots', 'images', 'imports', 'label_revisions', 'labels', 'settings']))
    expect(tables(db)).not.toContain('runs')
    db.prepare("INSERT INTO classes (name, color, kind, position) VALUES ('fold', '#ff0000', 'defect', 1)").run()
    expect(() => db.prepare("INSERT INTO classes (name, color, kind, position) VALUES ('FOLD', '#00ff00', 'defect', 2)").run()).toThrow(/UNIQUE/)
    expect(() => db.prepare("INSERT INTO classes (name, color, kind, position) VALUES ('x', '#00ff00', 'blob', 2)").run()).toThrow(/CHECK/)
    db.prepare("INSERT INTO image_roots (path) VALUES ('/data')").run()
    const insertImage = db.prepare(
      "INSERT INTO images (root_id, rel_path, hash, width, height, view, split, status, imported_at) VALUES (1, ?, ?, 10, 10, ?, 'train', 'unlabeled', 'now')"
    )
    insertImage.run('a.jpg', 'h1', 'D01')
    expect(() => insertImage.run('b.jpg', 'h2', 'D07')).toThrow(/CHECK/)
    expect(() => insertImage.run('c.jpg', 'h1', 'D02')).toThrow(/UNIQUE/)
    expect(() =>
      db.prepare("INSERT INTO labels (image_id, class_id, points, source, author, created_at, updated_at) VALUES (99, 1, '[]', 'manual', 'a', 'now', 'now')").run()
    ).toThrow(/FOREIGN KEY/)
  })

  it('002 upgrades a version-1 database, keeping its data and a backup of the old file', () => {
    const { db, file, dir } = freshDb()
    migrate(db, file, MIGRATIONS.slice(0, 1))
    db.prepare("INSERT INTO classes (name, color, kind, position) VALUES ('fold', '#ff0000', 'defect', 1)").run()
    const report = migrate(db, file)
    expect(report.from).toBe(1)
    expect(report.to).toBe(LATEST_VERSION)
    expect(report.backup).not.toBeNull()
    expect(existsSync(report.backup!)).toBe(true)
    expect(statSync(report.backup!).size).toBeGreaterThan(0)
    expect(report.backup!.startsWith(dir)).toBe(true)
    // The backup is the version-1 database, openable on its own.
    const old = openDatabase(report.backup!, { readonly: true })
    expect(schemaVersion(old)).toBe(1)
    expect(old.prepare('SELECT count(*) FROM classes').pluck().get()).toBe(1)
    old.close()
    expect(tables(db)).toEqual(expect.arrayContaining(['runs', 'run_epochs', 'models', 'predictions', 'review_verdicts']))
    expect(db.prepare('SELECT name FROM classes').pluck().all()).toEqual(['fold'])
    // Only one model may be active at a time.
    db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'now')").run()
    const model = db.prepare("INSERT INTO models (run_id, dir, active, created_at) VALUES (1, ?, ?, 'now')")
    model.run('m1', 1)
    expect(() => model.run('m2', 1)).toThrow(/UNIQUE/)
  })

  it('refuses a database from a newer version and changes nothing', () => {
    const { db, file } = freshDb()
    migrate(db, file)
    db.pragma(`user_version = ${LATEST_VERSION + 5}`)
    const before = tables(db)
    let error: unknown
    try {
      migrate(db, file)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(StudioError)
    expect((error as StudioError).code).toBe('conflict')
    expect((error as Error).message).toMatch(new RegExp(`newer Defect Studio.*schema version ${LATEST_VERSION + 5}`))
    expect(schemaVersion(db)).toBe(LATEST_VERSION + 5)
    expect(tables(db)).toEqual(before)
  })

  it('is a no-op when already current', () => {
    const { db, file } = freshDb()
    migrate(db, file)
    expect(migrate(db, file)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION, backup: null })
  })
})

describe('migration 003', () => {
  it('adds the run lifecycle columns to a version-2 database without losing runs', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'workspace.sqlite')
    const db = openDatabase(file)
    cleanups.unshift(() => db.open && db.close())
    migrate(db, file, MIGRATIONS.slice(0, 2))
    db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'then')").run()
    migrate(db, file, MIGRATIONS.slice(0, 3))
    expect(schemaVersion(db)).toBe(3)
    const run = db.prepare('SELECT * FROM runs').get() as Record<string, unknown>
    expect(run).toMatchObject({ kind: 'train', state: 'done', arch: 'arcd', checkpoint: null, decision: null })
    expect(() => db.prepare("UPDATE runs SET decision = 'maybe'").run()).toThrow(/CHECK/)
  })
})

describe('migration 004', () => {
  it('adds review statistics and threshold revisions, recording each existing model\'s thresholds as its first revision', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'workspace.sqlite')
    const db = openDatabase(file)
    cleanups.unshift(() => db.open && db.close())
    migrate(db, file, MIGRATIONS.slice(0, 3))
    db.prepare("INSERT INTO runs (kind, state, created_at) VALUES ('train', 'done', 'then')").run()
    db.prepare(`INSERT INTO models (run_id, dir, thresholds, created_at) VALUES (1, 'm', '{"fold":0.4}', 'then')`).run()
    migrate(db, file, MIGRATIONS.slice(0, 4))
    expect(schemaVersion(db)).toBe(4)
    expect(db.prepare('SELECT model_id, revision, thresholds, author FROM model_threshold_revisions').all()).toEqual([
      { model_id: 1, revision: 1, thresholds: '{"fold":0.4}', author: 'training' }
    ])
    const revision = db.prepare("INSERT INTO model_threshold_revisions (model_id, revision, thresholds, author, at) VALUES (1, ?, '{}', 'a', 'now')")
    expect(() => revision.run(1)).toThrow(/UNIQUE/)
    expect(() => revision.run(0)).toThrow(/CHECK/)
    db.prepare("INSERT INTO image_roots (path) VALUES ('/data')").run()
    db.prepare("INSERT INTO images (root_id, rel_path, hash, width, height, view, split, imported_at) VALUES (1, 'a.png', 'h', 4, 2, 'D01', 'train', 'now')").run()
    const stats = db.prepare(
      "INSERT INTO review_stats (model_id, image_id, prediction_at, labels_rev, width, height, class_ids, hists, computed_at) VALUES (?, 1, 'now', 0, 4, 2, '[1]', ?, 'now')"
    )
    stats.run(1, Buffer.alloc(2048))
    expect(() => stats.run(1, Buffer.alloc(2048))).toThrow(/UNIQUE|PRIMARY/)
    expect(() => stats.run(9, Buffer.alloc(2048))).toThrow(/FOREIGN KEY/)
    // Statistics go with their frame.
    db.prepare('DELETE FROM images WHERE id = 1').run()
    expect(db.prepare('SELECT count(*) FROM review_stats').pluck().get()).toBe(0)
  })
})

describe('migration 005', () => {
  it('gives existing verdicts the state applied and refuses an unknown state', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'workspace.sqlite')
    const db = openDatabase(file)
    cleanups.unshift(() => db.open && db.close())
    migrate(db, file, MIGRATIONS.slice(0, 4))
    db.prepare("INSERT INTO image_roots (path) VALUES ('/data')").run()
    db.prepare("INSERT INTO images (root_id, rel_path, hash, width, height, view, split, imported_at) VALUES (1, 'a.png', 'h', 4, 2, 'D01', 'test', 'now')").run()
    db.prepare("INSERT INTO review_verdicts (image_id, verdict, author, at) VALUES (1, 'false_positive', 'qc', 'then')").run()
    migrate(db, file, MIGRATIONS.slice(0, 5))
    expect(schemaVersion(db)).toBe(5)
    expect(db.prepare('SELECT state, label_ids, prev_status FROM review_verdicts').get()).toEqual({ state: 'applied', label_ids: null, prev_status: null })
    expect(() => db.prepare("UPDATE review_verdicts SET state = 'maybe'").run()).toThrow(/CHECK/)
  })
})

describe('migration 006', () => {
  it('gives existing images no split group and keeps them', () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'workspace.sqlite')
    const db = openDatabase(file)
    cleanups.unshift(() => db.open && db.close())
    migrate(db, file, MIGRATIONS.slice(0, 5))
    db.prepare("INSERT INTO image_roots (path) VALUES ('/data')").run()
    db.prepare("INSERT INTO images (root_id, rel_path, hash, width, height, view, split, imported_at) VALUES (1, 'a.png', 'h', 4, 2, 'D01', 'val', 'now')").run()
    migrate(db, file, MIGRATIONS.slice(0, 6))
    expect(schemaVersion(db)).toBe(6)
    expect(db.prepare('SELECT rel_path, split, split_group FROM images').all()).toEqual([{ rel_path: 'a.png', split: 'val', split_group: null }])
    db.prepare("UPDATE images SET split_group = 'coil_7' WHERE id = 1").run()
    expect(db.prepare("SELECT id FROM images WHERE split_group = 'coil_7'").pluck().all()).toEqual([1])
  })
})
