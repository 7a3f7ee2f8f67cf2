/**
 * Editor benchmark in headless Chromium against the real services:
 *
 * - vertexDragMsPerFrame: with 200 polygons of 50 vertices loaded on a
 *   1440x2560 frame (window.__editorBench, in memory, not saved), one vertex
 *   of the selected polygon is dragged by dispatching a pointer move per
 *   animation frame. A frame's cost is the main-thread time from dispatching
 *   the move until React has committed (handlers, state, render) plus the time
 *   Konva spends drawing layers in the next animation frame (beforeDraw ->
 *   draw events). Goal: <= 16 ms.
 * - frameSwitchMs: from the D keydown to the next frame's image and labels
 *   being on screen (the editor reports the shown id, then one animation
 *   frame for the draw). The editor prefetches neighbours, as it does for an
 *   inspector who spends seconds on each frame. Goal: < 150 ms.
 * - autosaveMs: round trip of labels.save for a one-vertex edit on that frame
 *   (the whole 200-polygon set is sent; unchanged labels are not rewritten).
 *   The 300 ms debounce before a save is not included; autosaveEndToEndMs is
 *   edit to "Saved" including it.
 */
import type { Browser, Page } from 'playwright-core'
import { launchBenchChromium } from '../grid/scrollBench'

/** The editor's hooks on window (src/renderer/src/editor/ui/testHooks.ts), as far as this bench uses them. */
interface EditorPage {
  __editorTest?: { snapshot(): unknown; flush(): Promise<void>; saveTimes(): number[] }
  __editorBench?: { loadSynthetic(count: number, vertices: number): number; core: { fit(): void } }
}

export interface Stats {
  mean: number
  p95: number
  max: number
}

export interface EditorBenchResult {
  vertexDragMsPerFrame: Stats
  frameSwitchMs: Pick<Stats, 'mean' | 'p95'>
  autosaveMs: Pick<Stats, 'mean' | 'p95'>
  /** Extra detail: the parts of a drag frame, intervals between frames, and autosave including the debounce. */
  detail: {
    frame: { width: number; height: number }
    polygons: number
    dragHandlerMs: Stats
    dragDrawMs: Stats
    dragFrameIntervalMs: Stats
    /** Wheel zoom with all 200 polygons on screen: every layer redraws. */
    zoomMsPerFrame: Stats
    autosaveEndToEndMs: Stats
    frameSwitches: number
  }
}

export interface EditorBenchOptions {
  /** Studio URL (with its token) showing an open workspace or the start screen. */
  url: string
  /** Opened from the start screen when the URL shows none. */
  workspaceDir?: string
  browser?: Browser
  /** Drag frames to measure (default 240). */
  frames?: number
  polygons?: number
  vertices?: number
}

export function stats(values: number[]): Stats {
  const v = values.slice().sort((a, b) => a - b)
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))] ?? 0
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length)
  const r = (x: number) => Math.round(x * 100) / 100
  return { mean: r(mean), p95: r(at(0.95)), max: r(v[v.length - 1] ?? 0) }
}

async function openEditor(page: Page, url: string, workspaceDir?: string): Promise<void> {
  await page.goto(url)
  await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor({ timeout: 60_000 })
  if (await page.locator('[data-testid="start-screen"]').count()) {
    if (!workspaceDir) throw new Error('The page shows the start screen and no workspaceDir was given to open')
    await page.fill('[data-testid="workspace-path"]', workspaceDir)
    await page.click('[data-testid="workspace-open"]')
  }
  await page.locator('[data-testid="grid-cell"][data-image-id]').first().waitFor({ timeout: 60_000 })
  await page.click('[data-testid="grid-cell"][data-index="0"]')
  await page.keyboard.press('Enter')
  await page.locator('[data-testid="editor"]:not([data-shown-id=""])[data-loading="false"]').waitFor({ timeout: 60_000 })
}

/** Runs in the page (a string, so no bundler helpers leak in): selects the polygon nearest the frame's middle with the select tool. */
const SELECT_MIDDLE_IN_PAGE = `function () {
  const core = window.__editorBench.core
  const s = core.getSnapshot()
  const mx = s.frame.width / 2, my = s.frame.height / 2
  let best = null, bestD = Infinity
  for (const p of s.polygons) {
    const d = Math.hypot(p.points[0] - mx, p.points[1] - my)
    if (d < bestD) { bestD = d; best = p }
  }
  core.setTool('select')
  core.select(best.key)
}`

/** Runs in the page: drags vertex 0 of the selected polygon in a circle, one move per animation frame. */
const DRAG_IN_PAGE = `async function (frames) {
  const bench = window.__editorBench
  const core = bench.core
  const el = document.querySelector('[data-testid="editor-canvas"]')
  const raf = () => new Promise((ok) => requestAnimationFrame(ok))
  const s = core.getSnapshot()
  const poly = s.polygons.find((p) => p.key === s.selectedKey)
  const [vx, vy] = [poly.points[0], poly.points[1]]
  const [cx, cy] = bench.imageToClient(vx, vy)
  const ev = (type, x, y) => new PointerEvent(type, { clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', button: 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, cancelable: true })
  let drawMs = 0
  let started = 0
  const layers = bench.stage().getLayers()
  for (const l of layers) {
    l.on('beforeDraw.bench', () => { started = performance.now() })
    l.on('draw.bench', () => { drawMs += performance.now() - started })
  }
  await raf()
  el.dispatchEvent(ev('pointerdown', cx, cy))
  await raf()
  const handler = [], draw = [], intervals = []
  let last = performance.now()
  for (let f = 0; f < frames; f++) {
    const a = (2 * Math.PI * f) / 60
    const x = cx + 25 * Math.sin(a), y = cy + 25 * (1 - Math.cos(a))
    drawMs = 0
    const t0 = performance.now()
    el.dispatchEvent(ev('pointermove', x, y))
    await Promise.resolve()
    await Promise.resolve()
    handler.push(performance.now() - t0)
    const now = await raf()
    draw.push(drawMs)
    intervals.push(now - last)
    last = now
  }
  el.dispatchEvent(ev('pointerup', cx, cy))
  for (const l of layers) l.off('.bench')
  return { handler, draw, intervals: intervals.slice(1) }
}`

/** Runs in the page: a wheel zoom in or out per animation frame at the canvas centre; every layer redraws. */
const ZOOM_IN_PAGE = `async function (frames) {
  const bench = window.__editorBench
  const el = document.querySelector('[data-testid="editor-canvas"]')
  const r = el.getBoundingClientRect()
  const raf = () => new Promise((ok) => requestAnimationFrame(ok))
  let drawMs = 0
  let started = 0
  const layers = bench.stage().getLayers()
  for (const l of layers) {
    l.on('beforeDraw.bench', () => { started = performance.now() })
    l.on('draw.bench', () => { drawMs += performance.now() - started })
  }
  await raf()
  const total = []
  for (let f = 0; f < frames; f++) {
    drawMs = 0
    const t0 = performance.now()
    // Four notches in, four out: from the fit view to ~2x and back.
    const dir = Math.floor(f / 4) % 2 === 0 ? -100 : 100
    el.dispatchEvent(new WheelEvent('wheel', { clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, deltaY: dir, bubbles: true, cancelable: true }))
    await Promise.resolve()
    await Promise.resolve()
    const handler = performance.now() - t0
    await raf()
    total.push(handler + drawMs)
  }
  for (const l of layers) l.off('.bench')
  return total
}`

/** Runs in the page: one small vertex edit, then waits until it is saved. Returns edit-to-saved ms. */
const EDIT_AND_SAVE_IN_PAGE = `async function (step) {
  const core = window.__editorBench.core
  const s = core.getSnapshot()
  const poly = s.polygons.find((p) => p.key === s.selectedKey)
  const t0 = performance.now()
  const down = core.toolPointer(...toScreen(s.view, poly.points[0], poly.points[1]), { alt: false, shift: false })
  core.pointerDown(down)
  core.pointerMove({ ...down, x: down.x + (step % 2 ? 1 : -1), y: down.y })
  core.pointerUp({ ...down, x: down.x + (step % 2 ? 1 : -1), y: down.y })
  await window.__editorTest.flush()
  while (core.getSnapshot().dirty) await new Promise((ok) => setTimeout(ok, 5))
  return performance.now() - t0
  function toScreen(v, x, y) { return [x * v.scale + v.x, y * v.scale + v.y] }
}`

/** Runs in the page: presses D (or A) and waits until the next (previous) frame is shown and drawn. */
const SWITCH_IN_PAGE = `async function (key) {
  const t = window.__editorTest
  const from = t.nav().shownId
  const t0 = performance.now()
  window.dispatchEvent(new KeyboardEvent('keydown', { key, code: key === 'd' ? 'KeyD' : 'KeyA', bubbles: true, cancelable: true }))
  while (t.nav().shownId === from || t.nav().loading) await new Promise((ok) => requestAnimationFrame(ok))
  await new Promise((ok) => requestAnimationFrame(ok))
  return performance.now() - t0
}`

export async function runEditorBench(opts: EditorBenchOptions): Promise<EditorBenchResult> {
  const browser = opts.browser ?? (await launchBenchChromium())
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  try {
    await openEditor(page, opts.url, opts.workspaceDir)
    const frame = await page.evaluate(() => ((window as unknown as EditorPage).__editorTest!.snapshot() as { frame: { width: number; height: number } }).frame)
    const count = await page.evaluate(([n, v]) => (window as unknown as EditorPage).__editorBench!.loadSynthetic(n!, v!), [opts.polygons ?? 200, opts.vertices ?? 50] as const)
    // Select the polygon nearest the middle of the frame, with the select tool, as an inspector would.
    await page.evaluate(`(${SELECT_MIDDLE_IN_PAGE})()`)
    const drag = (await page.evaluate(`(${DRAG_IN_PAGE})(${opts.frames ?? 240})`)) as { handler: number[]; draw: number[]; intervals: number[] }
    const perFrame = drag.handler.map((h, k) => h + drag.draw[k]!)

    const zoom = (await page.evaluate(`(${ZOOM_IN_PAGE})(${Math.min(120, opts.frames ?? 240)})`)) as number[]
    await page.evaluate(() => (window as unknown as EditorPage).__editorBench!.core.fit())

    // The first save creates the 200 synthetic labels; it is a warm-up, not an autosave of one edit.
    await page.evaluate(() => (window as unknown as EditorPage).__editorTest!.flush())
    await page.evaluate(`(${EDIT_AND_SAVE_IN_PAGE})(0)`)
    const before = await page.evaluate(() => (window as unknown as EditorPage).__editorTest!.saveTimes().length)
    const endToEnd: number[] = []
    for (let k = 1; k <= 12; k++) endToEnd.push((await page.evaluate(`(${EDIT_AND_SAVE_IN_PAGE})(${k})`)) as number)
    const saves = (await page.evaluate(() => (window as unknown as EditorPage).__editorTest!.saveTimes())).slice(before)

    const switches: number[] = []
    const total = await page.evaluate(() => Number(document.querySelector('[data-testid="editor-frame"]')?.textContent?.match(/\/ (\d+)/)?.[1] ?? 0))
    // Forward through the filter and back again. An inspector looks at each frame for a
    // while; the neighbours prefetch meanwhile.
    const steps = Math.min(15, total - 1)
    for (const key of ['d', 'a']) {
      for (let k = 0; k < steps; k++) {
        await page.waitForTimeout(400)
        switches.push((await page.evaluate(`(${SWITCH_IN_PAGE})('${key}')`)) as number)
      }
    }
    if (errors.length) throw new Error(`page errors during the editor bench: ${errors.join('; ')}`)
    const sw = stats(switches)
    const save = stats(saves)
    return {
      vertexDragMsPerFrame: stats(perFrame),
      frameSwitchMs: { mean: sw.mean, p95: sw.p95 },
      autosaveMs: { mean: save.mean, p95: save.p95 },
      detail: {
        frame,
        polygons: count,
        dragHandlerMs: stats(drag.handler),
        dragDrawMs: stats(drag.draw),
        dragFrameIntervalMs: stats(drag.intervals),
        zoomMsPerFrame: stats(zoom),
        autosaveEndToEndMs: stats(endToEnd),
        frameSwitches: switches.length
      }
    }
  } finally {
    await page.close()
    if (!opts.browser) await browser.close()
  }
}
