import { describe, expect, it } from 'vitest'
import { thresholdText } from './thresholdText'

describe('thresholds in words', () => {
  it('writes two decimals in the middle and enough digits near 0 and 1 to tell the threshold from them', () => {
    expect([0, 0.01, 0.5, 0.257, 0.99, 1].map(thresholdText)).toEqual(['0.00', '0.01', '0.50', '0.26', '0.99', '1.00'])
    expect([0.99998, 0.9999987, 0.995, 1 - 1e-9, 0.0004, 0.003, 1e-12].map(thresholdText)).toEqual(['0.999980', '0.9999987', '0.9950', '0.9999999990', '0.00040', '0.0030', '1.0e-12'])
  })

  it('says 1.00 for a threshold above 1, which marks nothing', () => {
    expect(thresholdText(1.0000000000000002)).toBe('1.00')
  })
})
