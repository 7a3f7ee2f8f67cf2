/**
 * Which frames the grid has selected, as a file manager does it: a plain
 * click or arrow key selects the frame under the cursor; Ctrl/Cmd+click
 * toggles one frame; Shift+click or Shift+arrow selects the range from the
 * anchor; Ctrl+A selects every frame in the filter; Esc selects nothing.
 *
 * Until one of those explicit gestures the selection simply follows the
 * cursor (`kind: 'cursor'`), so keyboard browsing needs no ids: a cell far
 * down the list may not be loaded yet. Explicit selections hold image ids,
 * which survive a refresh that reorders or drops rows.
 */

export type Selection = { kind: 'cursor' } | { kind: 'set'; ids: ReadonlySet<number> }

export interface SelectionState {
  selection: Selection
  /** Index Shift extends from: the last plain or Ctrl click. */
  anchor: number
}

export const CURSOR_SELECTION: SelectionState = { selection: { kind: 'cursor' }, anchor: 0 }

export interface ClickModifiers {
  shift: boolean
  /** Ctrl on Linux and Windows, Cmd on macOS. */
  toggle: boolean
}

/** The ids of the frames at indexes [from, to], both included and in any order; loading them may take a round trip. */
export type RangeIds = (from: number, to: number) => readonly number[] | Promise<readonly number[]>

/** The explicit set a selection stands for, with the cursor's id when it follows the cursor. */
export function selectedSet(state: SelectionState, cursorId: number | undefined): Set<number> {
  if (state.selection.kind === 'set') return new Set(state.selection.ids)
  return cursorId === undefined ? new Set() : new Set([cursorId])
}

export function isSelected(state: SelectionState, cursor: number, index: number, id: number | undefined): boolean {
  if (state.selection.kind === 'cursor') return index === cursor
  return id !== undefined && state.selection.ids.has(id)
}

/** How many frames are selected; `total` is the frames in the filter. */
export function selectedCount(state: SelectionState, total: number): number {
  if (state.selection.kind === 'cursor') return total > 0 ? 1 : 0
  return state.selection.ids.size
}

/**
 * The state after a click (or a Shift+arrow, with `shift`) on `index`. A
 * plain click goes back to following the cursor. Ctrl keeps what was selected
 * (the cursor's frame too) and toggles one frame; Shift replaces the
 * selection with the anchor's range, Ctrl+Shift adds the range to it.
 */
export async function afterClick(
  state: SelectionState,
  cursorId: number | undefined,
  index: number,
  id: number | undefined,
  mods: ClickModifiers,
  rangeIds: RangeIds
): Promise<SelectionState> {
  if (mods.shift) {
    const range = await rangeIds(state.anchor, index)
    const ids = mods.toggle ? selectedSet(state, cursorId) : new Set<number>()
    for (const r of range) ids.add(r)
    return { selection: { kind: 'set', ids }, anchor: state.anchor }
  }
  if (mods.toggle) {
    const ids = selectedSet(state, cursorId)
    const clicked = id ?? (await rangeIds(index, index))[0]
    if (clicked !== undefined) {
      if (ids.has(clicked)) ids.delete(clicked)
      else ids.add(clicked)
    }
    return { selection: { kind: 'set', ids }, anchor: index }
  }
  return { selection: { kind: 'cursor' }, anchor: index }
}

export function selectAll(ids: readonly number[], anchor: number): SelectionState {
  return { selection: { kind: 'set', ids: new Set(ids) }, anchor }
}

export function selectNone(anchor: number): SelectionState {
  return { selection: { kind: 'set', ids: new Set() }, anchor }
}

/** Drops ids no longer in the filter (a bulk action moved them out, or removed them). */
export function keepOnly(state: SelectionState, present: ReadonlySet<number>): SelectionState {
  if (state.selection.kind === 'cursor') return state
  const ids = [...state.selection.ids].filter((id) => present.has(id))
  return ids.length === state.selection.ids.size ? state : { ...state, selection: { kind: 'set', ids: new Set(ids) } }
}
