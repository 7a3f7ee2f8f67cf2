import { describe, expect, it } from 'vitest'
import { CURSOR_SELECTION, afterClick, isSelected, keepOnly, selectAll, selectNone, selectedCount, selectedSet, type SelectionState } from './gridSelection'

/** Frame at index i has id 100 + i; the range answer comes late, as from the server. */
const idAt = (i: number): number => 100 + i
const rangeIds = async (a: number, b: number): Promise<number[]> => {
  const out: number[] = []
  for (let i = Math.min(a, b); i <= Math.max(a, b); i++) out.push(idAt(i))
  return out
}
const plain = { shift: false, toggle: false }
const shift = { shift: true, toggle: false }
const ctrl = { shift: false, toggle: true }
const ctrlShift = { shift: true, toggle: true }

function ids(state: SelectionState, cursor: number): number[] {
  return [...selectedSet(state, idAt(cursor))].sort((a, b) => a - b)
}

describe('grid selection', () => {
  it('follows the cursor until an explicit gesture', async () => {
    let s = await afterClick(CURSOR_SELECTION, idAt(0), 7, idAt(7), plain, rangeIds)
    expect(s.selection.kind).toBe('cursor')
    expect(selectedCount(s, 50)).toBe(1)
    expect(selectedCount(s, 0)).toBe(0)
    expect(isSelected(s, 7, 7, idAt(7))).toBe(true)
    expect(isSelected(s, 7, 8, idAt(8))).toBe(false)
    s = await afterClick(s, idAt(7), 3, idAt(3), plain, rangeIds)
    expect(s.anchor).toBe(3)
  })

  it('Shift+click selects the range from the anchor, either way, and replaces the selection', async () => {
    let s = await afterClick(CURSOR_SELECTION, idAt(0), 5, idAt(5), plain, rangeIds)
    s = await afterClick(s, idAt(5), 9, idAt(9), shift, rangeIds)
    expect(ids(s, 9)).toEqual([105, 106, 107, 108, 109])
    // The anchor stays: a second Shift+click re-draws the range from it.
    s = await afterClick(s, idAt(9), 2, idAt(2), shift, rangeIds)
    expect(ids(s, 2)).toEqual([102, 103, 104, 105])
    expect(selectedCount(s, 50)).toBe(4)
  })

  it('Ctrl+click keeps the cursor frame and toggles; Ctrl+Shift adds a range', async () => {
    let s = await afterClick(CURSOR_SELECTION, idAt(0), 4, idAt(4), plain, rangeIds)
    s = await afterClick(s, idAt(4), 10, idAt(10), ctrl, rangeIds)
    expect(ids(s, 10)).toEqual([104, 110])
    s = await afterClick(s, idAt(10), 4, idAt(4), ctrl, rangeIds)
    expect(ids(s, 4)).toEqual([110])
    // Anchor moved to 4 with the last Ctrl+click: Ctrl+Shift+click on 6 adds 4..6.
    s = await afterClick(s, idAt(4), 6, idAt(6), ctrlShift, rangeIds)
    expect(ids(s, 6)).toEqual([104, 105, 106, 110])
    expect(isSelected(s, 6, 10, idAt(10))).toBe(true)
    expect(isSelected(s, 6, 7, idAt(7))).toBe(false)
    // A cell not loaded yet (no id) is looked up.
    s = await afterClick(s, idAt(6), 20, undefined, ctrl, rangeIds)
    expect(ids(s, 20)).toContain(120)
  })

  it('Ctrl+A, Esc and pruning after an action', () => {
    let s = selectAll([1, 2, 3, 4], 0)
    expect(selectedCount(s, 4)).toBe(4)
    s = keepOnly(s, new Set([2, 4, 9]))
    expect([...selectedSet(s, undefined)].sort()).toEqual([2, 4])
    s = selectNone(0)
    expect(selectedCount(s, 4)).toBe(0)
    expect(isSelected(s, 0, 0, 1)).toBe(false)
    expect(keepOnly(CURSOR_SELECTION, new Set())).toBe(CURSOR_SELECTION)
  })
})
