/**
 * Decoded frames, fetched through images.frame and kept as ImageBitmaps in a
 * small LRU so stepping back and forth (and prefetched neighbours) shows at
 * once. A 1440x2560 frame is ~15 MB decoded; six of them stay well bounded.
 */
import type { FrameImage } from '../../../../shared/contract'

export interface DecodedFrame {
  id: number
  width: number
  height: number
  bitmap: ImageBitmap
}

const KEEP = 6

export class FrameImages {
  private readonly cache = new Map<number, Promise<DecodedFrame>>()

  constructor(private readonly fetchFrame: (id: number) => Promise<FrameImage>) {}

  get(id: number): Promise<DecodedFrame> {
    let p = this.cache.get(id)
    if (p) {
      // Most recently used goes last.
      this.cache.delete(id)
      this.cache.set(id, p)
      return p
    }
    p = this.fetchFrame(id).then(decode)
    // A failed load is not cached, so the next attempt tries again.
    p.catch(() => this.cache.get(id) === p && this.cache.delete(id))
    this.cache.set(id, p)
    this.trim()
    return p
  }

  prefetch(ids: number[]): void {
    for (const id of ids) if (!this.cache.has(id)) this.get(id).catch(() => undefined)
  }

  private trim(): void {
    while (this.cache.size > KEEP) {
      const [oldest, p] = this.cache.entries().next().value as [number, Promise<DecodedFrame>]
      this.cache.delete(oldest)
      p.then((f) => f.bitmap.close(), () => undefined)
    }
  }

  dispose(): void {
    for (const p of this.cache.values()) p.then((f) => f.bitmap.close(), () => undefined)
    this.cache.clear()
  }
}

async function decode(f: FrameImage): Promise<DecodedFrame> {
  // A fresh ArrayBuffer-backed copy: BlobPart rejects views typed over SharedArrayBuffer.
  const bytes = new Uint8Array(f.data.byteLength)
  bytes.set(f.data)
  const bitmap = await createImageBitmap(new Blob([bytes], { type: f.mime || 'image/png' }))
  return { id: f.id, width: f.width, height: f.height, bitmap }
}
