import type { Migration } from './types'

/**
 * The split group of each image: frames with the same key (a coil id taken
 * from the path, or the import batch) are kept in one split, so near-identical
 * consecutive frames cannot land in training and test at once. NULL means the
 * frame stands alone.
 */
export const migration006: Migration = {
  version: 6,
  name: 'split-groups',
  up: `
    ALTER TABLE images ADD COLUMN split_group TEXT;
    CREATE INDEX images_split_group ON images(split_group) WHERE split_group IS NOT NULL;
  `
}
