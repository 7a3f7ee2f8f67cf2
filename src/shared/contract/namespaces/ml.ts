/** The ML engine: which backend runs, and why. */
import type { BackendStatus } from '../training'
import { none } from '../schemas'

export const mlArgs = {
  'ml.backend': none
} as const

export interface MlResults {
  'ml.backend': BackendStatus
}
