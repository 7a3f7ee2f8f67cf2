import { describe, expect, it } from 'vitest'
import { usageRefusal } from '../test/usageRefusal'
import { parseArgs } from './args'
import { experimentRequest } from './experimentFlags'

const request = (line: string) => experimentRequest(parseArgs(line.split(' ').filter(Boolean)))

const refused = (line: string): string => usageRefusal(line, request)

describe('studio experiment flags', () => {
  it('runs one seed on split seed 1 at 100/50/30% with 6 minutes a training by default', () => {
    const r = request('experiment magnetic-tile')
    expect(r.seeds).toEqual([1])
    expect(r.splitSeed).toBe(1)
    expect(r.fractions).toEqual([1, 0.5, 0.3])
    expect(r.train.budgetMinutes).toBe(6)
    expect(r.model.input).toBe('tiles')
  })

  it('takes several training seeds (each once, in the order given), a split seed and fractions', () => {
    const r = request('experiment magnetic-tile --seeds 3,1,3,2 --split-seed 7 --fractions 1,0.3 --budget 2.5')
    expect(r.seeds).toEqual([3, 1, 2])
    expect(r.splitSeed).toBe(7)
    expect(r.fractions).toEqual([1, 0.3])
    expect(r.train.budgetMinutes).toBe(2.5)
    expect(request('experiment magnetic-tile --seed 5').seeds).toEqual([5])
  })

  it('keeps Run B of docs/experiments.md behind --input letterbox', () => {
    const r = request('experiment magnetic-tile --input letterbox')
    expect([r.model.input, r.model.size, r.train.budgetMinutes, r.train.loss, r.train.stage2Epochs]).toEqual(['letterbox', 64, 0, 'focal-batch', 12])
  })

  it('refuses bad values before anything starts, naming the flag and the value', () => {
    expect(refused('experiment magnetic-tile --seeds 1,x')).toBe('--seeds must be positive whole numbers separated by commas, got "1,x"')
    expect(refused('experiment magnetic-tile --seeds 0,1')).toMatch(/--seeds must be positive/)
    expect(refused('experiment magnetic-tile --split-seed 0')).toMatch(/--split-seed must be a positive whole number, got "0"/)
    expect(refused('experiment magnetic-tile --fractions 1,1.5')).toBe('--fractions must be shares in (0, 1] separated by commas, got "1,1.5"')
    expect(refused('experiment magnetic-tile --fractions 0.5,')).toMatch(/--fractions must be shares/)
    expect(refused('experiment magnetic-tile --budget 0')).toMatch(/--budget must be a positive number of minutes/)
  })
})
