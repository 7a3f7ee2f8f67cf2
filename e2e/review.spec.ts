/**
 * The review workspace in Debian's Chromium against the real services, on a
 * small demo workspace (40 frames of 48x96) after a short real training:
 * the model runs over the frames from the Review page, the queue comes in
 * FP-evidence order, the four panes show and zoom together, a threshold
 * moves the counts, a false positive and an accepted true defect survive a
 * reload, and a class the model has no output for is listed as not trained.
 * The report is self-contained.
 */
import { readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageDetail, Label, ReviewQueue, StudioApi } from '../src/shared/contract'
import { compareEvidence, REVIEW_TIERS } from '../src/shared/review/order'
import { launchChromium, startStudio, type Studio } from './support/studio'

interface ReviewSnap {
  modelId: number | null
  shownId: number | null
  currentId: number | null
  loading: boolean
  drawnId: number | null
  order: number[]
  tiers: string[]
  view: { scale: number; x: number; y: number } | null
  thresholds: Record<string, number>
  /** The thresholds the shown queue and counts were computed at. */
  queueThresholds: Record<string, number> | null
  counts: ReviewQueue['counts'] | null
  pending: number | null
}

interface ReviewWindow {
  api: StudioApi
  __reviewTest?: { snapshot(): unknown; whenDrawn(id: number): Promise<number> }
}

const snap = (page: Page) => page.evaluate(() => (window as unknown as ReviewWindow).__reviewTest!.snapshot()) as Promise<ReviewSnap>

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: T = await read()
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 150))
    last = await read()
  }
  return last
}

async function openReview(page: Page, url: string, workspaceDir: string): Promise<void> {
  await page.goto(url)
  await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor()
  if (await page.locator('[data-testid="start-screen"]').count()) {
    await page.fill('[data-testid="workspace-path"]', workspaceDir)
    await page.click('[data-testid="workspace-open"]')
  }
  await page.click('[data-testid="nav-review"]')
  await page.locator('[data-testid="review"][data-model-id]:not([data-model-id=""])').waitFor()
}

/** The review's queue shows every frame, counted, with the shown frame drawn. */
async function settled(page: Page, frames: number): Promise<ReviewSnap> {
  return until(
    'the queue to hold every frame and the panes to draw',
    () => snap(page),
    (s) => s.order.length === frames && s.pending === 0 && s.shownId !== null && s.drawnId === s.shownId && !s.loading
  )
}

async function countCell(page: Page, cls: string): Promise<{ tp: number; fp: number; fn: number }> {
  const cell = page.locator(`[data-testid="count-all-${cls}"]`)
  return {
    tp: Number(await cell.getAttribute('data-tp')),
    fp: Number(await cell.getAttribute('data-fp')),
    fn: Number(await cell.getAttribute('data-fn'))
  }
}

describe('review workspace', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []
  let frames = 0

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: 10, size: '48x96' })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1500, height: 950 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor()
    // A short real training through the contract, then its model becomes the active one.
    const runId = await page.evaluate(async () => {
      const api = (window as unknown as ReviewWindow).api
      await api.settings.setTraining({ budgetMinutes: 0, size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, steps1: 6, steps2: 12, evalRounds: 2, batchSize: 2 })
      return (await api.runs.train({})).runId
    })
    const run = await until(
      'training to finish',
      () => page.evaluate((id) => (window as unknown as ReviewWindow).api.runs.get({ runId: id }), runId),
      (r) => r.state === 'done' || r.state === 'failed' || r.state === 'cancelled',
      150_000
    )
    expect(run.error).toBeNull()
    await page.evaluate((id) => (window as unknown as ReviewWindow).api.runs.promote({ runId: id }), runId)
    frames = (await page.evaluate(() => (window as unknown as ReviewWindow).api.images.stats({}))).total
    await openReview(page, studio.url, studio.workspaceDir)
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
  })

  it('runs the model on the frames from the Review page and orders the queue by false-positive evidence', async () => {
    const button = page.locator('[data-testid="review-run-model"]')
    // Enabled once the queue is in and some frames have no prediction (pre-annotation covered only the unlabelled ones).
    await until('the run button', () => button.evaluate((b) => !(b as HTMLButtonElement).disabled && Number(b.dataset.frames) > 0), (v) => v)
    await button.click()
    await page.locator('[data-testid="toast"]', { hasText: /Running the model on \d+ frames/ }).waitFor()
    const s = await settled(page, frames)
    expect(await page.locator('[data-testid="review-item"]').count()).toBe(frames)
    // The list shows the service's order, and that order is sorted by evidence: tiers in order, FP evidence first.
    const q = await page.evaluate((modelId) => (window as unknown as ReviewWindow).api.review.queue({ modelId: modelId! }), s.modelId)
    expect(s.order).toEqual(q.items.map((i) => i.imageId))
    const tiers = q.items.map((i) => REVIEW_TIERS.indexOf(i.evidence.tier))
    expect(tiers).toEqual([...tiers].sort((a, b) => a - b))
    for (let k = 1; k < q.items.length; k++) expect(compareEvidence(q.items[k - 1]!.evidence, q.items[k]!.evidence)).toBeLessThanOrEqual(0)
    if (q.items.some((i) => i.evidence.fpPixels > 0)) expect(q.items[0]!.evidence.tier).toBe('fp')
    expect(q.withoutPredictions).toBe(0)
    expect(await button.isDisabled()).toBe(true)
  })

  it('shows the four panes and keeps their zoom and pan in step', async () => {
    const panes = page.locator('[data-testid="review-pane"]')
    expect(await panes.count()).toBe(4)
    // Every pane has drawn something besides its background.
    const painted = await panes.evaluateAll((cs) =>
      cs.map((c) => {
        const canvas = c as HTMLCanvasElement
        const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
        let n = 0
        for (let i = 0; i < d.length; i += 4) if (d[i] !== 0x0d || d[i + 1] !== 0x0e || d[i + 2] !== 0x10) n++
        return n
      })
    )
    expect(painted.every((n) => n > 100)).toBe(true)
    const views = () => panes.evaluateAll((cs) => cs.map((c) => [c.dataset.scale, c.dataset.x, c.dataset.y].join(' ')))
    const before = await views()
    const heat = (await page.locator('[data-pane="heat"]').boundingBox())!
    await page.mouse.move(heat.x + heat.width * 0.4, heat.y + heat.height * 0.6)
    await page.mouse.wheel(0, -400)
    const zoomed = await until('the panes to zoom', views, (v) => v[0] !== before[0])
    expect(new Set(zoomed).size).toBe(1)
    expect(Number(zoomed[0]!.split(' ')[0])).toBeGreaterThan(Number(before[0]!.split(' ')[0]))
    // Dragging the reconstruction pans all four.
    const recon = (await page.locator('[data-pane="recon"]').boundingBox())!
    await page.mouse.move(recon.x + 100, recon.y + 100)
    await page.mouse.down()
    await page.mouse.move(recon.x + 160, recon.y + 130, { steps: 4 })
    await page.mouse.up()
    const panned = await views()
    expect(new Set(panned).size).toBe(1)
    expect(panned[0]).not.toBe(zoomed[0])
    // The difference view replaces the reconstruction pane; 0 fits again.
    await page.keyboard.press('x')
    await page.locator('.review-pane-title', { hasText: '|Frame − reconstruction|' }).waitFor()
    await page.keyboard.press('x')
    await page.keyboard.press('0')
    await until('the fit', views, (v) => v[0] === before[0])
  })

  it('moving a threshold changes the counts live', async () => {
    const slider = page.locator('[data-testid="threshold-fold"]')
    const countsAt = async (t: number) => {
      await slider.fill(String(t))
      await until(`the counts at ${t}`, () => snap(page), (s) => s.queueThresholds?.['fold'] === t && s.pending === 0)
      return countCell(page, 'fold')
    }
    const high = await countsAt(0.99)
    const low = await countsAt(0.01)
    // Nearly every pixel is predicted at 0.01: more frames fire than at 0.99.
    expect(low.fp + low.tp).toBeGreaterThan(high.fp + high.tp)
    expect(await page.locator('[data-testid="threshold-value-fold"]').textContent()).toBe('0.01')
    expect(await page.locator('[data-testid="threshold-revision"]').textContent()).toContain('unsaved')
    await page.click('[data-testid="reset-thresholds"]')
    await until('the saved thresholds back', () => page.locator('[data-testid="threshold-revision"]').textContent(), (t) => !t?.includes('unsaved'))
  })

  it('a missed defect opens the editor on the frame', async () => {
    const s = await snap(page)
    const id = s.order[s.order.length - 1]!
    await page.click(`[data-testid="review-item"][data-image-id="${id}"]`)
    await until('the frame to show', () => snap(page), (v) => v.shownId === id && v.drawnId === id)
    await page.keyboard.press('m')
    await page.locator(`[data-testid="editor"][data-shown-id="${id}"][data-loading="false"]`).waitFor()
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    await page.locator(`[data-testid="review-item"][data-image-id="${id}"][data-verdict="missed_defect"]`).waitFor()
  })

  it('a false positive and an accepted true defect persist across a reload', async () => {
    const getImage = (id: number): Promise<ImageDetail> => page.evaluate((i) => (window as unknown as ReviewWindow).api.images.get({ id: i }), id)
    const listLabels = (id: number): Promise<Label[]> => page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), id)
    const details = await Promise.all((await snap(page)).order.map(getImage))
    const unlabelled = details.filter((d) => d.status === 'unlabeled' && d.labelCount === 0)
    expect(unlabelled.length).toBeGreaterThanOrEqual(2)
    const fpId = unlabelled[0]!.id
    const tdId = unlabelled[1]!.id

    // False positive: F on the selected frame; it becomes normal.
    await page.click(`[data-testid="review-item"][data-image-id="${fpId}"]`)
    await until('the frame to show', () => snap(page), (s) => s.shownId === fpId && s.drawnId === fpId)
    await page.keyboard.press('f')
    await page.locator(`[data-testid="review-item"][data-image-id="${fpId}"][data-verdict="false_positive"]`).waitFor()

    // True defect: at a low threshold the prediction is sure to hold pixels; T turns it into model polygons.
    await page.locator('[data-testid="threshold-fold"]').fill('0.02')
    await until('the threshold', () => snap(page), (s) => s.thresholds['fold'] === 0.02)
    await page.click(`[data-testid="review-item"][data-image-id="${tdId}"]`)
    await until('the frame to show', () => snap(page), (s) => s.shownId === tdId && s.drawnId === tdId)
    await page.keyboard.press('t')
    await page.locator(`[data-testid="review-item"][data-image-id="${tdId}"][data-verdict="true_defect"]`).waitFor()

    await openReview(page, studio.url, studio.workspaceDir)
    await settled(page, frames)
    expect(await page.getAttribute(`[data-testid="review-item"][data-image-id="${fpId}"]`, 'data-verdict')).toBe('false_positive')
    expect(await page.getAttribute(`[data-testid="review-item"][data-image-id="${tdId}"]`, 'data-verdict')).toBe('true_defect')
    expect((await getImage(fpId)).status).toBe('normal')
    const labels = await listLabels(tdId)
    expect(labels.length).toBeGreaterThan(0)
    expect(labels.every((l) => l.source === 'model')).toBe(true)
    expect((await getImage(tdId)).status).toBe('labeled')
  })

  it('lists a class the model has no output for as not trained', async () => {
    // Added after training: the model has no map for it.
    await page.evaluate(() => (window as unknown as ReviewWindow).api.classes.save({ name: 'scratch', color: '#12ab34', kind: 'defect' }))
    await page.locator('[data-testid="threshold-untrained-scratch"]', { hasText: 'not trained' }).waitFor()
    expect(await page.locator('[data-testid="threshold-scratch"]').count()).toBe(0)
    expect(await page.locator('[data-testid="rf-class-scratch"]').textContent()).toContain('not trained')
    expect(await page.locator('[data-testid="review-focus"] option', { hasText: 'scratch' }).isDisabled()).toBe(true)
    expect(await page.locator('[data-testid="count-all-scratch"]').count()).toBe(0)
    // The trained classes keep their sliders and counts.
    await page.locator('[data-testid="threshold-fold"]').waitFor()
    expect(await page.locator('[data-testid="count-all-fold"]').count()).toBe(1)
  })

  it('exports a self-contained HTML report', async () => {
    await page.click('[data-testid="review-report"]')
    const text = await page.locator('[data-testid="report-path"]').textContent()
    const path = text!.replace(/^Report: /, '').replace(/\s*×$/, '').trim()
    const html = readFileSync(path, 'utf8')
    expect(html).toContain('<svg')
    expect(html).not.toMatch(/https?:|<script|<link|src="(?!data:)/i)
    expect(problems).toEqual([])
  })
})
