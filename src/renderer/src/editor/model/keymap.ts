/**
 * Keyboard map. The editor is keyboard-first; every key is listed here so the
 * help panel and the handler cannot disagree.
 */
import type { ToolKey } from '../tools/tool'
import type { ToolName } from './types'

export type Command =
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'tool'; tool: ToolName }
  /** Pick the class at this 0-based key position; with a selected polygon (select tool) also recolour it. */
  | { type: 'class'; index: number }
  /** Toggle a class's visibility or lock; no index means the active class. */
  | { type: 'toggleHidden'; index?: number }
  | { type: 'toggleLocked'; index?: number }
  | { type: 'key'; key: ToolKey }
  | { type: 'next' }
  | { type: 'prev' }
  | { type: 'markNormal' }
  | { type: 'markDone' }
  | { type: 'fit' }
  | { type: 'oneToOne' }
  | { type: 'zoom'; factor: number }
  | { type: 'copy' }
  | { type: 'paste' }
  | { type: 'copyToNext' }
  | { type: 'brushSize'; factor: number }
  | { type: 'cycleSelection'; back: boolean }

export interface KeyInput {
  key: string
  code: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
}

const TOOL_KEYS: Record<string, ToolName> = { v: 'select', p: 'polygon', b: 'brush', e: 'eraser' }

export function commandFor(e: KeyInput): Command | null {
  const mod = e.ctrlKey || e.metaKey
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key
  const digit = /^Digit([1-9])$/.exec(e.code)
  if (mod) {
    if (key === 'z') return e.shiftKey ? { type: 'redo' } : { type: 'undo' }
    if (key === 'y') return { type: 'redo' }
    if (key === 'c' && !e.shiftKey) return { type: 'copy' }
    if (key === 'v' && !e.shiftKey) return { type: 'paste' }
    return null
  }
  if (digit) {
    const index = Number(digit[1]) - 1
    if (e.altKey) return { type: 'toggleLocked', index }
    if (e.shiftKey) return { type: 'toggleHidden', index }
    return { type: 'class', index }
  }
  if (e.altKey) return null
  switch (key) {
    case 'Enter':
    case 'Backspace':
    case 'Delete':
    case 'Escape':
      return { type: 'key', key }
    case 'ArrowRight':
    case 'd':
      return { type: 'next' }
    case 'ArrowLeft':
    case 'a':
      return { type: 'prev' }
    case 'n':
      return { type: 'markNormal' }
    case 'm':
      return { type: 'markDone' }
    case 'f':
      return { type: 'fit' }
    case 'o':
      return { type: 'oneToOne' }
    case '+':
    case '=':
      return { type: 'zoom', factor: 1.25 }
    case '-':
      return { type: 'zoom', factor: 0.8 }
    case 'h':
      return { type: 'toggleHidden' }
    case 'l':
      return { type: 'toggleLocked' }
    case 'c':
      return { type: 'copyToNext' }
    case '[':
      return { type: 'brushSize', factor: 1 / 1.25 }
    case ']':
      return { type: 'brushSize', factor: 1.25 }
    case 'Tab':
      return { type: 'cycleSelection', back: e.shiftKey }
  }
  const tool = TOOL_KEYS[key]
  return tool ? { type: 'tool', tool } : null
}

/** Shown in the editor's help panel. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['V P B E', 'select, polygon, brush, eraser'],
  ['1-9', 'pick class (recolours the selected polygon)'],
  ['Shift+1-9 / H', 'hide or show a class / the active class'],
  ['Alt+1-9 / L', 'lock or unlock a class / the active class'],
  ['Click first vertex, double-click, Enter', 'close the polygon'],
  ['Backspace / Esc', 'remove the last vertex / cancel'],
  ['Edge click / Alt+click vertex / Del', 'insert / remove vertex; Del removes the polygon'],
  ['Ctrl+Z, Ctrl+Shift+Z / Ctrl+Y', 'undo, redo'],
  ['A D, ← →', 'previous, next frame'],
  ['N / M', 'mark normal / mark done'],
  ['Ctrl+C Ctrl+V / C', 'copy, paste / copy to the next frame of the view'],
  ['Wheel, Space+drag, middle drag', 'zoom at cursor, pan'],
  ['F / O / + -', 'fit, 1:1, zoom'],
  ['[ ]', 'brush size'],
  ['Tab', 'next polygon']
]
