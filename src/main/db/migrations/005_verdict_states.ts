import type { Migration } from './types'

/**
 * Verdicts that wait and verdicts that can be taken back. A verdict on a
 * test frame is recorded as pending and changes nothing until an inspector
 * confirms it in the editor (the test labels stay ground truth the model
 * never wrote); a verdict that changed a frame keeps what it added and the
 * status before, so it can be undone exactly.
 */
export const migration005: Migration = {
  version: 5,
  name: 'verdict_states',
  up: `
    ALTER TABLE review_verdicts ADD COLUMN state TEXT NOT NULL DEFAULT 'applied'
      CHECK (state IN ('applied', 'pending', 'confirmed', 'dismissed', 'undone'));
    -- JSON: the thresholds the verdict was given under (a pending true defect is traced with them when confirmed)
    ALTER TABLE review_verdicts ADD COLUMN thresholds TEXT;
    -- JSON array of the label ids the verdict added
    ALTER TABLE review_verdicts ADD COLUMN label_ids TEXT;
    ALTER TABLE review_verdicts ADD COLUMN prev_status TEXT;
    ALTER TABLE review_verdicts ADD COLUMN resolved_by TEXT;
    ALTER TABLE review_verdicts ADD COLUMN resolved_at TEXT;
    CREATE INDEX review_verdicts_pending ON review_verdicts(image_id) WHERE state = 'pending';
  `
}
