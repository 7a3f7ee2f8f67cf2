/**
 * The review workspace in Debian's Chromium against the real services, on a
 * small demo workspace (40 frames of 48x96) after a short real training:
 * the model runs over the frames from the Review page, the queue comes in
 * FP-evidence order, the four panes show and zoom together, a threshold
 * moves the counts, a false positive and an accepted true defect survive a
 * reload, and a class the model has no output for is listed as not trained.
 * T shows what it would add and undoes; a test frame's verdict waits for
 * confirmation in the editor; the editor accepts one predicted piece; the
 * thresholds are tuned on validation frames, with a warning for test frames.
 * The report is self-contained.
 */
import { readFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ImageDetail, Label, ReviewQueue, StudioApi } from '../src/shared/contract'
import { rasterizePolygon } from '../src/shared/geometry/raster'
import { PROB_OF_BYTE, thresholdByte } from '../src/shared/review/mapCode'
import { compareEvidence, REVIEW_TIERS } from '../src/shared/review/order'
import { launchChromium, startStudio, type Studio } from './support/studio'

interface ReviewSnap {
  modelId: number | null
  shownId: number | null
  currentId: number | null
  loading: boolean
  drawnId: number | null
  /** The queue as listed (held while the pointer is on it). */
  order: number[]
  /** The queue as the service ranks it now. */
  ranked: number[]
  tiers: string[]
  view: { scale: number; x: number; y: number } | null
  thresholds: Record<string, number>
  /** The thresholds the shown queue and counts were computed at. */
  queueThresholds: Record<string, number> | null
  counts: ReviewQueue['counts'] | null
  pending: number | null
  proposal: { imageId: number; polygons: number } | null
  lastAction: { imageId: number; verdictIds: number[]; undoable: boolean } | null
  tuneOn: 'val' | 'filter'
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

  /**
   * Thresholds at which the short-trained model is sure to predict pieces:
   * its defect probabilities stay near 0 (a max of 3/255 in one run), so only
   * 0 takes every frame. The mechanics under test do not depend on the model
   * being good.
   */
  const LOW = { fold: 0, edge_crack: 0 }
  /**
   * Selects a frame in the queue and waits for it to show (and draw). The
   * queue holds its order while the pointer is on it, but a re-rank after
   * new thresholds can still move the row between finding it and the
   * pointer reaching it (CI once showed frame 37 after a click on another);
   * a user clicks again, and so does this, twice at most.
   */
  async function showFrame(id: number, drawn = true): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await page.click(`[data-testid="review-item"][data-image-id="${id}"]`)
      try {
        await until('the frame to show', () => snap(page), (s) => s.shownId === id && (!drawn || s.drawnId === id), attempt < 3 ? 15_000 : 60_000)
        return
      } catch (err) {
        if (attempt >= 3) throw err
      }
    }
  }
  async function lowThresholds(): Promise<void> {
    // As a user moves a slider from the keyboard: a trusted key press, one class at a time. Setting the
    // sliders' values by script (fill) once left fold at the model's threshold in CI, with no change seen.
    for (const name of Object.keys(LOW)) {
      await page.locator(`[data-testid="threshold-${name}"]`).focus()
      await page.keyboard.press('Home')
      await until(`the ${name} threshold at 0`, () => snap(page), (s) => s.thresholds[name] === 0)
    }
  }
  /** Pixels of each polygon by the one rasteriser, to compare what was saved with what the service traced (saving clips and rounds). */
  const pixels = (polys: readonly { points: readonly number[] }[], d: ImageDetail): number[][] =>
    polys.map((p) => [...rasterizePolygon(p.points, d.width, d.height)].flatMap((v, i) => (v ? [i] : [])))
  /** The first frame of the queue passing `pick` where the accept service finds pieces to add at LOW (asked through the contract). */
  async function frameWithPieces(pick: (d: ImageDetail) => boolean): Promise<ImageDetail> {
    const s = await snap(page)
    for (const id of s.order) {
      const d = await page.evaluate((i) => (window as unknown as ReviewWindow).api.images.get({ id: i }), id)
      if (!pick(d)) continue
      const p = await page.evaluate(
        ([i, m, t]) => (window as unknown as ReviewWindow).api.predictions.previewAccept({ imageId: i as number, modelId: m as number, thresholds: t as Record<string, number> }),
        [id, s.modelId, LOW] as const
      )
      if (p.add.length > 0) return d
    }
    const diag = await page.evaluate(
      async ([ids, m, t]) => {
        const api = (window as unknown as ReviewWindow).api
        const q = await api.review.queue({ modelId: m as number })
        return Promise.all(
          (ids as number[]).slice(0, 3).map(async (id) => {
            const p = await api.predictions.previewAccept({ imageId: id, modelId: m as number, thresholds: t as Record<string, number> })
            const all = await Promise.all(
              (await api.classes.list({})).map(async (c) => [c.name, c.kind, (await api.predictions.previewAccept({ imageId: id, classId: c.id, thresholds: t as Record<string, number> })).pieces.length])
            )
            return { id, thr: p.thresholds, pieces: p.pieces.length, add: p.add.length, all, stats: q.items.find((i) => i.imageId === id)?.classes.map((c) => [c.classId, c.maxProb, c.predicted]) }
          })
        )
      },
      [s.order, s.modelId, LOW] as const
    )
    throw new Error(`no frame of the demo has predicted pieces at threshold 0: ${JSON.stringify(diag)}`)
  }

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
    // A short real training through the contract, then its model becomes the active one. Its maps are made in one
    // pass: at threshold 0 a class's pieces are wherever its stored map is above the lowest code, and this 12-step
    // model's mirrored mean is above it nearly everywhere, so each class's piece would be the whole frame and no
    // point would lie in one piece only (the click-to-accept test needs one).
    const runId = await page.evaluate(async () => {
      const api = (window as unknown as ReviewWindow).api
      await api.settings.setTraining({ budgetMinutes: 0, size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, steps1: 6, steps2: 12, evalRounds: 2, batchSize: 2, inferFlips: false })
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
    // The slider stops at the stored maps' levels (shared/review/mapCode.ts): stop s is the threshold PROB_OF_BYTE[s].
    const countsAt = async (t: number) => {
      const stop = thresholdByte(t)
      await slider.fill(String(stop))
      await until(`the counts at ${t}`, () => snap(page), (s) => s.queueThresholds?.['fold'] === PROB_OF_BYTE[stop] && s.pending === 0)
      return countCell(page, 'fold')
    }
    const high = await countsAt(0.99)
    const low = await countsAt(0.01)
    // Nearly every pixel is predicted at 0.01: more frames fire than at 0.99.
    expect(low.fp + low.tp).toBeGreaterThan(high.fp + high.tp)
    expect(await page.locator('[data-testid="threshold-value-fold"]').textContent()).toBe('0.01')
    // Stops between 0.99 and 1, where confident models put their thresholds: the one nearest 0.9999 is shown with its digits.
    await countsAt(0.9999)
    expect(await page.locator('[data-testid="threshold-value-fold"]').textContent()).toMatch(/^0\.9999\d+$/)
    expect(await page.locator('[data-testid="threshold-revision"]').textContent()).toContain('unsaved')
    await page.click('[data-testid="reset-thresholds"]')
    await until('the saved thresholds back', () => page.locator('[data-testid="threshold-revision"]').textContent(), (t) => !t?.includes('unsaved'))
  })

  it('holds the queue still under the pointer while thresholds re-rank it, and re-ranks once the pointer leaves', async () => {
    const listed = () => page.locator('[data-testid="review-item"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-image-id'))))
    const before = await settled(page, frames)
    await page.hover(`[data-testid="review-item"][data-image-id="${before.order[1]}"]`)
    // What the list shows once the pointer is on it is what it must keep: the previous test's reset may still be
    // re-ranking the queue when it settles (CI on 7f2396e listed another order than that snapshot's), so it is read here.
    const shown = await listed()
    // Thresholds from the keyboard: the pointer stays on the list, as a user's hand stays on the mouse.
    await lowThresholds()
    const s = await until('the service to re-rank the queue at threshold 0', () => snap(page), (v) => v.pending === 0 && v.ranked.join() !== shown.join(), 30_000)
    expect(await listed()).toEqual(shown)
    expect(s.order).toEqual(shown)
    await page.locator('[data-testid="review-queue-held"]').waitFor()
    // Off the list: the queue takes the service's order.
    const heat = (await page.locator('[data-pane="heat"]').boundingBox())!
    await page.mouse.move(heat.x + heat.width / 2, heat.y + heat.height / 2)
    await until('the list in the ranked order', () => Promise.all([listed(), snap(page)]), ([l, v]) => l.join() === v.ranked.join() && v.order.join() === v.ranked.join())
    expect(await page.locator('[data-testid="review-queue-held"]').count()).toBe(0)
    await page.click('[data-testid="reset-thresholds"]')
    await until('the saved thresholds back', () => page.locator('[data-testid="threshold-revision"]').textContent(), (t) => !t?.includes('unsaved'))
  })

  it('a missed defect opens the editor on the frame', async () => {
    const s = await snap(page)
    const id = s.order[s.order.length - 1]!
    await showFrame(id)
    await page.keyboard.press('m')
    await page.locator(`[data-testid="editor"][data-shown-id="${id}"][data-loading="false"]`).waitFor()
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    await page.locator(`[data-testid="review-item"][data-image-id="${id}"][data-verdict="missed_defect"]`).waitFor()
  })

  it('tunes thresholds on validation frames by default and warns when test frames are in the filter', async () => {
    expect((await snap(page)).tuneOn).toBe('val')
    expect(await page.locator('[data-testid="tune-test-warning"]').count()).toBe(0)
    await page.click('[data-testid="rf-split-test"]')
    await page.locator('[data-testid="tune-test-warning"]', { hasText: 'biases the test report' }).waitFor()
    await page.click('[data-testid="rf-split-test"]')
    await page.locator('[data-testid="tune-test-warning"]').waitFor({ state: 'detached' })
    // Tuning on the whole filter (every split) includes test frames: warned as well.
    await page.selectOption('[data-testid="tune-on"]', 'filter')
    await page.locator('[data-testid="tune-test-warning"]', { hasText: 'include test frames' }).waitFor()
    await page.selectOption('[data-testid="tune-on"]', 'val')
    await page.locator('[data-testid="tune-test-warning"]').waitFor({ state: 'detached' })
    await settled(page, frames)
  })

  it('T shows the polygons it would add, adds them as one step, and Ctrl+Z restores the frame', async () => {
    const getImage = (id: number): Promise<ImageDetail> => page.evaluate((i) => (window as unknown as ReviewWindow).api.images.get({ id: i }), id)
    const listLabels = (id: number): Promise<Label[]> => page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), id)
    const frame = await frameWithPieces((d) => d.status === 'unlabeled' && d.labelCount === 0 && d.split !== 'test')
    await lowThresholds()
    await showFrame(frame.id)
    await page.keyboard.press('t')
    const preview = page.locator('[data-testid="t-preview"]')
    await preview.waitFor()
    const count = Number(await preview.getAttribute('data-count'))
    expect(count).toBeGreaterThan(0)
    expect(await preview.textContent()).toContain(`T adds ${count} polygon`)
    // Drawn on the frame and outcome panes; nothing written yet.
    expect(await page.getAttribute('[data-testid="review-pane"][data-pane="frame"]', 'data-preview')).toBe(String(count))
    expect(await listLabels(frame.id)).toEqual([])
    // The service's own preview of the same frame and thresholds (every defect class): what T will add.
    const expected = await page.evaluate(
      ([id, t]) => (window as unknown as ReviewWindow).api.predictions.previewAccept({ imageId: id as number, thresholds: t as Record<string, number> }),
      [frame.id, LOW] as const
    )
    expect(expected.add).toHaveLength(count)
    await page.keyboard.press('t')
    const last = await until('the verdict', () => snap(page), (s) => s.lastAction?.imageId === frame.id)
    expect(last.lastAction!.undoable).toBe(true)
    const added = await listLabels(frame.id)
    expect(pixels(added, frame)).toEqual(pixels(expected.add, frame))
    expect((await getImage(frame.id)).status).toBe('labeled')
    await page.keyboard.press('Control+z')
    await until('the undo', () => snap(page), (s) => s.lastAction === null)
    expect(await listLabels(frame.id)).toEqual([])
    expect((await getImage(frame.id)).status).toBe('unlabeled')
    await page.click('[data-testid="reset-thresholds"]')
  })

  it("a test frame's T is recorded, changes nothing, and is confirmed in the editor", async () => {
    const getImage = (id: number): Promise<ImageDetail> => page.evaluate((i) => (window as unknown as ReviewWindow).api.images.get({ id: i }), id)
    const listLabels = (id: number): Promise<Label[]> => page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), id)
    const frame = await frameWithPieces((d) => d.split === 'test')
    const id = frame.id
    const before = { labels: await listLabels(id), status: frame.status }
    await lowThresholds()
    await showFrame(id)
    await page.keyboard.press('t')
    // The preview says, before anything is recorded, that a test frame's verdict waits.
    await page.locator('[data-testid="t-preview-test"]', { hasText: 'waits for an inspector to confirm it in the editor' }).waitFor()
    await page.keyboard.press('t')
    await page.locator('[data-testid="toast"]', { hasText: 'waiting for an inspector to confirm it in the editor' }).waitFor()
    await page.locator(`[data-testid="review-item"][data-image-id="${id}"][data-verdict="true_defect"]`).waitFor()
    expect((await snap(page)).lastAction?.undoable).toBe(false)
    expect(await listLabels(id)).toEqual(before.labels)
    expect((await getImage(id)).status).toBe(before.status)
    // The inspector confirms it in the editor: the pieces become labels.
    await showFrame(id, false)
    await page.keyboard.press('e')
    await page.locator(`[data-testid="editor"][data-shown-id="${id}"][data-loading="false"]`).waitFor()
    await page.locator('[data-testid="pending-verdict"][data-verdict="true_defect"]').waitFor()
    await page.click('[data-testid="pending-confirm"]')
    await page.locator('[data-testid="pending-verdicts"]').waitFor({ state: 'detached' })
    const after = await listLabels(id)
    expect(after.length).toBeGreaterThan(before.labels.length)
    await until('the editor to show them', () => page.locator('[data-testid="polygon-count"]').textContent(), (t) => t === String(after.length))
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    await page.click('[data-testid="reset-thresholds"]')
  })

  it('the editor accepts one predicted piece (its row, or a click in its outline) through the accept service, as one undo step', async () => {
    const s = await snap(page)
    // Saved low so the editor (which uses the model's saved thresholds) has pieces to show.
    await page.evaluate(([m, t]) => (window as unknown as ReviewWindow).api.review.setThresholds({ modelId: m as number, thresholds: t as Record<string, number> }), [s.modelId, LOW] as const)
    const frame = await frameWithPieces((d) => d.status === 'unlabeled' && d.labelCount === 0 && d.split !== 'test')
    await showFrame(frame.id, false)
    await page.keyboard.press('e')
    await page.locator(`[data-testid="editor"][data-shown-id="${frame.id}"][data-loading="false"]`).waitFor()
    const piece = page.locator('[data-testid="predicted-piece"][data-labelled="false"]').first()
    await piece.waitFor()
    const classId = Number(await piece.getAttribute('data-class-id'))
    const index = Number(await piece.getAttribute('data-index'))
    const expected = await page.evaluate(([id, c, i]) => (window as unknown as ReviewWindow).api.predictions.previewAccept({ imageId: id!, classId: c!, pieces: [i!] }), [frame.id, classId, index])
    expect(expected.add).toHaveLength(1)
    await piece.locator('[data-testid="accept-piece"]').click()
    await until('one polygon', () => page.locator('[data-testid="polygon-count"]').textContent(), (t) => t === '1')
    expect(await page.getAttribute('[data-testid="polygon-row"]', 'data-source')).toBe('model')
    // Saved as exactly that piece.
    const saved = await until(
      'the save',
      () => page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), frame.id),
      (l) => l.length === 1
    )
    expect(pixels(saved, frame)).toEqual(pixels(expected.add, frame))
    expect(saved[0]!.classId).toBe(classId)
    // The piece now counts as labelled; Ctrl+Z takes it back.
    await page.locator(`[data-testid="predicted-piece"][data-class-id="${classId}"][data-index="${index}"][data-labelled="true"]`).waitFor()
    await page.keyboard.press('Control+z')
    await until('no polygon', () => page.locator('[data-testid="polygon-count"]').textContent(), (t) => t === '0')
    // With the select tool, a click inside a piece's dashed outline accepts that piece: a point well inside the
    // largest piece and outside every other outline the editor draws (a region class's too).
    const everyPiece = await page.evaluate(async (i) => {
      const api = (window as unknown as ReviewWindow).api
      const classes = await api.classes.list({})
      return (await Promise.all(classes.map((c) => api.predictions.previewAccept({ imageId: i, classId: c.id })))).flatMap((p) => p.pieces)
    }, frame.id)
    // A pixel whose four neighbours are in the piece too (its centre lies inside the outline, off its edge) and in no
    // other piece; pieces of two classes may overlap, so the largest piece that has one is clicked.
    const onlyInside = (piece: (typeof everyPiece)[number]): number | undefined => {
      const others = new Set(pixels(everyPiece.filter((p) => p !== piece), frame).flat())
      const area = new Set(pixels([piece], frame)[0]!)
      return [...area].find((i) => !others.has(i) && area.has(i - 1) && area.has(i + 1) && area.has(i - frame.width) && area.has(i + frame.width))
    }
    const biggest = [...everyPiece].sort((a, b) => b.pixels - a.pixels).find((p) => onlyInside(p) !== undefined)
    expect(biggest, `a point only one piece covers, among ${everyPiece.length} pieces of ${everyPiece.map((p) => p.pixels).join(', ')} px`).toBeDefined()
    const inside = onlyInside(biggest!)
    const at = { x: (inside! % frame.width) + 0.5, y: Math.floor(inside! / frame.width) + 0.5 }
    await page.keyboard.press('v')
    const [cx, cy] = await page.evaluate(
      ([x, y]) => (window as unknown as { __editorTest: { imageToClient(a: number, b: number): [number, number] } }).__editorTest.imageToClient(x!, y!),
      [at.x, at.y]
    )
    await page.mouse.click(cx, cy)
    await until('the clicked piece', () => page.locator('[data-testid="polygon-count"]').textContent(), (t) => t === '1')
    // Saved: the undo's deletion and this addition both reach the server before it is read.
    await page.evaluate(() => (window as unknown as { __editorTest: { flush(): Promise<void> } }).__editorTest.flush())
    const clicked = await page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), frame.id)
    expect(clicked).toHaveLength(1)
    expect(pixels(clicked, frame)).toEqual(pixels([biggest!], frame))
    expect(clicked[0]!.classId).toBe(biggest!.classId)
    await page.keyboard.press('Control+z')
    await until('no polygon', () => page.locator('[data-testid="polygon-count"]').textContent(), (t) => t === '0')
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
  })

  it('a false positive and an accepted true defect persist across a reload', async () => {
    const getImage = (id: number): Promise<ImageDetail> => page.evaluate((i) => (window as unknown as ReviewWindow).api.images.get({ id: i }), id)
    const listLabels = (id: number): Promise<Label[]> => page.evaluate((i) => (window as unknown as ReviewWindow).api.labels.list({ imageId: i }), id)
    const details = await Promise.all((await snap(page)).order.map(getImage))
    // Training and validation frames: a test frame's verdict waits for confirmation.
    const unlabelled = details.filter((d) => d.status === 'unlabeled' && d.labelCount === 0 && d.split !== 'test')
    expect(unlabelled.length).toBeGreaterThanOrEqual(2)
    const tdId = (await frameWithPieces((d) => d.status === 'unlabeled' && d.labelCount === 0 && d.split !== 'test')).id
    const fpId = unlabelled.find((d) => d.id !== tdId)!.id

    // False positive: F on the selected frame; it becomes normal.
    await showFrame(fpId)
    await page.keyboard.press('f')
    await page.locator(`[data-testid="review-item"][data-image-id="${fpId}"][data-verdict="false_positive"]`).waitFor()

    // True defect: at low thresholds this frame's prediction holds pieces; T turns them into model polygons.
    await lowThresholds()
    await showFrame(tdId)
    await page.keyboard.press('t')
    await page.locator('[data-testid="t-preview"]').waitFor()
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
