/**
 * Review benchmark in headless Chromium against the real services.
 *
 * nextFrameMs: from the D keydown on the review page to the four panes
 * having drawn the next frame of the queue (the page reports the drawn id
 * from inside the animation frame that drew it). The page prefetches the
 * frames after the current one, as it does for an engineer who spends a
 * moment on each frame (`dwellMs` between moves). Goal: < 200 ms.
 *
 * The page at `url` must show (or be able to open) a workspace. When it has
 * no trained model, a tiny one is trained and promoted through the
 * contract; frames without a prediction of the model are inferred first.
 */
import type { Browser, Page } from 'playwright-core'
import type { StudioApi } from '../../src/shared/contract'
import { launchBenchChromium } from '../grid/scrollBench'

export interface ReviewBenchOptions {
  /** Studio URL (with its token) showing an open workspace or the start screen. */
  url: string
  /** Opened from the start screen when the URL shows none. */
  workspaceDir?: string
  browser?: Browser
  /** Frame moves to measure (default 30, fewer when the queue is shorter). */
  moves?: number
  /** Pause on each frame before the next move (default 300 ms). */
  dwellMs?: number
}

export interface ReviewBenchResult {
  nextFrameMs: { mean: number; p95: number }
  detail: { moves: number; maxMs: number; frame: { width: number; height: number } | null; frames: number; timesMs: number[] }
}

type BenchWindow = { api: StudioApi; __reviewTest?: { snapshot(): { order: number[]; currentId: number | null; drawnId: number | null; pending: number | null } } }

async function waitFor<T>(page: Page, what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`review bench: timed out waiting for ${what}`)
    await page.waitForTimeout(200)
  }
}

async function ensureModel(page: Page): Promise<void> {
  const models = await page.evaluate(() => (window as unknown as BenchWindow).api.review.models({}))
  if (models.length > 0) return
  const runId = await page.evaluate(async () => {
    const api = (window as unknown as BenchWindow).api
    await api.settings.setTraining({ size: 32, reconBase: 4, discBase: 4, epochs1: 1, epochs2: 1, batchSize: 2 })
    return (await api.runs.train({})).runId
  })
  const run = await waitFor(page, 'training', () => page.evaluate((id) => (window as unknown as BenchWindow).api.runs.get({ runId: id }), runId), (r) => !['queued', 'running', 'cancelling'].includes(r.state), 600_000)
  if (run.state !== 'done') throw new Error(`review bench: training ${run.state}: ${run.error ?? ''}`)
  await page.evaluate((id) => (window as unknown as BenchWindow).api.runs.promote({ runId: id }), runId)
}

/** Runs in the page: presses D `moves` times, timing each move until the next frame is drawn. A string, so no bundler helpers leak in. */
const MOVES_IN_PAGE = `async function (args) {
  const hooks = window.__reviewTest
  const drawn = (id) => new Promise((ok) => { hooks.whenDrawn(id).then(ok) })
  const times = []
  for (let i = 0; i < args.moves; i++) {
    const s = hooks.snapshot()
    const next = s.order[s.order.indexOf(s.currentId) + 1]
    if (next === undefined) break
    const t0 = performance.now()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'd', bubbles: true }))
    const t1 = await drawn(next)
    times.push(t1 - t0)
    await new Promise((r) => setTimeout(r, args.dwellMs))
  }
  return times
}`

export async function runReviewBench(opts: ReviewBenchOptions): Promise<ReviewBenchResult> {
  const browser = opts.browser ?? (await launchBenchChromium())
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    await page.goto(opts.url)
    await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor({ timeout: 60_000 })
    if (await page.locator('[data-testid="start-screen"]').count()) {
      if (!opts.workspaceDir) throw new Error('The page shows the start screen and no workspaceDir was given to open')
      await page.fill('[data-testid="workspace-path"]', opts.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
      await page.locator('[data-testid="grid"]').waitFor({ timeout: 60_000 })
    }
    await ensureModel(page)
    await page.click('[data-testid="nav-review"]')
    await page.locator('[data-testid="review"][data-model-id]:not([data-model-id=""])').waitFor({ timeout: 60_000 })
    const run = page.locator('[data-testid="review-run-model"]')
    await waitFor(page, 'the queue', () => run.getAttribute('data-frames'), (v) => v !== null && v !== '', 120_000)
    if (Number(await run.getAttribute('data-frames')) > 0) await run.click()
    const snapshot = () => page.evaluate(() => (window as unknown as BenchWindow).__reviewTest!.snapshot())
    await waitFor(page, 'every frame predicted and counted', async () => [await run.getAttribute('data-frames'), await snapshot()] as const, ([f, s]) => f === '0' && s.pending === 0 && s.order.length > 1 && s.drawnId !== null && s.drawnId === s.currentId, 1_800_000)
    // Start from the top of the queue.
    const first = (await snapshot()).order[0]!
    await page.click(`[data-testid="review-item"][data-image-id="${first}"]`)
    await waitFor(page, 'the first frame', snapshot, (s) => s.drawnId === first, 60_000)
    // Looking at the first frame, as on every other, before moving on.
    await page.waitForTimeout(opts.dwellMs ?? 300)
    const times = (await page.evaluate(`(${MOVES_IN_PAGE})(${JSON.stringify({ moves: opts.moves ?? 30, dwellMs: opts.dwellMs ?? 300 })})`)) as number[]
    const frame = await page.evaluate((id) => (window as unknown as BenchWindow).api.images.get({ id }), first).then((d) => ({ width: d.width, height: d.height }), () => null)
    const sorted = times.slice().sort((a, b) => a - b)
    const r = (x: number) => Math.round(x * 10) / 10
    return {
      nextFrameMs: {
        mean: r(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)),
        p95: r(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(0.95 * sorted.length) - 1))] ?? 0)
      },
      detail: { moves: times.length, maxMs: r(sorted[sorted.length - 1] ?? 0), frame, frames: (await snapshot()).order.length, timesMs: times.map(r) }
    }
  } finally {
    if (!opts.browser) await browser.close()
  }
}
