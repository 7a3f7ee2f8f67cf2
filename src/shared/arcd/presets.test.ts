import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CPU_PRESET, DEFAULT_TRAIN, GPU_PRESET } from './config'

/** The preset files shipped in resources/ are what users read and copy; they must say what the code runs. */
function presetFile(name: string): { name: string; model: unknown; train: unknown } {
  return JSON.parse(readFileSync(join(__dirname, '../../../resources/presets', `${name}.json`), 'utf8'))
}

describe('shipped preset files', () => {
  it('match the presets and training defaults in the code', () => {
    for (const [name, preset] of [['cpu', CPU_PRESET], ['gpu', GPU_PRESET]] as const) {
      const file = presetFile(name)
      expect(file.name).toBe(name)
      expect(file.model).toEqual(preset)
      expect(file.train).toEqual(DEFAULT_TRAIN)
    }
  })
})
