import type { Migration } from './types'

/**
 * Bulk actions on grid selections, kept so each can be undone exactly: the
 * action, and per frame it changed the values it overwrote. A removal keeps
 * the frame's whole record (the image row, its labels with their revision
 * history, predictions, review rows) in `removed`, so the frame can be put
 * back with the same ids. The two indexes let the removal's cascades find a
 * frame's labels and review rows without scanning those tables per frame.
 */
export const migration008: Migration = {
  version: 8,
  name: 'bulk-actions',
  up: `
    CREATE TABLE bulk_actions (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('status', 'view', 'split', 'remove')),
      -- the status, view or split set; NULL for a removal
      value TEXT,
      selected INTEGER NOT NULL,
      changed INTEGER NOT NULL,
      skipped INTEGER NOT NULL,
      author TEXT NOT NULL,
      at TEXT NOT NULL,
      undone_at TEXT
    );
    CREATE TABLE bulk_action_frames (
      action_id INTEGER NOT NULL REFERENCES bulk_actions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL,
      status TEXT,
      view TEXT,
      split TEXT,
      stratum TEXT,
      -- removal only: JSON, every row of the frame by table
      removed TEXT,
      PRIMARY KEY (action_id, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX labels_image ON labels(image_id);
    CREATE INDEX review_stats_image ON review_stats(image_id);
  `
}
