import { describe, expect, it } from 'vitest'
import { holdOrder, sameOrder } from './heldOrder'

const items = (...ids: number[]) => ids.map((imageId) => ({ imageId, tag: `v${imageId}` }))
const ids = (xs: { imageId: number }[]) => xs.map((x) => x.imageId)

describe('holdOrder', () => {
  it('keeps the held order when the queue re-ranks, with the new items themselves', () => {
    const next = items(3, 1, 2).map((x) => ({ ...x, tag: `new${x.imageId}` }))
    const out = holdOrder([1, 2, 3], next)
    expect(ids(out)).toEqual([1, 2, 3])
    expect(out.map((x) => x.tag)).toEqual(['new1', 'new2', 'new3'])
  })
  it('puts frames that joined after the held ones, in the queue order, and drops frames that left', () => {
    expect(ids(holdOrder([4, 2, 9], items(7, 2, 5, 4)))).toEqual([4, 2, 7, 5])
  })
  it('is the queue itself when nothing was held', () => {
    expect(ids(holdOrder([], items(5, 3, 8)))).toEqual([5, 3, 8])
  })
})

describe('sameOrder', () => {
  it('compares ids and their order', () => {
    expect(sameOrder(items(1, 2), items(1, 2))).toBe(true)
    expect(sameOrder(items(1, 2), items(2, 1))).toBe(false)
    expect(sameOrder(items(1, 2), items(1, 2, 3))).toBe(false)
  })
})
