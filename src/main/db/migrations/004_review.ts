import type { Migration } from './types'

/**
 * The review workspace: per-frame statistics computed from a model's cached
 * prediction maps (two 256-bin probability histograms per class, inside and
 * outside the class's labels, from which every count follows at any
 * threshold), and the history of each model's thresholds.
 */
export const migration004: Migration = {
  version: 4,
  name: 'review',
  up: `
    CREATE TABLE review_stats (
      model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      -- predictions.created_at and the image's newest label revision id when computed: a change of either makes the row stale
      prediction_at TEXT NOT NULL,
      labels_rev INTEGER NOT NULL,
      width INTEGER NOT NULL CHECK (width > 0),
      height INTEGER NOT NULL CHECK (height > 0),
      -- JSON array: the class id of each histogram in hists
      class_ids TEXT NOT NULL,
      -- per class 512 little-endian uint32: counts of probability bytes 0..255 outside, then inside, the class's labels
      hists BLOB NOT NULL,
      computed_at TEXT NOT NULL,
      PRIMARY KEY (model_id, image_id)
    );
    CREATE TABLE model_threshold_revisions (
      id INTEGER PRIMARY KEY,
      model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      revision INTEGER NOT NULL CHECK (revision >= 1),
      thresholds TEXT NOT NULL,
      author TEXT NOT NULL,
      note TEXT,
      at TEXT NOT NULL,
      UNIQUE (model_id, revision)
    );
    INSERT INTO model_threshold_revisions (model_id, revision, thresholds, author, note, at)
      SELECT id, threshold_revision, thresholds, 'training', 'chosen by the training run', created_at FROM models;
    CREATE INDEX review_verdicts_model ON review_verdicts(model_id, image_id);
  `
}
