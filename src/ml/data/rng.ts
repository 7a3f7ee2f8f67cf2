/**
 * Small seeded PRNG (sfc32 seeded through splitmix32) so that anomaly
 * simulation, textures and data order replay exactly for a given seed.
 * Math.random is never used in the data pipeline.
 */

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [lo, hi], both ends INCLUSIVE. */
  int(lo: number, hi: number): number
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number
  /** Same as uniform (the name src/shared/random.ts uses, so this Rng can stand in for that one). */
  range(lo: number, hi: number): number
  /** Standard normal (Box-Muller). */
  normal(): number
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[]
  /** `count` distinct elements, in random order (count <= items.length). */
  sample<T>(items: readonly T[], count: number): T[]
  /** A 32-bit seed drawn from this stream, for seeding another generator or a TF initialiser. */
  seed(): number
  /** An independent generator derived from this one (advances this stream once). */
  fork(): Rng
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number, got ${seed}`)
  // Fold non-integer or large seeds into 32 bits without losing their high part.
  const folded = (Math.floor(seed) ^ Math.floor(seed / 4294967296)) >>> 0
  const init = splitmix32(folded)
  let a = init()
  let b = init()
  let c = init()
  let d = init()
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t
  }
  // Warm up: sfc32 recommends discarding the first outputs.
  for (let i = 0; i < 12; i++) u32()
  let spare: number | null = null

  const rng: Rng = {
    next: () => u32() / 4294967296,
    int(lo, hi) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new Error(`Rng.int: need integers lo <= hi, got ${lo}, ${hi}`)
      }
      return lo + Math.floor(rng.next() * (hi - lo + 1))
    },
    uniform: (lo, hi) => lo + rng.next() * (hi - lo),
    range: (lo, hi) => lo + rng.next() * (hi - lo),
    normal() {
      if (spare !== null) {
        const s = spare
        spare = null
        return s
      }
      let u = 0
      while (u === 0) u = rng.next()
      const v = rng.next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    pick(items) {
      if (items.length === 0) throw new Error('Rng.pick: empty array')
      return items[Math.floor(rng.next() * items.length)]!
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1))
        const t = items[i]!
        items[i] = items[j]!
        items[j] = t
      }
      return items
    },
    sample(items, count) {
      if (count > items.length) throw new Error(`Rng.sample: ${count} > ${items.length} items`)
      return rng.shuffle(items.slice()).slice(0, count)
    },
    seed: () => u32(),
    fork: () => createRng(u32())
  }
  return rng
}
