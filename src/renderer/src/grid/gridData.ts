/**
 * The grid's view of the image table: pages of summaries fetched on demand
 * and thumbnails held as blob URLs in an LRU. Outside React so a scroll frame
 * costs a few Map look-ups; React reads it through `subscribe`/`version`.
 *
 * Requests are pulled, not pushed: the grid says which index range is on
 * screen, and small pumps (bounded concurrency) fetch only what that range
 * still lacks. Rows the user scrolled past before their request started are
 * never fetched, so flinging through 20,000 images does not queue thousands
 * of thumbnails.
 */
import type { ImageFilter, ImageSummary, StudioApi, Thumbnail } from '../../../shared/contract'
import { errorCode } from '../../../shared/contract/errors'
import { Lru } from './lru'

export const PAGE_SIZE = 200
const PAGE_CONCURRENCY = 2
const THUMB_BATCH = 24
const THUMB_CONCURRENCY = 2
/** Far above what one screen shows, so visible thumbnails are never evicted. */
const THUMB_CACHE = 800
/**
 * A fling: the view moved more than half a screen within FLING_WINDOW_MS.
 * Thumbnails wait until it slows down; nobody can see them at that speed and
 * each one costs a Blob, a URL and a decode.
 */
const FLING_WINDOW_MS = 150
const FLING_SCREENS = 0.5
const SETTLE_CHECK_MS = 100

type GridApi = Pick<StudioApi, 'images'>

interface ThumbEntry {
  thumb: Thumbnail
  url?: string
}

export class GridData {
  private filter: ImageFilter = {}
  private total: number | null = null
  private generation = 0
  private pages = new Map<number, ImageSummary[]>()
  /** Pages from before a refresh, shown until their replacement arrives so nothing flickers. */
  private stalePages = new Map<number, ImageSummary[]>()
  private pagesInFlight = new Set<number>()
  private wantedPages: number[] = []

  private readonly thumbs = new Lru<number, ThumbEntry>(THUMB_CACHE, (_id, entry) => {
    if (entry.url) URL.revokeObjectURL(entry.url)
  })
  private thumbsInFlight = new Set<number>()
  /** Ids the server returned no thumbnail for; not asked again until a refresh. */
  private thumbsMissing = new Set<number>()
  private wantedThumbs: number[] = []
  private thumbRequests = 0

  private range = { first: 0, end: 0 }
  private recentFirsts: { t: number; first: number }[] = []
  private settleTimer: ReturnType<typeof setTimeout> | null = null
  private listeners = new Set<() => void>()
  private notifyScheduled = false
  private disposed = false
  /** Bumped on every change React should render. */
  version = 0

  constructor(
    private readonly api: GridApi,
    private readonly onError: (error: unknown) => void
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getVersion = (): number => this.version

  /** Number of images matching the filter, or null until the first page answers. */
  getTotal(): number | null {
    return this.total
  }

  item(index: number): ImageSummary | undefined {
    const page = Math.floor(index / PAGE_SIZE)
    const items = this.pages.get(page) ?? this.stalePages.get(page)
    return items?.[index - page * PAGE_SIZE]
  }

  /**
   * The blob URL for a cell being rendered. Made on first display, not on
   * arrival: creating a Blob and its URL is a round trip to Chromium's browser
   * process, and during a fling most answers arrive for rows already gone.
   */
  thumbUrl(id: number): string | undefined {
    const entry = this.thumbs.peek(id)
    if (!entry) return undefined
    entry.url ??= URL.createObjectURL(thumbnailBlob(entry.thumb))
    return entry.url
  }

  thumbMissing(id: number): boolean {
    return this.thumbsMissing.has(id)
  }

  /** A new filter: forget the pages (thumbnails stay: they belong to images, not queries). */
  setFilter(filter: ImageFilter): void {
    this.filter = filter
    this.total = null
    this.generation++
    this.pages.clear()
    this.stalePages.clear()
    this.pagesInFlight.clear()
    this.range = { first: 0, end: 0 }
    this.wantedPages = [0]
    this.pumpPages()
    this.changed()
  }

  /** The images changed on the server: refetch what is on screen, keep showing the old rows meanwhile. */
  refresh(): void {
    this.generation++
    for (const [k, v] of this.pages) this.stalePages.set(k, v)
    this.pages.clear()
    this.pagesInFlight.clear()
    this.thumbsMissing.clear()
    this.setVisible(this.range.first, this.range.end, true)
  }

  /** Index range [first, end) now on screen (including overscan). */
  setVisible(first: number, end: number, force = false): void {
    if (!force && first === this.range.first && end === this.range.end) return
    this.range = { first, end }
    this.recentFirsts.push({ t: performance.now(), first })
    const wanted: number[] = []
    // An empty range still asks for one page: that is how a refresh of an empty grid learns the new total.
    if (this.total === null || end <= first) wanted.push(this.total === null ? 0 : Math.floor(first / PAGE_SIZE))
    else {
      for (let p = Math.floor(first / PAGE_SIZE); p <= Math.floor((end - 1) / PAGE_SIZE); p++) wanted.push(p)
    }
    this.wantedPages = wanted
    this.pumpPages()
    this.updateWantedThumbs()
  }

  dispose(): void {
    this.disposed = true
    if (this.settleTimer !== null) clearTimeout(this.settleTimer)
    this.listeners.clear()
    this.thumbs.clear()
  }

  private updateWantedThumbs(): void {
    const ids: number[] = []
    for (let i = this.range.first; i < this.range.end; i++) {
      const item = this.item(i)
      if (!item) continue
      // Touch cached ones so the LRU keeps what is on screen.
      if (this.thumbs.get(item.id) !== undefined) continue
      if (!this.thumbsMissing.has(item.id)) ids.push(item.id)
    }
    this.wantedThumbs = ids
    this.scheduleThumbs()
  }

  private flinging(): boolean {
    const now = performance.now()
    while (this.recentFirsts.length > 0 && now - (this.recentFirsts[0]?.t ?? now) > FLING_WINDOW_MS) this.recentFirsts.shift()
    const oldest = this.recentFirsts[0]
    if (!oldest) return false
    const screen = Math.max(1, this.range.end - this.range.first)
    return Math.abs(this.range.first - oldest.first) > screen * FLING_SCREENS
  }

  private scheduleThumbs(): void {
    if (!this.flinging()) {
      this.pumpThumbs()
      return
    }
    if (this.settleTimer !== null) return
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null
      if (!this.disposed) this.scheduleThumbs()
    }, SETTLE_CHECK_MS)
  }

  private pumpPages(): void {
    for (const page of this.wantedPages) {
      if (this.pagesInFlight.size >= PAGE_CONCURRENCY) return
      if (this.pages.has(page) || this.pagesInFlight.has(page)) continue
      void this.fetchPage(page)
    }
  }

  private async fetchPage(page: number): Promise<void> {
    const generation = this.generation
    this.pagesInFlight.add(page)
    try {
      const result = await this.api.images.query({ filter: this.filter, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
      if (this.disposed || generation !== this.generation) return
      this.pages.set(page, result.items)
      this.stalePages.delete(page)
      if (this.total !== result.total) {
        this.total = result.total
        // Rows past the new end are gone.
        const lastPage = Math.max(0, Math.ceil(result.total / PAGE_SIZE) - 1)
        for (const k of [...this.stalePages.keys()]) if (k > lastPage) this.stalePages.delete(k)
      }
      this.changed()
      this.updateWantedThumbs()
    } catch (error) {
      if (!this.disposed && generation === this.generation) {
        this.report(error)
        // Keep a failed query from retrying in a loop; the next scroll or refresh asks again.
        this.wantedPages = this.wantedPages.filter((p) => p !== page)
        if (this.total === null) {
          this.total = 0
          this.changed()
        }
      }
    } finally {
      if (generation === this.generation) this.pagesInFlight.delete(page)
      if (!this.disposed) this.pumpPages()
    }
  }

  private pumpThumbs(): void {
    while (this.thumbRequests < THUMB_CONCURRENCY) {
      const batch: number[] = []
      for (const id of this.wantedThumbs) {
        if (batch.length >= THUMB_BATCH) break
        if (this.thumbsInFlight.has(id) || this.thumbs.has(id) || this.thumbsMissing.has(id)) continue
        batch.push(id)
      }
      if (batch.length === 0) return
      void this.fetchThumbs(batch)
    }
  }

  private async fetchThumbs(ids: number[]): Promise<void> {
    this.thumbRequests++
    for (const id of ids) this.thumbsInFlight.add(id)
    try {
      const thumbs = await this.api.images.thumbnails({ ids })
      if (this.disposed) return
      const got = new Set<number>()
      for (const t of thumbs) {
        got.add(t.id)
        this.thumbs.set(t.id, { thumb: t })
      }
      for (const id of ids) if (!got.has(id)) this.thumbsMissing.add(id)
      this.changed()
    } catch (error) {
      if (this.disposed) return
      for (const id of ids) this.thumbsMissing.add(id)
      this.report(error)
      this.changed()
    } finally {
      for (const id of ids) this.thumbsInFlight.delete(id)
      this.thumbRequests--
      if (!this.disposed) this.scheduleThumbs()
    }
  }

  /**
   * A workspace closing under the grid (the user clicked Close while pages or
   * thumbnails were loading) answers no_workspace; the grid is about to go, so
   * that is not an error to show.
   */
  private report(error: unknown): void {
    if (errorCode(error) !== 'no_workspace') this.onError(error)
  }

  /** Coalesces bursts of answers into one render per frame. */
  private changed(): void {
    if (this.notifyScheduled || this.disposed) return
    this.notifyScheduled = true
    requestAnimationFrame(() => {
      this.notifyScheduled = false
      if (this.disposed) return
      this.version++
      for (const listener of this.listeners) listener()
    })
  }
}

/**
 * The contract promises a Uint8Array; a transport that lost the typed array on
 * the way (plain number array) still yields a valid image instead of garbage.
 */
export function thumbnailBlob(t: Thumbnail): Blob {
  const raw: unknown = t.data
  const bytes = raw instanceof Uint8Array ? raw : Array.isArray(raw) ? Uint8Array.from(raw as number[]) : new Uint8Array(0)
  // Copy into a fresh ArrayBuffer-backed view: BlobPart rejects SharedArrayBuffer-typed views.
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return new Blob([copy], { type: t.mime || 'image/jpeg' })
}
