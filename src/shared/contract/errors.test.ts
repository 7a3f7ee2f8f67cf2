import { describe, expect, it } from 'vitest'
import { bridgeError, errorCode, errorMessage } from './errors'

describe('errors across transports', () => {
  it('reads the code from a web-transport error and from an Electron bridge message', () => {
    const web = Object.assign(new Error('No image with id 3'), { code: 'not_found' })
    const bridged = bridgeError({ code: 'not_found', message: 'No image with id 3' })
    for (const e of [web, bridged]) {
      expect(errorCode(e)).toBe('not_found')
      expect(errorMessage(e)).toBe('No image with id 3')
    }
    expect(errorCode(new Error('plain'))).toBe('unknown')
    expect(errorMessage('text')).toBe('text')
  })
})
