import type { Migration } from './types'

/**
 * Every change to the class list (add, edit, reorder, merge, delete) with
 * what it was before and what an undo needs to put back: the labels a merge
 * moved, the labels (with their revisions) a delete removed, the verdicts and
 * frame statuses it touched. A class row cannot stay behind as a tombstone
 * (exports and the review read the classes table as the live list), so a
 * deleted class's labels live on here instead of in labels.
 */
export const migration007: Migration = {
  version: 7,
  name: 'class-history',
  up: `
    CREATE TABLE class_history (
      id INTEGER PRIMARY KEY,
      op TEXT NOT NULL CHECK (op IN ('create', 'update', 'reorder', 'merge', 'delete')),
      -- the class changed (the merged-away one for a merge); NULL for a reorder
      class_id INTEGER,
      target_id INTEGER,
      -- JSON: the class row before and after, NULL where it did not exist
      before TEXT,
      after TEXT,
      -- JSON: class ids in list order before the change, and whatever else undo needs
      undo TEXT NOT NULL,
      summary TEXT NOT NULL,
      author TEXT NOT NULL,
      at TEXT NOT NULL,
      undone_at TEXT,
      undone_by TEXT
    );
    CREATE INDEX class_history_at ON class_history(at);
  `
}
