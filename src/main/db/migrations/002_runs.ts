import type { Migration } from './types'

/** Training/evaluation runs, their models, stored predictions and review verdicts. */
export const migration002: Migration = {
  version: 2,
  name: 'runs-models-predictions-reviews',
  up: `
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('train', 'eval', 'infer', 'experiment')),
      state TEXT NOT NULL
        CHECK (state IN ('queued', 'running', 'cancelling', 'done', 'failed', 'cancelled')),
      config TEXT NOT NULL DEFAULT '{}',
      data_snapshot TEXT,
      backend TEXT,
      parent_run_id INTEGER REFERENCES runs(id),
      error TEXT,
      metrics TEXT,
      created_at TEXT NOT NULL,
      started_at TEXT,
      finished_at TEXT
    );
    CREATE TABLE run_epochs (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      stage TEXT NOT NULL,
      epoch INTEGER NOT NULL,
      train_loss REAL,
      val_loss REAL,
      metrics TEXT,
      at TEXT NOT NULL,
      PRIMARY KEY (run_id, stage, epoch)
    );
    CREATE TABLE models (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id),
      dir TEXT NOT NULL,
      thresholds TEXT NOT NULL DEFAULT '{}',
      threshold_revision INTEGER NOT NULL DEFAULT 1,
      active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
      created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX models_one_active ON models(active) WHERE active = 1;
    CREATE TABLE predictions (
      id INTEGER PRIMARY KEY,
      model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      score REAL NOT NULL,
      class_scores TEXT NOT NULL DEFAULT '{}',
      maps_path TEXT,
      created_at TEXT NOT NULL,
      UNIQUE (model_id, image_id)
    );
    CREATE TABLE review_verdicts (
      id INTEGER PRIMARY KEY,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
      class_id INTEGER REFERENCES classes(id),
      verdict TEXT NOT NULL CHECK (verdict IN ('true_defect', 'false_positive', 'missed_defect')),
      author TEXT NOT NULL,
      note TEXT,
      at TEXT NOT NULL
    );
    CREATE INDEX review_verdicts_image ON review_verdicts(image_id);
  `
}
