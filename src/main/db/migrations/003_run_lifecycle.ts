import type { Migration } from './types'

/**
 * What the in-app training needs beyond migration 2: where a run can resume
 * from, which model it started from, its test metrics apart from validation,
 * its last progress, and whether its model was promoted or declined.
 */
export const migration003: Migration = {
  version: 3,
  name: 'run-lifecycle',
  up: `
    ALTER TABLE runs ADD COLUMN arch TEXT NOT NULL DEFAULT 'arcd';
    ALTER TABLE runs ADD COLUMN checkpoint TEXT;
    ALTER TABLE runs ADD COLUMN warm_start_model_id INTEGER REFERENCES models(id);
    ALTER TABLE runs ADD COLUMN test_metrics TEXT;
    ALTER TABLE runs ADD COLUMN progress TEXT;
    ALTER TABLE runs ADD COLUMN decision TEXT CHECK (decision IN ('promoted', 'declined'));
    ALTER TABLE predictions ADD COLUMN run_id INTEGER REFERENCES runs(id);
    CREATE INDEX predictions_image ON predictions(image_id, model_id);
  `
}
