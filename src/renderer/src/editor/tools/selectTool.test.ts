import { describe, expect, it } from 'vitest'
import { click, drag, label, points, rig } from '../test/fixtures'

const SQUARE = [10.5, 10.5, 40.5, 10.5, 40.5, 40.5, 10.5, 40.5]

function selectRig() {
  const r = rig([label(7, 11, SQUARE), label(8, 13, [0.5, 0.5, 99.5, 0.5, 99.5, 79.5, 0.5, 79.5])])
  r.core.setTool('select')
  return r
}

describe('select tool', () => {
  it('selects the topmost polygon: defects above the region drawn under them', () => {
    const r = selectRig()
    click(r, 20, 20)
    expect(r.core.getSnapshot().selectedKey).toBe('L7')
    click(r, 70, 60)
    expect(r.core.getSnapshot().selectedKey).toBe('L8')
    r.core.command({ type: 'key', key: 'Escape' })
    expect(r.core.getSnapshot().selectedKey).toBeNull()
  })

  it('drags a vertex to a pixel centre, and one drag is one undo step', () => {
    const r = selectRig()
    click(r, 20, 20)
    drag(r, [40.5, 40.5], [55.2, 60.9], 6)
    expect(points(r)).toEqual([10.5, 10.5, 40.5, 10.5, 55.5, 60.5, 10.5, 40.5])
    expect(r.edits).toBe(1)
    r.core.command({ type: 'undo' })
    expect(points(r)).toEqual(SQUARE)
    r.core.command({ type: 'redo' })
    expect(points(r)).toEqual([10.5, 10.5, 40.5, 10.5, 55.5, 60.5, 10.5, 40.5])
  })

  it('reverts a vertex drag that would make the outline cross itself', () => {
    const r = selectRig()
    click(r, 20, 20)
    r.core.pointerDown(r.core.toolPointer(40.5, 40.5, { alt: false, shift: false }))
    r.core.pointerMove(r.core.toolPointer(25, 5, { alt: false, shift: false }))
    expect(r.core.getSnapshot().preview.drag?.invalid).toBe(true)
    r.core.pointerUp(r.core.toolPointer(25, 5, { alt: false, shift: false }))
    expect(points(r)).toEqual(SQUARE)
    expect(r.core.getSnapshot().message?.text).toMatch(/cross/)
    expect(r.edits).toBe(0)
  })

  it('inserts a vertex on an edge click and deletes vertices down to three', () => {
    const r = selectRig()
    click(r, 20, 20)
    click(r, 25.3, 10.8)
    expect(points(r)).toEqual([10.5, 10.5, 25.5, 10.5, 40.5, 10.5, 40.5, 40.5, 10.5, 40.5])
    expect(r.core.getSnapshot().selectedVertex).toBe(1)
    r.core.command({ type: 'key', key: 'Delete' })
    expect(points(r)).toEqual(SQUARE)
    click(r, 10.5, 40.5, { alt: true })
    expect(points(r)).toEqual([10.5, 10.5, 40.5, 10.5, 40.5, 40.5])
    click(r, 10.5, 10.5, { alt: true })
    expect(points(r)).toHaveLength(6)
    expect(r.core.getSnapshot().message?.text).toMatch(/at least 3/)
  })

  it('moves a whole polygon by whole pixels, kept inside the frame', () => {
    const r = selectRig()
    drag(r, [20, 20], [27.4, 14.6])
    expect(points(r)).toEqual([17.5, 5.5, 47.5, 5.5, 47.5, 35.5, 17.5, 35.5])
    drag(r, [30, 20], [200, 20])
    expect(Math.max(...points(r).filter((_, k) => k % 2 === 0))).toBeLessThanOrEqual(100)
    expect(r.edits).toBe(2)
  })

  it('deletes the selected polygon, and undo restores it in place with its id', () => {
    const r = selectRig()
    click(r, 20, 20)
    r.core.command({ type: 'key', key: 'Delete' })
    expect(r.core.getSnapshot().polygons.map((p) => p.key)).toEqual(['L8'])
    r.core.command({ type: 'undo' })
    expect(r.core.getSnapshot().polygons.map((p) => p.key)).toEqual(['L7', 'L8'])
  })

  it('changes the selected polygon class by key; hidden and locked classes cannot be picked', () => {
    const r = selectRig()
    click(r, 20, 20)
    r.core.command({ type: 'class', index: 1 })
    expect(r.core.getSnapshot().polygons[0]!.classId).toBe(12)
    expect(r.core.getSnapshot().activeClassId).toBe(12)
    r.core.command({ type: 'toggleHidden', index: 1 })
    expect(r.core.getSnapshot().selectedKey).toBeNull()
    click(r, 20, 20)
    expect(r.core.getSnapshot().selectedKey).toBe('L8')
    r.core.command({ type: 'toggleLocked', index: 2 })
    click(r, 20, 20)
    expect(r.core.getSnapshot().selectedKey).toBeNull()
  })

  it('keeps history per frame across switches', () => {
    const r = selectRig()
    click(r, 20, 20)
    drag(r, [40.5, 40.5], [50.5, 50.5])
    const first = r.frame
    const other = rig().frame
    r.core.attach(other)
    expect(r.core.getSnapshot().canUndo).toBe(false)
    r.core.attach(first)
    expect(r.core.getSnapshot().canUndo).toBe(true)
    r.core.command({ type: 'undo' })
    expect(points(r)).toEqual(SQUARE)
  })
})
