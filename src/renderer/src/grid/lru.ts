/**
 * A small least-recently-used map. The grid keeps thumbnail blob URLs in it
 * and revokes each URL in `onEvict`, so memory stays bounded however far the
 * user scrolls.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()

  constructor(
    readonly capacity: number,
    private readonly onEvict: (key: K, value: V) => void = () => {}
  ) {
    if (!(capacity >= 1)) throw new Error(`Lru capacity must be at least 1, got ${capacity}`)
  }

  get size(): number {
    return this.map.size
  }

  has(key: K): boolean {
    return this.map.has(key)
  }

  /** Reads and marks as most recently used. */
  get(key: K): V | undefined {
    const value = this.map.get(key)
    if (value === undefined) return undefined
    this.map.delete(key)
    this.map.set(key, value)
    return value
  }

  /** Reads without changing the order. */
  peek(key: K): V | undefined {
    return this.map.get(key)
  }

  set(key: K, value: V): void {
    const old = this.map.get(key)
    if (old !== undefined) {
      this.map.delete(key)
      if (old !== value) this.onEvict(key, old)
    }
    this.map.set(key, value)
    while (this.map.size > this.capacity) {
      // Map iterates in insertion order, so the first key is the least recent.
      const oldest = this.map.keys().next()
      if (oldest.done) break
      const evicted = this.map.get(oldest.value) as V
      this.map.delete(oldest.value)
      this.onEvict(oldest.value, evicted)
    }
  }

  delete(key: K): void {
    const value = this.map.get(key)
    if (value === undefined) return
    this.map.delete(key)
    this.onEvict(key, value)
  }

  clear(): void {
    const entries = [...this.map.entries()]
    this.map.clear()
    for (const [k, v] of entries) this.onEvict(k, v)
  }
}
