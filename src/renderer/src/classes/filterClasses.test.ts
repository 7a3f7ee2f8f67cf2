import { describe, expect, it } from 'vitest'
import { dropMissingClasses } from './filterClasses'

describe('dropMissingClasses', () => {
  const classes = [{ id: 1 }, { id: 3 }]

  it('returns the very same filter when every class still exists (or none is named)', () => {
    const f = { classIds: [3, 1], views: ['D01'] }
    expect(dropMissingClasses(f, classes)).toBe(f)
    const none: { classIds?: number[]; views: string[] } = { views: ['D02'] }
    expect(dropMissingClasses(none, classes)).toBe(none)
  })

  it('drops the ids of classes gone, and the key when none is left', () => {
    expect(dropMissingClasses({ classIds: [1, 2, 3], search: 'x' }, classes)).toEqual({ classIds: [1, 3], search: 'x' })
    const emptied = dropMissingClasses({ classIds: [2], search: 'x' }, classes)
    expect(emptied).toEqual({ search: 'x' })
    expect('classIds' in emptied).toBe(false)
  })
})
