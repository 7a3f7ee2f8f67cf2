import { describe, expect, it } from 'vitest'
import { commandFor, type KeyInput } from './keymap'

function key(k: string, mods: Partial<KeyInput> = {}): KeyInput {
  const code = /^[1-9]$/.test(k) ? `Digit${k}` : k.length === 1 ? `Key${k.toUpperCase()}` : k
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods }
}

describe('keymap', () => {
  it('maps the editing keys', () => {
    expect(commandFor(key('z', { ctrlKey: true }))).toEqual({ type: 'undo' })
    expect(commandFor(key('Z', { ctrlKey: true, shiftKey: true }))).toEqual({ type: 'redo' })
    expect(commandFor(key('y', { ctrlKey: true }))).toEqual({ type: 'redo' })
    expect(commandFor(key('z', { metaKey: true }))).toEqual({ type: 'undo' })
    expect(commandFor(key('3'))).toEqual({ type: 'class', index: 2 })
    // Shift+3 is '#' on a US layout: the code decides.
    expect(commandFor({ ...key('#', { shiftKey: true }), code: 'Digit3' })).toEqual({ type: 'toggleHidden', index: 2 })
    expect(commandFor(key('1', { altKey: true }))).toEqual({ type: 'toggleLocked', index: 0 })
    expect(commandFor(key('Enter'))).toEqual({ type: 'key', key: 'Enter' })
    expect(commandFor(key('Backspace'))).toEqual({ type: 'key', key: 'Backspace' })
    expect(commandFor(key('p'))).toEqual({ type: 'tool', tool: 'polygon' })
    expect(commandFor(key('V', { shiftKey: true }))).toEqual({ type: 'tool', tool: 'select' })
  })

  it('maps moving through the work', () => {
    for (const k of ['d', 'ArrowRight']) expect(commandFor(key(k))).toEqual({ type: 'next' })
    for (const k of ['a', 'ArrowLeft']) expect(commandFor(key(k))).toEqual({ type: 'prev' })
    expect(commandFor(key('n'))).toEqual({ type: 'markNormal' })
    expect(commandFor(key('m'))).toEqual({ type: 'markDone' })
    expect(commandFor(key('c'))).toEqual({ type: 'copyToNext' })
    expect(commandFor(key('c', { ctrlKey: true }))).toEqual({ type: 'copy' })
    expect(commandFor(key('v', { ctrlKey: true }))).toEqual({ type: 'paste' })
    expect(commandFor(key(' '))).toBeNull()
    expect(commandFor(key('r', { ctrlKey: true }))).toBeNull()
  })
})
