import { describe, expect, it } from 'vitest'
import type { BulkPreview } from '../../../shared/contract/namespaces/images'
import { confirmText } from './BulkBar'

const preview = (p: Partial<BulkPreview>): BulkPreview => ({ frames: 0, changes: 0, skipped: 0, skippedReason: null, unchanged: 0, groupMembers: 0, usedByRuns: 0, ...p })

describe('bulk confirmations', () => {
  it('a split names the frames that move, the group members and the frames a run evaluated on', () => {
    const t = confirmText({ action: { kind: 'split', split: 'train' }, preview: preview({ frames: 10, changes: 14, groupMembers: 4, usedByRuns: 3 }) })
    expect(t.question).toBe('Move 14 frames to train?')
    expect(t.yes).toBe('Move 14 frames')
    expect(t.warnings).toEqual([
      "3 frames were used by a finished run's validation or test set: its figures will no longer match the workspace.",
      '4 frames not selected move too: they share a split group (a coil) with selected frames.'
    ])
  })

  it('a removal names its count and says the files stay', () => {
    const t = confirmText({ action: { kind: 'remove' }, preview: preview({ frames: 1, changes: 1, usedByRuns: 1 }) })
    expect(t.question).toBe('Remove 1 frame from the workspace?')
    expect(t.warnings[0]).toMatch(/image files stay where they are/)
    expect(t.warnings[1]).toMatch(/^1 frame was used by a finished run/)
  })
})
