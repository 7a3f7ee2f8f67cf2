import { createRng, type Rng } from '../data/rng'

/** A fresh generator for (seed, purpose, a, b): the same numbers whenever a step is replayed. */
export function streamRng(seed: number, ...parts: number[]): Rng {
  let h = (seed >>> 0) ^ 0x9e3779b9
  for (const p of parts) h = Math.imul(h ^ (p + 0x7f4a7c15), 0x85ebca6b) >>> 0
  return createRng(h)
}
