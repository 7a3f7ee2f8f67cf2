import { describe, expect, it } from 'vitest'
import type { Label } from '../../../../shared/contract'
import { addChange, applyChanges, removeChange, updateChange } from './document'
import { FrameState } from './frameState'
import { History } from './history'
import { adoptSaved } from './labelsSync'
import type { EditorPolygon } from './types'

const p = (key: string, classId = 1): EditorPolygon => ({ key, classId, points: [0, 0, 1, 0, 1, 1], source: 'manual' })

function savedLabel(id: number, classId: number, points: number[]): Label {
  return { id, imageId: 1, classId, points, source: 'manual', author: '', revision: 1, createdAt: '', updatedAt: '' }
}

describe('document and history', () => {
  it('undo restores a deleted polygon at its place; redo deletes it again', () => {
    const list = [p('a'), p('b'), p('c')]
    const h = new History()
    const del = [removeChange(list, 'b')!]
    h.record(del)
    let now = applyChanges(list, del)
    expect(now.map((x) => x.key)).toEqual(['a', 'c'])
    now = applyChanges(now, h.undo()!)
    expect(now.map((x) => x.key)).toEqual(['a', 'b', 'c'])
    now = applyChanges(now, h.redo()!)
    expect(now.map((x) => x.key)).toEqual(['a', 'c'])
    expect(h.canRedo).toBe(false)
  })

  it('a multi-change step undoes as a whole, and a new edit drops the redo stack', () => {
    const list = [p('a')]
    const h = new History()
    const step = [updateChange(list, p('a', 2))!, addChange(list, p('b'), 1)]
    h.record(step)
    let now = applyChanges(list, step)
    now = applyChanges(now, h.undo()!)
    expect(now).toEqual(list)
    h.record([addChange(now, p('z'))])
    expect(h.canRedo).toBe(false)
  })
})

describe('adopting a save', () => {
  it('maps created labels to the polygons in the order they were sent', () => {
    const sent = [p('L5'), p('n1'), p('n2')]
    const ids = new Map([['L5', 5]])
    const a = adoptSaved(sent, ids, [savedLabel(5, 1, [0, 0, 1, 0, 1, 1]), savedLabel(9, 1, [0, 0, 1, 0, 1, 1]), savedLabel(10, 1, [0, 0, 1, 0, 1, 1])])
    expect([...a.ids]).toEqual([
      ['L5', 5],
      ['n1', 9],
      ['n2', 10]
    ])
    expect(a.extra).toEqual([])
  })

  it('keeps a label someone else added meanwhile instead of deleting it on the next save', () => {
    const f = new FrameState(1, 10, 10, [], 'unlabeled')
    f.apply([addChange([], p('n1'))])
    const sent = f.polygons
    f.adopt(sent, new Map(), [savedLabel(3, 2, [0, 0, 5, 0, 5, 5]), savedLabel(4, 1, [0, 0, 1, 0, 1, 1])], f.version)
    expect(f.polygons.map((x) => x.key)).toEqual(['n1', 'L3'])
    expect(f.serverIds.get('n1')).toBe(4)
    expect(f.dirty).toBe(false)
  })
})
