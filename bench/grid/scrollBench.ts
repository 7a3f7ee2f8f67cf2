/**
 * Grid scroll benchmark: in headless Chromium, scroll the thumbnail grid
 * programmatically, a fixed number of rows per animation frame, and record
 * the time between frames with performance.now() inside the page. A smooth
 * grid keeps frames near the display interval (16.7 ms) while thumbnails and
 * pages stream in behind the scroll.
 */
import { chromium, type Browser, type Page } from 'playwright-core'

export interface GridScrollResult {
  frames: number
  meanMs: number
  p95Ms: number
  maxMs: number
}

export interface GridScrollOptions {
  /** Studio URL (with its token), showing an open workspace or the start screen. */
  url: string
  /** Opened from the start screen when the URL shows no workspace yet. */
  workspaceDir?: string
  /** Reuse a browser; otherwise one is launched and closed here. */
  browser?: Browser
  /** Frames to measure (default 600, ten seconds at 60 Hz). */
  frames?: number
  /** Rows scrolled per frame (default 2: a brisk fling). The scroll bounces at the ends. */
  rowsPerFrame?: number
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--headless'
]

export async function launchBenchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** Opens the workspace if needed and waits for the first thumbnails. */
export async function openGrid(page: Page, url: string, workspaceDir?: string): Promise<number> {
  await page.goto(url)
  const ready = page.locator('[data-testid="grid"], [data-testid="start-screen"]').first()
  await ready.waitFor({ timeout: 60_000 })
  if (await page.locator('[data-testid="start-screen"]').count()) {
    if (!workspaceDir) throw new Error('The page shows the start screen and no workspaceDir was given to open')
    await page.fill('[data-testid="workspace-path"]', workspaceDir)
    await page.click('[data-testid="workspace-open"]')
  }
  await page.locator('[data-testid="grid"]:not([data-total=""])').waitFor({ timeout: 60_000 })
  await page.locator('[data-testid="cell-thumb"]').first().waitFor({ timeout: 60_000 })
  return Number(await page.getAttribute('[data-testid="grid"]', 'data-total'))
}

/** Runs inside the page: scrolls `rowsPerFrame` rows per animation frame, bouncing at the ends. */
const SCROLL_IN_PAGE = `function (frames, rowsPerFrame) {
  return new Promise(function (resolve, reject) {
    var grid = document.querySelector('[data-testid="grid"]')
    var rows = Number(grid && grid.getAttribute('aria-rowcount'))
    if (!grid || !(rows > 0)) { reject(new Error('grid has no rows to scroll')); return }
    var rowHeight = grid.scrollHeight / rows
    var deltas = []
    var direction = 1
    var last = 0
    function step() {
      var now = performance.now()
      if (last > 0) deltas.push(now - last)
      last = now
      var max = grid.scrollHeight - grid.clientHeight
      var next = grid.scrollTop + direction * rowsPerFrame * rowHeight
      if (next >= max || next <= 0) { direction = -direction; next = Math.min(max, Math.max(0, next)) }
      grid.scrollTop = next
      if (deltas.length >= frames) resolve(deltas)
      else requestAnimationFrame(step)
    }
    requestAnimationFrame(step)
  })
}`

export async function runGridScrollBench(opts: GridScrollOptions): Promise<GridScrollResult> {
  const browser = opts.browser ?? (await launchBenchChromium())
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  try {
    const page = await context.newPage()
    await openGrid(page, opts.url, opts.workspaceDir)
    const frames = opts.frames ?? 600
    const rowsPerFrame = opts.rowsPerFrame ?? 2
    // A string, not a function: tsx/esbuild would wrap named closures in a
    // __name() helper that does not exist inside the page.
    const times = (await page.evaluate(`(${SCROLL_IN_PAGE})(${frames}, ${rowsPerFrame})`)) as number[]
    return summarise(times)
  } finally {
    await context.close()
    if (!opts.browser) await browser.close()
  }
}

export function summarise(times: number[]): GridScrollResult {
  if (times.length === 0) return { frames: 0, meanMs: 0, p95Ms: 0, maxMs: 0 }
  const sorted = [...times].sort((a, b) => a - b)
  const mean = times.reduce((s, t) => s + t, 0) / times.length
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? 0
  const round = (x: number) => Math.round(x * 100) / 100
  return { frames: times.length, meanMs: round(mean), p95Ms: round(p95), maxMs: round(sorted[sorted.length - 1] ?? 0) }
}
