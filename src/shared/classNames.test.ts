import { describe, expect, it } from 'vitest'
import { CLASS_NAME_MAX, classNameProblem } from './classNames'

describe('class names', () => {
  it.each(['fold', 'edge_crack', 'Blowhole', 'edge crack', 'scratch-v2.1', '裂纹', 'x'.repeat(CLASS_NAME_MAX)])('accepts %j', (name) => {
    expect(classNameProblem(name)).toBeNull()
  })
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    [' fold', /spaces/],
    ['fold\n', /spaces/],
    ['fo\nld', /control character/],
    ['fo\tld', /control character/],
    ['a\u0000b', /control character/],
    ['a\u2028b', /control character/],
    ['x'.repeat(CLASS_NAME_MAX + 1), /longer than 64/],
    ['bad/name', /"\/", which a file or folder name cannot hold/],
    ['a\\b', /file or folder name/],
    ['what?', /file or folder name/]
  ])('refuses %j', (name, why) => {
    expect(classNameProblem(name)).toMatch(why)
  })
})
