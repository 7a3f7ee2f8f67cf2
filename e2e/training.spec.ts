/**
 * Training in the app, in Debian's Chromium against the real services and a
 * real ML process (TF.js on its default backend, wasm here), on a small demo
 * workspace: training settings through the form, one-click retrain with live
 * progress and loss curves, the first model accepted, pre-annotations shown
 * in the editor without touching the labels, a retrain compared with the
 * active model and declined, another accepted, the Runs page with its
 * comparison, and cancelling and resuming a run. Networks are tiny so each
 * training takes seconds.
 *
 * Set E2E_SCREENS_DIR=docs/screens to refresh the README's screenshots;
 * otherwise they go to a temp folder removed afterwards.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Label, RetrainStatus, StudioApi, TrainingSettings } from '../src/shared/contract'
import { launchChromium, startStudio, type Studio } from './support/studio'

const keepScreens = process.env.E2E_SCREENS_DIR ? resolve(process.env.E2E_SCREENS_DIR) : undefined
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-training-screens-'))
/** README screenshots stay small. */
const MAX_SCREEN_BYTES = 150_000
/** Long enough for any one training or pre-annotation of this size on a busy 2-core machine. */
const RUN_TIMEOUT = 150_000

/** Fixed step counts (budget 0) instead of the default 20 minutes; each stage's curve gets evalRounds points. */
const TINY = { budgetMinutes: 0, size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, steps1: 6, steps2: 24, evalRounds: 3, batchSize: 2 } satisfies Partial<TrainingSettings>

/** The form's field for each setting. */
const FIELD: Partial<Record<keyof TrainingSettings, string>> = {
  budgetMinutes: 'ts-budget',
  size: 'ts-size',
  reconBase: 'ts-recon',
  discBase: 'ts-disc',
  reconDepth: 'ts-recon-depth',
  discDepth: 'ts-disc-depth',
  steps1: 'ts-steps1',
  steps2: 'ts-steps2',
  evalRounds: 'ts-eval-rounds',
  batchSize: 'ts-batch',
  pretrainShare: 'ts-pretrain',
  maxNormalMarked: 'ts-max-normal'
}

const fields = (values: Partial<TrainingSettings>): Record<string, number> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [FIELD[k as keyof TrainingSettings]!, v as number]))

interface StudioPage {
  api: StudioApi
  __editorTest?: {
    nav(): { shownId: number | null; loading: boolean }
    imageToClient(x: number, y: number): [number, number]
    flush(): Promise<void>
  }
}

const retrainStatus = (page: Page) => page.evaluate(() => (window as unknown as StudioPage).api.retrain.status({})) as Promise<RetrainStatus>
const labelsOf = (page: Page, imageId: number) =>
  page.evaluate((id) => (window as unknown as StudioPage).api.labels.list({ imageId: id }), imageId) as Promise<Label[]>
const predictionModel = (page: Page, imageId: number) =>
  page.evaluate((id) => (window as unknown as StudioPage).api.predictions.get({ imageId: id }).then((p) => (p ? { modelId: p.modelId, heatmaps: p.heatmaps.length } : null)), imageId)

async function shot(page: Page, name: string): Promise<void> {
  const file = join(screens, name)
  // A 256-colour palette keeps the dark UI sharp at a fraction of the size.
  await sharp(await page.screenshot()).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toFile(file)
  expect(statSync(file).size).toBeLessThan(MAX_SCREEN_BYTES)
}

async function attr(page: Page, selector: string, name: string): Promise<string> {
  return (await page.getAttribute(selector, name)) ?? ''
}

/** Waits for the retrain dialog to reach a phase (start, running, decide, promoted, declined, stopped). */
async function phase(page: Page, name: string, timeout = RUN_TIMEOUT): Promise<void> {
  await page.locator(`[data-testid="retrain-dialog"][data-phase="${name}"]`).waitFor({ timeout })
}

/** Opens the Training settings form, and its Advanced part when `advanced`. */
async function openSettings(page: Page, advanced: boolean): Promise<void> {
  if (!(await page.locator('[data-testid="training-settings"]').count())) await page.click('[data-testid="settings-toggle"]')
  await page.locator('[data-testid="training-settings"][data-loaded="true"]').waitFor()
  const details = page.locator('[data-testid="ts-advanced"]')
  if (advanced && !(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click()
}

async function fillSettings(page: Page, values: Partial<Record<string, number>>): Promise<void> {
  // Everything but the time budget sits under "Advanced".
  await openSettings(page, Object.keys(values).some((k) => k !== 'ts-budget'))
  for (const [testId, v] of Object.entries(values)) await page.fill(`[data-testid="${testId}"]`, String(v))
  await page.click('[data-testid="ts-save"]')
}

async function openUnlabelledInEditor(page: Page): Promise<number> {
  await page.click('[data-testid="nav-frames"]')
  if ((await attr(page, '[data-testid="filter-status-unlabeled"]', 'aria-pressed')) !== 'true') await page.click('[data-testid="filter-status-unlabeled"]')
  const unlabelled = await page.evaluate(() => (window as unknown as StudioPage).api.images.stats({}).then((s) => s.byStatus['unlabeled'] ?? 0))
  await page.locator(`[data-testid="grid"][data-total="${unlabelled}"]`).waitFor()
  const first = page.locator('[data-testid="grid-cell"][data-index="0"][data-status="unlabeled"]')
  await first.waitFor()
  await first.click()
  await page.keyboard.press('Enter')
  await page.locator('[data-testid="editor"]:not([data-shown-id=""])[data-loading="false"]').waitFor()
  return Number(await attr(page, '[data-testid="editor"]', 'data-shown-id'))
}

async function closeEditor(page: Page): Promise<void> {
  await page.click('[data-testid="editor-close"]')
  await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
  await page.click('[data-testid="filter-clear"]')
}

describe('training in the app: one-click retrain, runs, comparison, promotion, pre-annotation', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []
  let firstRun = 0
  let firstModel = 0

  beforeAll(async () => {
    if (keepScreens) mkdirSync(screens, { recursive: true })
    studio = await startStudio({ framesPerView: 10, size: '48x96' })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor()
    if (await page.locator('[data-testid="start-screen"]').count()) {
      await page.fill('[data-testid="workspace-path"]', studio.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
    }
    await page.locator('[data-testid="grid-cell"][data-image-id]').first().waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  it('shows the ML backend and why, and keeps training settings entered in the form', async () => {
    await page.click('[data-testid="nav-runs"]')
    await page.locator('[data-testid="runs-page"]').waitFor()
    await page.locator('[data-testid="ml-backend"]:not([data-name=""])').waitFor({ timeout: 60_000 })
    expect(await attr(page, '[data-testid="ml-backend"]', 'data-name')).toBe('wasm')
    expect(await attr(page, '[data-testid="ml-backend"]', 'data-gpu')).toBe('false')
    // Why not a GPU: the tensorflow bindings are not installed here.
    expect(await page.textContent('[data-testid="ml-backend-skipped"]')).toMatch(/tensorflow-gpu: not installed/)
    expect(await page.textContent('[data-testid="run-detail-empty"]')).toMatch(/No runs yet/)

    // A size the network can't take is refused with the reason, and nothing is stored.
    await fillSettings(page, { 'ts-size': 40 })
    await page.locator('[data-testid="ts-error"]', { hasText: 'multiple of 16' }).waitFor()
    await fillSettings(page, fields(TINY))
    await page.locator('[data-testid="ts-saved"]').waitFor()
    const stored = await page.evaluate(() => (window as unknown as StudioPage).api.settings.getTraining({}))
    expect(stored).toMatchObject({ ...TINY, autoPromote: false, preset: 'cpu', input: 'tiles' })
  })

  it('retrains with one button, drawing progress and loss curves as it goes, and makes the first model active', async () => {
    await page.click('[data-testid="nav-frames"]')
    const before = await retrainStatus(page)
    expect(before.activeModel).toBeNull()
    expect(before.newDefectLabels).toBeGreaterThan(0)
    const button = '[data-testid="retrain-button"]'
    await page.locator(`${button}[data-new-defects="${before.newDefectLabels}"]`).waitFor()
    expect(await page.textContent('[data-testid="retrain-count"]')).toBe(`${before.newDefectLabels} defects labelled, no model yet`)

    await page.click(button)
    await phase(page, 'start')
    expect(await page.textContent('[data-testid="retrain-active"]')).toMatch(/none yet/)
    // A first model trains both networks: the option is on and fixed.
    expect(await page.isChecked('[data-testid="retrain-stage1"]')).toBe(true)
    expect(await page.isDisabled('[data-testid="retrain-stage1"]')).toBe(true)
    await page.click('[data-testid="retrain-start"]')
    await phase(page, 'running', 30_000)
    firstRun = Number(await attr(page, '[data-testid="retrain-dialog"]', 'data-run-id'))
    expect(firstRun).toBeGreaterThan(0)

    // While it runs: the bar moves, the header button follows, and a curve point appears per finished epoch.
    await page.locator(`[data-testid="run-progress"][data-run-id="${firstRun}"][data-stage="recon"]`).waitFor({ timeout: 60_000 })
    await page.locator(`${button}[data-mode="running"]`).waitFor()
    await page.locator('[data-testid="retrain-dialog"][data-phase="running"] [data-testid="loss-chart"][data-stage="disc"]:not([data-train-points="0"])').waitFor({ timeout: 60_000 })
    // Read at once: the rest of the run takes a second or two.
    const [fraction, recon] = await page.evaluate(() => {
      const chart = document.querySelector('[data-testid="retrain-dialog"] [data-testid="loss-chart"][data-stage="recon"]')
      return [
        Number(document.querySelector('[data-testid="run-progress"]')?.getAttribute('data-fraction')),
        ['data-train-points', 'data-val-points', 'data-live-points'].map((a) => Number(chart?.getAttribute(a)))
      ] as const
    })
    expect(fraction).toBeGreaterThan(1 / 3)
    expect(fraction).toBeLessThan(1)
    expect(recon.slice(0, 2)).toEqual([TINY.evalRounds, TINY.evalRounds])
    expect(recon[2]).toBeGreaterThan(TINY.evalRounds)
    await shot(page, 'training-progress.png')

    // Done: with no active model there is nothing to compare with; its own test metrics show.
    await phase(page, 'decide')
    await page.locator('[data-testid="retrain-first-model"]').waitFor()
    await page.locator('[data-testid="retrain-dialog"] [data-testid="run-metrics"]').waitFor()
    expect(await page.locator('[data-testid="retrain-dialog"] [data-testid="metric-class"]').count()).toBe(3)
    // Frame counts per defect class, as the run's test report has them; a region has none.
    const report = (await page.evaluate((id) => (window as unknown as StudioPage).api.runs.get({ runId: id }), firstRun))!.testMetrics!
    const normals = report.overall.images - report.overall.anomalousImages
    const shown = await page.$$eval('[data-testid="retrain-dialog"] [data-testid="metric-class"]', (rows) =>
      rows.map((r) => [r.getAttribute('data-name'), r.querySelector('[data-testid="metric-frames-found"]')?.textContent, r.querySelector('[data-testid="metric-normals-marked"]')?.textContent])
    )
    const share = (n: number, of: number) => (of > 0 ? `${n} of ${of} (${Math.round((100 * n) / of)}%)` : '–')
    expect(shown).toEqual(
      report.overall.classes.map((c) =>
        c.kind === 'region' ? [c.name, '–', '–'] : [c.name, share(c.framesFound!, c.frames!), share(c.normalsMarked!, normals)]
      )
    )
    expect(report.overall.classes.filter((c) => c.kind === 'defect').every((c) => Number.isInteger(c.frames) && Number.isInteger(c.normalsMarked))).toBe(true)
    await page.locator(`${button}[data-mode="pending"]`).waitFor()

    await page.click('[data-testid="retrain-accept"]')
    await phase(page, 'promoted')
    await page.locator('[data-testid="retrain-outcome"][data-decision="promoted"]').waitFor()
    // Accepted here, so not reported as an automatic promotion.
    expect(await page.locator('[data-testid="retrain-auto-promoted"]').count()).toBe(0)
    const after = await retrainStatus(page)
    expect(after.activeModel?.runId).toBe(firstRun)
    firstModel = after.activeModel!.id
    await page.locator(`${button}[data-active-model="${firstModel}"]`).waitFor()
    expect(await page.textContent('[data-testid="retrain-count"]')).toBe(`no new defects since model #${firstModel}`)
    // The active model pre-annotates the unlabelled frames in the background.
    await page.locator('[data-testid="retrain-preannotation"][data-state="done"]').waitFor({ timeout: RUN_TIMEOUT })
    await page.click('[data-testid="retrain-done"]')
    await page.locator('[data-testid="retrain-dialog"]').waitFor({ state: 'detached' })
  })

  it('shows the predictions over an unlabelled frame in the editor and leaves its labels to the inspector', async () => {
    const imageId = await openUnlabelledInEditor(page)
    await page.locator('[data-testid="prediction-panel"]').waitFor()
    expect(await page.locator('[data-testid="heatmap-opacity"]').count()).toBe(1)
    expect(await predictionModel(page, imageId)).toEqual({ modelId: firstModel, heatmaps: 3 })
    // Predictions are never written as labels.
    expect(await labelsOf(page, imageId)).toEqual([])
    await shot(page, 'training-editor-predictions.png')

    // An inspector labels a new fold on the frame.
    const hooks = () => page.evaluate(() => !!(window as unknown as StudioPage).__editorTest)
    expect(await hooks()).toBe(true)
    await page.keyboard.press('1')
    await page.keyboard.press('p')
    for (const [x, y] of [
      [10, 20],
      [30, 22],
      [28, 60],
      [10, 20]
    ] as const) {
      const [cx, cy] = await page.evaluate(([a, b]) => (window as unknown as StudioPage).__editorTest!.imageToClient(a!, b!), [x, y] as const)
      await page.mouse.click(cx, cy)
    }
    await page.evaluate(() => (window as unknown as StudioPage).__editorTest!.flush())
    await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor()
    const labels = await labelsOf(page, imageId)
    expect(labels.map((l) => l.source)).toEqual(['manual'])
    await closeEditor(page)

    const status = await retrainStatus(page)
    expect(status.newDefectLabels).toBe(1)
    await page.locator(`[data-testid="retrain-button"][data-new-defects="1"]`).waitFor()
    expect(await page.textContent('[data-testid="retrain-count"]')).toBe(`1 new defect since model #${firstModel}`)
  })

  it('compares a retrain with the active model, per class, per view and by data, and declines it', async () => {
    await page.click('[data-testid="retrain-button"]')
    await phase(page, 'start')
    expect(await page.textContent('[data-testid="retrain-active"]')).toBe(`#${firstModel} (run #${firstRun})`)
    // No new normal frames: stage 1 is skipped unless asked.
    expect(await page.isChecked('[data-testid="retrain-stage1"]')).toBe(false)
    expect(await page.isDisabled('[data-testid="retrain-stage1"]')).toBe(false)
    await page.click('[data-testid="retrain-start"]')
    await phase(page, 'running', 30_000)
    const runId = Number(await attr(page, '[data-testid="retrain-dialog"]', 'data-run-id'))
    // Warm-started: only the segmentation network trains, then the test.
    await page.locator('[data-testid="run-progress"] .stage-steps li[data-stage="disc"]').waitFor()
    expect(await page.locator('[data-testid="run-progress"] .stage-steps li[data-stage="recon"]').count()).toBe(0)

    await phase(page, 'decide')
    expect(await attr(page, '[data-testid="retrain-decide"]', 'data-baseline')).toBe(String(firstRun))
    const cmp = '[data-testid="retrain-dialog"] [data-testid="run-comparison"]'
    await page.locator(cmp).waitFor()
    expect([await attr(page, cmp, 'data-a'), await attr(page, cmp, 'data-b')]).toEqual([String(firstRun), String(runId)])
    // Tested on the active model's own test frames, so no warning.
    expect(await page.locator('[data-testid="cmp-test-set-warning"]').count()).toBe(0)
    expect(await page.locator(`${cmp} [data-testid="cmp-class"]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))).toEqual([
      'fold',
      'edge_crack',
      'lathe'
    ])
    // Normal frames marked, in points, for the defect classes (the demo's test split has normal frames); none for the region.
    expect(
      await page.locator(`${cmp} [data-testid="cmp-class"]`).evaluateAll((rows) => rows.map((r) => r.querySelector('[data-testid="cmp-marked-delta"]')?.textContent))
    ).toEqual([expect.stringMatching(/^([+−]\d+|±0) pts$/), expect.stringMatching(/^([+−]\d+|±0) pts$/), '–'])
    // Fewer marked frames is the gain: coloured by the points shown.
    for (const [text, cls] of await page.locator(`${cmp} [data-testid="cmp-marked-delta"]`).evaluateAll((cells) => cells.map((c) => [c.textContent, c.className]))) {
      const want = text === '±0 pts' || text === '–' ? 'delta-same' : text!.startsWith('−') ? 'delta-up' : 'delta-down'
      expect(cls, String(text)).toContain(want)
    }
    expect(await page.locator(`${cmp} [data-testid="cmp-view"]`).count()).toBeGreaterThan(0)
    const miouDelta = await page.locator(`${cmp} [data-testid="cmp-metric"][data-name="MIoU"] .delta`).getAttribute('data-delta')
    expect(Number.isFinite(Number(miouDelta)) && miouDelta !== '').toBe(true)
    // The data differ by the frame labelled since.
    const data = `${cmp} [data-testid="cmp-data"]`
    expect(await attr(page, data, 'data-only-b')).toBe('1')
    expect(await attr(page, data, 'data-only-a')).toBe('0')
    expect(Number(await attr(page, data, 'data-new-revisions'))).toBeGreaterThanOrEqual(1)
    await shot(page, 'training-compare.png')

    await page.click('[data-testid="retrain-decline"]')
    await phase(page, 'declined')
    expect((await retrainStatus(page)).activeModel?.id).toBe(firstModel)
    await page.click('[data-testid="retrain-done"]')
    // Declined: the new label still counts as not yet in the active model.
    await page.locator(`[data-testid="retrain-button"][data-mode="idle"][data-new-defects="1"][data-active-model="${firstModel}"]`).waitFor()
  })

  it('retrains both networks when asked, accepts, and the new active model pre-annotates anew', async () => {
    // This retrain also spends the first half of stage 2 on simulated anomalies, makes its maps in one pass and lets a class mark half the normal frames (Advanced settings).
    await page.click('[data-testid="nav-runs"]')
    await openSettings(page, true)
    expect(await page.isChecked('[data-testid="ts-infer-flips"]')).toBe(true)
    await page.uncheck('[data-testid="ts-infer-flips"]')
    await fillSettings(page, fields({ pretrainShare: 0.5, maxNormalMarked: 0.5 }))
    await page.locator('[data-testid="ts-saved"]').waitFor()
    expect(await page.textContent('[data-testid="ts-summary"]')).toContain('simulated anomalies in the first 50% of stage 2 · maps in one pass · thresholds: best F1, each class on at most 50% of normal frames')
    expect(await page.evaluate(() => (window as unknown as StudioPage).api.settings.getTraining({}))).toMatchObject({ inferFlips: false, pretrainShare: 0.5, maxNormalMarked: 0.5 })
    await page.click('[data-testid="retrain-button"]')
    await phase(page, 'start')
    await page.check('[data-testid="retrain-stage1"]')
    await page.click('[data-testid="retrain-start"]')
    await phase(page, 'running', 30_000)
    const runId = Number(await attr(page, '[data-testid="retrain-dialog"]', 'data-run-id'))
    await page.locator('[data-testid="run-progress"] .stage-steps li[data-stage="recon"]').waitFor()
    await phase(page, 'decide')
    await page.locator('[data-testid="retrain-dialog"] [data-testid="run-comparison"]').waitFor()
    await page.click('[data-testid="retrain-accept"]')
    await phase(page, 'promoted')
    const status = await retrainStatus(page)
    expect(status.activeModel?.runId).toBe(runId)
    expect(status.activeModel?.id).not.toBe(firstModel)
    expect(status.newDefectLabels).toBe(0)
    await page.locator(`[data-testid="retrain-button"][data-active-model="${status.activeModel!.id}"]`).waitFor()
    await page.locator('[data-testid="retrain-preannotation"][data-state="done"]').waitFor({ timeout: RUN_TIMEOUT })
    await page.click('[data-testid="retrain-done"]')

    const imageId = await openUnlabelledInEditor(page)
    await page.locator('[data-testid="prediction-panel"]').waitFor()
    expect((await predictionModel(page, imageId))?.modelId).toBe(status.activeModel!.id)
    expect(await labelsOf(page, imageId)).toEqual([])
    await closeEditor(page)
  })

  it('lists every run on the Runs page with its curves, compares any two, and cancels and resumes a training', async () => {
    await page.click('[data-testid="nav-runs"]')
    // Re-evaluations on current labels (eval runs) are listed too; this test follows the trainings and pre-annotations.
    const rows = page.locator('[data-testid="run-row"]:not([data-kind="eval"])')
    await page.locator('[data-testid="run-row"][data-kind="infer"][data-state="done"]').nth(1).waitFor()
    const list = await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-kind'), e.getAttribute('data-state'), e.getAttribute('data-active'), e.getAttribute('data-decision')]))
    // Newest first: pre-annotation, accepted retrain, declined retrain, pre-annotation, first model.
    expect(list).toEqual([
      ['infer', 'done', 'false', ''],
      ['train', 'done', 'true', 'promoted'],
      ['train', 'done', 'false', 'declined'],
      ['infer', 'done', 'false', ''],
      ['train', 'done', 'false', 'promoted']
    ])
    const active = Number(await rows.nth(1).getAttribute('data-run-id'))
    await rows.nth(1).click()
    await page.locator(`[data-testid="run-detail"][data-run-id="${active}"][data-loaded="true"]`).waitFor()
    const charts = page.locator('[data-testid="run-detail"] [data-testid="loss-chart"]')
    expect(await charts.evaluateAll((els) => els.map((e) => [e.getAttribute('data-stage'), e.getAttribute('data-train-points')]))).toEqual([
      ['recon', String(TINY.evalRounds)],
      ['disc', String(TINY.evalRounds)]
    ])
    // What the run did: its settings, the engine's plan, and how well stage 1 rebuilds normal frames.
    const detailOf = '[data-testid="run-detail"] [data-testid="run-setup"]'
    expect(await attr(page, detailOf, 'data-input')).toBe('tiles')
    expect(await page.textContent(`${detailOf} [data-testid="run-settings"]`)).toContain('32 px crops, tiles up to 64 px')
    expect(await attr(page, `${detailOf} [data-testid="run-plan"]`, 'data-recon-reused')).toBe('false')
    expect(Number(await attr(page, `${detailOf} [data-testid="run-plan"]`, 'data-steps2'))).toBeGreaterThan(0)
    // Half of its stage 2 learnt simulated anomalies, as set before it.
    expect(await page.textContent(`${detailOf} .run-fact[data-name="Simulated anomalies"] dd`)).toBe('the first 50% of stage 2')
    expect(Number(await attr(page, `${detailOf} [data-testid="run-plan"]`, 'data-simulated-steps'))).toBe(TINY.steps2 / 2)
    expect(await page.textContent(`${detailOf} [data-testid="run-plan"]`)).toContain(`the first ${TINY.steps2 / 2} on simulated anomalies`)
    // Which validation frames set the thresholds: every one without a time budget.
    expect(await page.textContent(`${detailOf} [data-testid="run-plan"]`)).toMatch(/thresholds from \d+ labelled and \d+ normal validation frames/)
    expect(await page.textContent(`${detailOf} .run-fact[data-name="Inference"] dd`)).toBe('one pass a tile')
    expect(await page.textContent(`${detailOf} .run-fact[data-name="Thresholds"] dd`)).toBe('best F1, each class on at most 50% of normal frames')
    await page.locator(`${detailOf} [data-testid="run-recon-quality"]`).waitFor()
    expect(await page.textContent(`${detailOf} [data-testid="run-recon-quality"]`)).toMatch(/RA \d\.\d{3}, SSIM -?\d\.\d{3}/)
    // The declined retrain skipped stage 1: it says the reconstruction net was reused.
    await rows.nth(2).click()
    await page.locator(`[data-testid="run-detail"][data-run-id="${await rows.nth(2).getAttribute('data-run-id')}"][data-loaded="true"]`).waitFor()
    expect(await attr(page, `${detailOf} [data-testid="run-plan"]`, 'data-recon-reused')).toBe('true')
    expect(await page.textContent(`${detailOf} [data-testid="run-plan"]`)).toMatch(/reconstruction net reused/)
    expect(await page.textContent(`${detailOf} .run-fact[data-name="Simulated anomalies"] dd`)).toBe('none')
    expect(await attr(page, `${detailOf} [data-testid="run-plan"]`, 'data-simulated-steps')).toBe('0')
    expect(await page.textContent(`${detailOf} .run-fact[data-name="Inference"] dd`)).toBe('each tile and its three mirror images, averaged')
    await rows.nth(1).click()
    await page.locator(`[data-testid="run-detail"][data-run-id="${active}"][data-loaded="true"]`).waitFor()
    await page.selectOption('[data-testid="compare-with"]', String(firstRun))
    await page.locator(`[data-testid="run-detail"] [data-testid="run-comparison"][data-a="${firstRun}"][data-b="${active}"]`).waitFor()
    if (await page.locator('[data-testid="training-settings"]').count()) await page.click('[data-testid="settings-toggle"]')
    await shot(page, 'training-runs.png')

    // A long U-Net baseline, cancelled after its first epoch and resumed from the checkpoint.
    await fillSettings(page, fields({ steps2: 20_000, evalRounds: 200 }))
    await page.locator('[data-testid="ts-saved"]').waitFor()
    await page.click('[data-testid="train-unet"]')
    const detail = '[data-testid="run-detail"]'
    await page.locator(`${detail}[data-state="running"] [data-testid="loss-chart"][data-stage="disc"]:not([data-train-points="0"])`).waitFor({ timeout: RUN_TIMEOUT })
    const unet = Number(await attr(page, detail, 'data-run-id'))
    await page.click('[data-testid="run-cancel"]')
    await page.locator(`${detail}[data-run-id="${unet}"][data-state="cancelled"]`).waitFor({ timeout: RUN_TIMEOUT })
    const doneBefore = Number(await page.locator(`${detail} [data-testid="loss-chart"][data-stage="disc"]`).getAttribute('data-train-points'))
    await page.click('[data-testid="run-resume"]')
    // It goes on from its checkpoint: the next epoch recorded follows the last one, none is trained twice.
    // Epochs of the tiny net are quick: the chart may pass doneBefore + 1 between two renders.
    await page.waitForFunction(
      ({ sel, want }) => {
        const chart = document.querySelector(sel)
        return chart !== null && Number(chart.getAttribute('data-train-points')) >= want
      },
      { sel: `${detail}[data-run-id="${unet}"] [data-testid="loss-chart"][data-stage="disc"]`, want: doneBefore + 1 },
      { timeout: RUN_TIMEOUT }
    )
    const epochs = await page.evaluate((id) => (window as unknown as StudioPage).api.runs.get({ runId: id }).then((r) => r.epochs.map((e) => e.epoch)), unet)
    expect(epochs.slice(0, doneBefore + 1)).toEqual(Array.from({ length: doneBefore + 1 }, (_, i) => i + 1))
    await page.click('[data-testid="run-cancel"]')
    await page.locator(`${detail}[data-run-id="${unet}"][data-state="cancelled"]`).waitFor({ timeout: RUN_TIMEOUT })
    // The list refreshes on the run's own event, which may land a render after the detail pane's.
    await page.locator(`[data-testid="run-row"][data-run-id="${unet}"][data-state="cancelled"]`).waitFor({ timeout: 10_000 })
    expect(problems).toEqual([])
  })
})

describe('auto-promote', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: 6, size: '48x96' })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().includes('favicon')) problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid-cell"][data-image-id]').first().waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
  })

  it('promotes a retrained model by itself when asked to, and says it did', async () => {
    await page.click('[data-testid="nav-runs"]')
    await page.click('[data-testid="settings-toggle"]')
    await page.locator('[data-testid="training-settings"][data-loaded="true"]').waitFor()
    await page.check('[data-testid="ts-auto-promote"]')
    await fillSettings(page, fields({ ...TINY, steps1: 2, steps2: 2, evalRounds: 1 }))
    await page.locator('[data-testid="ts-saved"]').waitFor()
    await page.click('[data-testid="retrain-button"]')
    await phase(page, 'start')
    await page.click('[data-testid="retrain-start"]')
    // With no active model, any tested model is no worse: main promotes it without asking.
    await phase(page, 'promoted')
    await page.locator('[data-testid="retrain-auto-promoted"]', { hasText: 'first model' }).waitFor()
    const status = await retrainStatus(page)
    expect(status.activeModel).not.toBeNull()
    expect(status.pending).toBeNull()
    await page.locator('[data-testid="toast"]', { hasText: `Run #${status.activeModel!.runId} was promoted automatically` }).waitFor()
    await page.locator(`[data-testid="retrain-button"][data-active-model="${status.activeModel!.id}"]`).waitFor()
    expect(problems).toEqual([])
  })
})
