import type { Migration } from './types'

/** Classes, images and labels with their full revision history. */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
    CREATE TABLE classes (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
      color TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('defect', 'region')),
      position INTEGER NOT NULL,
      created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE image_roots (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL UNIQUE
    );
    CREATE TABLE imports (
      id INTEGER PRIMARY KEY,
      folder TEXT NOT NULL,
      options TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      summary TEXT
    );
    CREATE TABLE images (
      id INTEGER PRIMARY KEY,
      root_id INTEGER NOT NULL REFERENCES image_roots(id),
      rel_path TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      width INTEGER NOT NULL CHECK (width > 0),
      height INTEGER NOT NULL CHECK (height > 0),
      view TEXT NOT NULL CHECK (view IN ('D01', 'D02', 'D03', 'D04', 'unassigned')),
      split TEXT NOT NULL CHECK (split IN ('train', 'val', 'test')),
      status TEXT NOT NULL DEFAULT 'unlabeled'
        CHECK (status IN ('unlabeled', 'labeled', 'normal', 'needs-review')),
      -- view|class the image was stratified by when its split was assigned
      stratum TEXT NOT NULL DEFAULT '',
      import_id INTEGER REFERENCES imports(id),
      imported_at TEXT NOT NULL,
      UNIQUE (root_id, rel_path)
    );
    CREATE INDEX images_filter ON images(view, status, split);
    CREATE INDEX images_stratum ON images(stratum, split);
    CREATE TABLE labels (
      id INTEGER PRIMARY KEY,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      class_id INTEGER NOT NULL REFERENCES classes(id),
      points TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('manual', 'model', 'imported')),
      author TEXT NOT NULL,
      revision INTEGER NOT NULL DEFAULT 1,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      deleted_at TEXT
    );
    CREATE INDEX labels_live ON labels(image_id, class_id) WHERE deleted_at IS NULL;
    CREATE TABLE label_revisions (
      id INTEGER PRIMARY KEY,
      label_id INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL,
      revision INTEGER NOT NULL,
      op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
      class_id INTEGER NOT NULL,
      points TEXT NOT NULL,
      source TEXT NOT NULL,
      author TEXT NOT NULL,
      at TEXT NOT NULL,
      UNIQUE (label_id, revision)
    );
    CREATE INDEX label_revisions_image ON label_revisions(image_id);
  `
}
