import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { classTargets, type TileItem } from './dataset'
import { halfToFloat, readClassMaps } from './npy'
import { labelFraction, splitAll, splitGroup, splitKey } from './split'

const stems = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}_exp${i % 5}_num_${1000 + i * 37}`)

describe('quality split', () => {
  it('gives each class 15% test and 15% validation, whatever the listing order', () => {
    const fray = stems('Fray', 23)
    const s = splitGroup(fray)
    expect([s.train.length, s.val.length, s.test.length]).toEqual([17, 3, 3])
    expect(new Set([...s.train, ...s.val, ...s.test])).toEqual(new Set(fray))
    expect(splitGroup([...fray].reverse())).toEqual(s)
    const normal = splitGroup(stems('Free', 669))
    expect([normal.train.length, normal.val.length, normal.test.length]).toEqual([469, 100, 100])
  })

  it("puts an image in the same split when other images are added to its class", () => {
    // The test part is the lowest 15% of hashes: an image can only leave it when enough lower-hash images arrive.
    const base = stems('Crack', 46)
    const more = [...base, ...stems('CrackExtra', 4)]
    const a = splitGroup(base)
    const b = splitGroup(more)
    const moved = a.test.filter((x) => !b.test.includes(x) && !b.val.includes(x))
    expect(moved.length).toBeLessThanOrEqual(1)
  })

  it('is pinned: the hash and the split of a known list do not change (values from Python hashlib)', () => {
    expect(splitKey('Blowhole_exp1_num_262480')).toBe('da26966af78e6c77cc45d70cb0f86212de55489d0be65e253b2d462bd74bd1c3')
    const s = splitAll(new Map([['Break', stems('Break', 10)]])).get('Break')!
    expect(s.test).toEqual(['Break_exp2_num_1074', 'Break_exp1_num_1222'])
    expect(s.val).toEqual(['Break_exp3_num_1111', 'Break_exp0_num_1185'])
  })

  it('nests label fractions: the 30% set lies inside the 50% set', () => {
    const train = splitGroup(stems('Uneven', 78)).train
    const f30 = labelFraction(train, 0.3)
    const f50 = labelFraction(train, 0.5)
    expect(f30).toHaveLength(Math.round(train.length * 0.3))
    expect(f30.every((x) => f50.includes(x))).toBe(true)
    expect(labelFraction(train.slice(0, 1), 0.3)).toHaveLength(1)
    expect(() => labelFraction(train, 0)).toThrow()
  })

  it('refuses duplicate stems', () => {
    expect(() => splitGroup(['a', 'a'])).toThrow(/duplicate/)
  })
})

describe('PyTorch map reader', () => {
  it('decodes IEEE halves exactly', () => {
    expect(halfToFloat(0x3c00)).toBe(1)
    expect(halfToFloat(0x3800)).toBe(0.5)
    expect(halfToFloat(0x0001)).toBe(2 ** -24)
    expect(halfToFloat(0xc000)).toBe(-2)
    expect(halfToFloat(0x7c00)).toBe(Infinity)
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true)
  })

  /** A version-1.0 .npy, byte for byte as numpy.save writes it. */
  function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
    let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`
    const total = 10 + header.length + 1
    header += ' '.repeat((64 - (total % 64)) % 64) + '\n'
    const head = new Uint8Array(10 + header.length)
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0)
    new DataView(head.buffer).setUint16(8, header.length, true)
    head.set(Buffer.from(header, 'latin1'), 10)
    const out = new Uint8Array(head.length + data.length)
    out.set(head)
    out.set(data, head.length)
    return out
  }

  it('turns (K, H, W) planes into interleaved maps, float16 and float32', () => {
    // K=2, H=2, W=3: class 0 = 0, 0.25, 0.5 / 0.75, 1, 0.125; class 1 = 1 - class 0.
    const c0 = [0, 0.25, 0.5, 0.75, 1, 0.125]
    const values = [...c0, ...c0.map((v) => 1 - v)]
    const f32 = new Uint8Array(new Float32Array(values).buffer)
    const halves = new Uint16Array(values.map((v) => ({ 0: 0x0000, 0.25: 0x3400, 0.5: 0x3800, 0.75: 0x3a00, 1: 0x3c00, 0.125: 0x3000, 0.875: 0x3b00 })[v]!))
    for (const [descr, bytes] of [
      ['<f4', f32],
      ['<f2', new Uint8Array(halves.buffer)]
    ] as const) {
      const m = readClassMaps(npy(descr, [2, 2, 3], bytes))
      expect([m.classes, m.height, m.width]).toEqual([2, 2, 3])
      // pixel (x=1, y=1) is index 4: class 0 = 1, class 1 = 0
      expect(m.probs[4 * 2 + 0]).toBe(1)
      expect(m.probs[4 * 2 + 1]).toBe(0)
      expect(Array.from(m.probs.filter((_, i) => i % 2 === 0))).toEqual(c0)
    }
  })

  it('refuses wrong shapes, dtypes, orders and truncated data', () => {
    const four = new Uint8Array(4 * 4)
    expect(() => readClassMaps(npy('<f4', [4], four))).toThrow(/shape/)
    expect(() => readClassMaps(npy('<f8', [1, 1, 2], four))).toThrow(/dtype/)
    expect(() => readClassMaps(npy('<f4', [1, 2, 3], four))).toThrow(/needs 24/)
    expect(() => readClassMaps(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))).toThrow(/magic/)
    const fortran = npy('<f4', [1, 2, 2], four)
    const text = Buffer.from(fortran).toString('latin1').replace("'fortran_order': False", "'fortran_order': True ")
    expect(() => readClassMaps(Buffer.from(text, 'latin1'))).toThrow(/Fortran/)
  })

  it.runIf(hasNumpy())('reads what numpy.save writes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ds-npy-'))
    try {
      const file = path.join(dir, 'm.npy')
      execFileSync('/usr/bin/python3', [
        '-c',
        `import numpy as np; a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 32; np.save(${JSON.stringify(file)}, a.astype(np.float16))`
      ])
      const m = readClassMaps(readFileSync(file))
      expect([m.classes, m.height, m.width]).toEqual([2, 3, 4])
      // value at class c, row y, column x is (c*12 + y*4 + x) / 32, exact in float16
      for (let c = 0; c < 2; c++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) expect(m.probs[(y * 4 + x) * 2 + c]).toBe((c * 12 + y * 4 + x) / 32)
      writeFileSync(file, Buffer.alloc(0))
      expect(() => readClassMaps(readFileSync(file))).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('scoring targets', () => {
  it('rasterise each class of the polygons into its own channel', () => {
    const item: TileItem = {
      id: 'x',
      stem: 'x',
      group: 'Crack',
      path: '/x.jpg',
      width: 4,
      height: 3,
      view: 'D01',
      split: 'test',
      normal: false,
      polygons: [
        { classIndex: 1, points: [0, 0, 2, 0, 2, 2, 0, 2] },
        { classIndex: 0, points: [3, 2, 4, 2, 4, 3, 3, 3] }
      ]
    }
    const t = classTargets(item, 2)
    const ch = (c: number): number[] => Array.from({ length: 12 }, (_, i) => t[i * 2 + c]!)
    expect(ch(1)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    expect(ch(0)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
  })
})

function hasNumpy(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
