import { migration001 } from './001_initial'
import { migration002 } from './002_runs'
import { migration003 } from './003_run_lifecycle'
import { migration004 } from './004_review'
import { migration005 } from './005_verdict_states'
import { migration006 } from './006_split_groups'
import { migration007 } from './007_class_history'
import { migration008 } from './008_bulk_actions'
import type { Migration } from './types'

export type { Migration }

/** Every migration in order. Append only: a shipped migration never changes. */
export const MIGRATIONS: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008]

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version
