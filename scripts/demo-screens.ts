/**
 * `npm run demo:screens`: trains a model on the full demo workspace with the
 * app's default training settings, through the same services the app uses
 * (the dev:web server with its real ML processes), promotes it, runs the
 * review inference on the frames pre-annotation left out, checks against
 * ground-truth.json that the model finds the demo's folds and edge cracks,
 * and retakes the README's review and editor screenshots from it in Chromium.
 *
 * It takes the default training time (20 minutes) plus evaluation and
 * inference of 1440x2560 frames, about 45 minutes on two busy cores, so it
 * is not part of `npm test`. It fails, and writes no screenshot, when the
 * model misses too much (a screenshot of a flat heatmap documents nothing),
 * or when the model was not trained with the default settings and the
 * screenshots would go to docs/screens.
 *
 *   npm run demo:screens [-- --workspace DIR] [--reuse] [--screens DIR] [--min-hit-rate 0.5] [--min-precision 0.2]
 *
 * --workspace  where the demo workspace goes (default .tmp/demo-model, written afresh)
 * --reuse      keep what the workspace already has: resume its run, reuse its promoted model
 * --screens    where the PNGs go (default docs/screens)
 * --min-hit-rate, --min-precision  what counts as finding a class's defects on held-out frames (see verdict)
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import sharp from 'sharp'
import { buildApi, type StudioApi } from '../src/shared/contract/api'
import type { Channel } from '../src/shared/contract/channels'
import type { RunDetail, RunSummary } from '../src/shared/contract'
import { decodeWire, encodeWire } from '../src/shared/contract/wire'
import { CPU_PRESET, DEFAULT_TRAIN } from '../src/shared/arcd/config'
import type { EvalReport } from '../src/shared/arcd/metrics'
import { rasterizePolygon } from '../src/shared/geometry/raster'
import type { Page } from 'playwright-core'
import { launchChromium, ROOT, startStudio, writeDemo, type Studio } from '../e2e/support/studio'

interface Options {
  workspace: string
  fresh: boolean
  screens: string
  minHitRate: number
  minPrecision: number
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const workspace = value('workspace')
  const share = (name: string, fallback: number): number => {
    const v = Number(value(name) ?? fallback)
    if (!(v >= 0 && v <= 1)) throw new Error(`--${name} takes a share from 0 to 1`)
    return v
  }
  const reuse = argv.includes('--reuse')
  // Only the default folder is ours to wipe; a folder the user names is never deleted.
  if (workspace && !reuse && existsSync(workspace)) throw new Error(`${workspace} exists: pass --reuse to continue with it, or name a new folder`)
  return {
    workspace: resolve(workspace ?? join(ROOT, '.tmp', 'demo-model')),
    fresh: !reuse,
    screens: resolve(value('screens') ?? join(ROOT, 'docs', 'screens')),
    minHitRate: share('min-hit-rate', 0.5),
    minPrecision: share('min-precision', 0.2)
  }
}

const log = (line: string): void => void process.stdout.write(`[demo:screens ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** The contract's api over the loopback transport, from Node, as the browser client calls it. */
function nodeApi(url: string): StudioApi {
  // The page's address (/<token>/) is the base: calls under it carry the token.
  const base = url.endsWith('/') ? url : `${url}/`
  const invoke = async (channel: Channel, args: unknown): Promise<unknown> => {
    const res = await fetch(`${base}__studio/rpc/${channel}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: encodeWire(args)
    })
    const envelope = decodeWire(await res.text()) as { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.code}: ${envelope.error.message}`)
    return envelope.value
  }
  // Polling is enough here; events are the UI's business.
  return buildApi(invoke, () => () => undefined)
}

/** Waits for a run to end, printing its progress now and then; training takes tens of minutes. */
async function waitForRun(api: StudioApi, runId: number, what: string): Promise<RunSummary> {
  let lastLine = ''
  let lastAt = 0
  for (;;) {
    const run = (await api.runs.list({})).find((r) => r.id === runId)
    if (!run) throw new Error(`run ${runId} vanished`)
    if (['done', 'failed', 'cancelled'].includes(run.state)) return run
    const p = run.progress
    const line = p ? `${what} #${runId}: ${p.stage} ${p.step}/${p.steps}${p.etaSec !== null ? `, about ${Math.ceil(p.etaSec / 60)} min left in this stage` : ''}` : `${what} #${runId}: ${run.state}`
    if (line !== lastLine && Date.now() - lastAt > 60_000) {
      log(line)
      lastLine = line
      lastAt = Date.now()
    }
    await sleep(5_000)
  }
}

async function waitForInference(api: StudioApi, modelId: number): Promise<void> {
  for (;;) {
    const busy = (await api.runs.list({})).filter((r) => r.kind === 'infer' && ['queued', 'running', 'cancelling'].includes(r.state))
    if (busy.length === 0) return
    await waitForRun(api, busy[0]!.id, `inference of model ${modelId}`)
  }
}

/**
 * The first model of the workspace, trained with the settings as they are
 * (the defaults, in a fresh demo workspace), and promoted. A run left by an
 * earlier, interrupted call resumes from its checkpoint.
 */
async function trainedModel(api: StudioApi): Promise<{ run: RunDetail; modelId: number }> {
  const trains = (await api.runs.list({})).filter((r) => r.kind === 'train')
  let run = trains.find((r) => r.active) ?? trains.find((r) => r.state === 'done') ?? trains.find((r) => ['queued', 'running'].includes(r.state))
  if (!run) {
    const resumable = trains.find((r) => r.resumable)
    const runId = resumable ? (await api.runs.resume({ runId: resumable.id })).runId : (await api.retrain.start({})).runId
    log(resumable ? `resuming training run #${runId}` : `training run #${runId} started (the Retrain button's first model)`)
    run = (await api.runs.list({})).find((r) => r.id === runId)!
  }
  if (run.state !== 'done') run = await waitForRun(api, run.id, 'training')
  if (run.state !== 'done' || run.modelId === null) throw new Error(`training run #${run.id} ended ${run.state}: ${run.error ?? 'no model'}`)
  if (!run.active) {
    await api.runs.promote({ runId: run.id })
    log(`model ${run.modelId} of run #${run.id} promoted; it pre-annotates the unlabelled frames`)
  }
  return { run: await api.runs.get({ runId: run.id }), modelId: run.modelId }
}

/** Where the run's setup differs from the app's defaults (the CPU preset and DEFAULT_TRAIN), e.g. a reused workspace trained from the CLI. */
function nonDefault(run: RunDetail): string[] {
  const s = run.setup
  if (!s) return ['the run recorded no setup']
  const want: Record<string, unknown> = {
    preset: 'cpu',
    input: CPU_PRESET.input,
    size: CPU_PRESET.size,
    maxShortSide: CPU_PRESET.maxShortSide,
    reconBase: CPU_PRESET.reconBase,
    discBase: CPU_PRESET.discBase,
    reconDepth: CPU_PRESET.reconDepth,
    discDepth: CPU_PRESET.discDepth,
    budgetMinutes: DEFAULT_TRAIN.budgetMinutes,
    batchSize: DEFAULT_TRAIN.batchSize,
    lr: DEFAULT_TRAIN.lr,
    loss: DEFAULT_TRAIN.loss,
    ssimWeight: DEFAULT_TRAIN.ssimWeight,
    rotate90: DEFAULT_TRAIN.rotate90,
    seed: DEFAULT_TRAIN.seed
  }
  const got = s as unknown as Record<string, unknown>
  return Object.entries(want)
    .filter(([k, v]) => got[k] !== v)
    .map(([k, v]) => `${k} ${JSON.stringify(got[k])} (default ${JSON.stringify(v)})`)
}

interface GtShape {
  className: string
  points: number[]
}

interface Hit {
  imageId: number
  relPath: string
  split: string
  status: string
  className: string
  /** Pixels of the defect (rasterised at the mask's size) and how many the model's mask of its class covers. */
  pixels: number
  covered: number
  /** Bounding box in frame pixels, to frame a screenshot on it. */
  bbox: [number, number, number, number]
}

/** Per frame and defect class: what the model predicted, and how much of it lies on the truth. */
interface FrameClass {
  imageId: number
  split: string
  status: string
  className: string
  /** Defects of the class in ground-truth.json. */
  defects: number
  /** Pixels of the mask (the frame's size). */
  pixels: number
  predicted: number
  predictedOnTruth: number
}

interface Scores {
  hits: Hit[]
  frames: FrameClass[]
}

/**
 * For each ground-truth defect: does the predicted mask of its class (the
 * editor's masks: the one post-processor at the model's current thresholds)
 * cover any of it? And per frame, how much of the mask lies on the truth,
 * since a mask over the whole frame would "hit" every defect.
 */
async function score(api: StudioApi, wsDir: string): Promise<Scores> {
  const truth = JSON.parse(readFileSync(join(wsDir, 'ground-truth.json'), 'utf8')) as Record<string, GtShape[]>
  const defectClasses = (await api.classes.list({})).filter((c) => c.kind === 'defect')
  const page = await api.images.query({ filter: {}, offset: 0, limit: 1000 })
  const out: Scores = { hits: [], frames: [] }
  for (const img of page.items) {
    const pred = await api.predictions.get({ imageId: img.id })
    if (!pred) throw new Error(`frame ${img.relPath} has no prediction of the active model`)
    for (const cls of defectClasses) {
      const shapes = (truth[img.relPath] ?? []).filter((s) => s.className === cls.name)
      const mask = pred.masks.find((m) => m.classId === cls.id)
      const w = mask?.width ?? img.width
      const h = mask?.height ?? img.height
      const toMask = (points: number[]): number[] => points.map((v, i) => (i % 2 === 0 ? (v * w) / img.width : (v * h) / img.height))
      const onTruth = new Uint8Array(w * h)
      for (const s of shapes) {
        const truthMask = rasterizePolygon(toMask(s.points), w, h)
        let pixels = 0
        let covered = 0
        for (let i = 0; i < truthMask.length; i++) {
          if (!truthMask[i]) continue
          onTruth[i] = 1
          pixels++
          if (mask?.data[i]) covered++
        }
        const xs = s.points.filter((_, i) => i % 2 === 0)
        const ys = s.points.filter((_, i) => i % 2 === 1)
        out.hits.push({
          imageId: img.id,
          relPath: img.relPath,
          split: img.split,
          status: img.status,
          className: cls.name,
          pixels,
          covered,
          bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]
        })
      }
      let predicted = 0
      let predictedOnTruth = 0
      if (mask) {
        for (let i = 0; i < mask.data.length; i++) {
          if (!mask.data[i]) continue
          predicted++
          if (onTruth[i]) predictedOnTruth++
        }
      }
      out.frames.push({ imageId: img.id, split: img.split, status: img.status, className: cls.name, defects: shapes.length, pixels: w * h, predicted, predictedOnTruth })
    }
  }
  return out
}

interface ClassFigures {
  className: string
  defects: number
  hit: number
  /** Share of the labelled pixels the masks cover. */
  recall: number | null
  /** Share of the predicted pixels that lie on a defect of the class. */
  precision: number | null
  /** Mean share of a frame the masks cover. */
  frameShare: number | null
  cleanFrames: number
  /** Frames without a defect of the class where the mask of the class has any pixel. */
  cleanFramesFiring: number
}

function figures(scores: Scores, className: string, keep: (imageId: number) => boolean): ClassFigures {
  const hits = scores.hits.filter((h) => h.className === className && keep(h.imageId))
  const frames = scores.frames.filter((f) => f.className === className && keep(f.imageId))
  const pixels = hits.reduce((n, h) => n + h.pixels, 0)
  const predicted = frames.reduce((n, f) => n + f.predicted, 0)
  const clean = frames.filter((f) => f.defects === 0)
  return {
    className,
    defects: hits.length,
    hit: hits.filter((h) => h.covered > 0).length,
    recall: pixels ? hits.reduce((n, h) => n + h.covered, 0) / pixels : null,
    precision: predicted ? frames.reduce((n, f) => n + f.predictedOnTruth, 0) / predicted : null,
    frameShare: frames.length ? frames.reduce((n, f) => n + f.predicted / f.pixels, 0) / frames.length : null,
    cleanFrames: clean.length,
    cleanFramesFiring: clean.filter((f) => f.predicted > 0).length
  }
}

const f3 = (v: number | null | undefined): string => (v === null || v === undefined ? 'n/a' : v.toFixed(3))

function reportText(run: RunDetail, scores: Scores, isHeldOut: (id: number) => boolean): string {
  const lines: string[] = []
  const test = run.testMetrics as EvalReport | null
  const snap = run.snapshot
  lines.push(`Run #${run.id} (model ${run.modelId}), backend ${run.backend ?? '?'}, trained ${run.startedAt} to ${run.finishedAt}`)
  lines.push(`Trained with: ${JSON.stringify(run.setup)}`)
  if (snap) lines.push(`Data: ${JSON.stringify(snap.counts)}; test frames ${snap.testImageIds.join(', ')}`)
  if (run.outcome?.plan) lines.push(`Plan: ${JSON.stringify(run.outcome.plan)}`)
  if (run.outcome?.reconQuality) lines.push(`Stage 1 on validation: ${JSON.stringify(run.outcome.reconQuality)}`)
  if (run.outcome?.warnings.length) lines.push(`Warnings: ${run.outcome.warnings.join('; ')}`)
  lines.push(`Thresholds: ${JSON.stringify(run.thresholds)}`)
  if (test) {
    lines.push(`Test split (${test.overall.images} frames, ${test.overall.anomalousImages} with defects): MIoU ${f3(test.overall.miou)}, MPA ${f3(test.overall.mpa)}, image AUROC ${f3(test.overall.imageAuroc)}`)
    for (const c of test.overall.classes) {
      lines.push(`  ${c.name} (${c.kind}): pixel AP ${f3(c.pixelAp)}, IoU ${f3(c.iou)}, pixel AUROC ${f3(c.pixelAuroc)}, threshold ${f3(c.threshold)}, labelled pixels ${c.positives}`)
    }
  } else lines.push('No test report.')
  lines.push('Against ground-truth.json, with the masks at the model thresholds (hit: the mask of the class covers any pixel of the defect):')
  const groups: [string, (id: number) => boolean][] = [
    ['held out (test split and unlabelled frames)', isHeldOut],
    ['all frames', () => true]
  ]
  for (const [name, keep] of groups) {
    for (const cls of [...new Set(scores.frames.map((f) => f.className))]) {
      const g = figures(scores, cls, keep)
      lines.push(
        `  ${name}, ${cls}: ${g.hit}/${g.defects} defects hit, ${g.recall === null ? 'n/a' : (100 * g.recall).toFixed(1)}% of their pixels covered, ` +
          `${g.precision === null ? 'no pixel predicted' : `${(100 * g.precision).toFixed(2)}% of the predicted pixels on a defect`}, ` +
          `masks cover ${g.frameShare === null ? 'n/a' : (100 * g.frameShare).toFixed(1)}% of a frame on average, ` +
          `fires on ${g.cleanFramesFiring}/${g.cleanFrames} frames without one`
      )
    }
  }
  lines.push('Each ground-truth defect (frame, split, status, class, pixels covered/total):')
  for (const h of scores.hits) lines.push(`  ${h.relPath} ${h.split} ${h.status} ${h.className} ${h.covered}/${h.pixels}`)
  return lines.join('\n')
}

/** Frames the run neither trained nor validated on: its test split, and frames nobody labelled. */
function heldOut(run: RunDetail): (imageId: number) => boolean {
  const trained = new Set(run.snapshot?.imageIds ?? [])
  const tested = new Set(run.snapshot?.testImageIds ?? [])
  return (id) => tested.has(id) || !trained.has(id)
}

/**
 * What a screenshot needs to show a model that finds defects, per defect
 * class: most defects hit, and masks that mostly lie on them rather than
 * everywhere. Held-out frames decide; a class with no held-out defect (the
 * demo has ten defective frames, most of them labelled) is judged on all
 * frames, and the report says so.
 */
function verdict(scores: Scores, isHeldOut: (id: number) => boolean, opts: Options): { problems: string[]; notes: string[] } {
  const problems: string[] = scores.hits.length === 0 ? ['no ground-truth defect matched a frame of the workspace'] : []
  const notes: string[] = []
  for (const cls of [...new Set(scores.frames.map((f) => f.className))]) {
    let g = figures(scores, cls, isHeldOut)
    let where = 'held-out'
    if (g.defects === 0) {
      g = figures(scores, cls, () => true)
      where = 'all'
      notes.push(`${cls}: no held-out defect, judged on all frames (the model trained on most of them)`)
    }
    if (g.defects === 0) problems.push(`${cls}: no defect in ground-truth.json`)
    else if (g.hit / g.defects < opts.minHitRate) problems.push(`${cls}: ${g.hit}/${g.defects} ${where} defects hit, below ${opts.minHitRate}`)
    if (g.precision !== null && g.precision < opts.minPrecision) {
      problems.push(`${cls}: ${(100 * g.precision).toFixed(2)}% of the predicted pixels on ${where} frames lie on a defect, below ${100 * opts.minPrecision}%`)
    }
  }
  return { problems, notes }
}

const coverage = (h: Hit): number => (h.pixels ? h.covered / h.pixels : 0)

/** The best-covered defect among the candidates, preferring the given class. */
function pick(hits: Hit[], accept: (h: Hit) => boolean, preferClass?: string): Hit | undefined {
  const found = hits.filter((h) => h.covered > 0 && accept(h))
  const preferred = preferClass ? found.filter((h) => h.className === preferClass) : []
  return (preferred.length ? preferred : found).sort((a, b) => coverage(b) - coverage(a) || b.pixels - a.pixels)[0]
}

/** README screenshots stay small (as e2e/training.spec.ts keeps them). */
const MAX_SCREEN_BYTES = 150_000

async function shot(page: Page, file: string): Promise<void> {
  const { data, info } = await sharp(await page.screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  // A palette keeps the dark UI sharp at a fraction of the size. Steel texture
  // zoomed in is noise a palette cannot shrink, and sharp's colour count does
  // not change that here: coarser levels (steps of 4 or 8 of 255, invisible
  // in the UI) do.
  for (const step of [1, 4, 8]) {
    const levels = Buffer.from(data)
    if (step > 1) for (let i = 0; i < levels.length; i++) levels[i] = Math.min(255, Math.round(levels[i]! / step) * step)
    await sharp(levels, { raw: { width: info.width, height: info.height, channels: 3 } })
      .png({ palette: true, compressionLevel: 9, effort: 10 })
      .toFile(file)
    const bytes = statSync(file).size
    if (bytes <= MAX_SCREEN_BYTES) {
      log(`wrote ${file} (${bytes} bytes${step > 1 ? `, levels in steps of ${step}` : ''})`)
      return
    }
  }
  throw new Error(`${file} stays over ${MAX_SCREEN_BYTES} bytes`)
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs
  let last = await read()
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
    await sleep(200)
    last = await read()
  }
  return last
}

interface PageWindow {
  __reviewTest?: { snapshot(): unknown }
  __editorTest?: { snapshot(): unknown; imageToClient(x: number, y: number): [number, number] }
}

/** The scale at which the defect's box fills about half of a view of this size: big enough to see a 5 px crack, never past 2:1. */
function targetScale(h: Hit, viewW: number, viewH: number): number {
  const [x0, y0, x1, y1] = h.bbox
  return Math.min(2, (viewW * 0.5) / Math.max(1, x1 - x0), (viewH * 0.5) / Math.max(1, y1 - y0))
}

const centre = (h: Hit): [number, number] => [(h.bbox[0] + h.bbox[2]) / 2, (h.bbox[1] + h.bbox[3]) / 2]

/** Zoom factor per 100 px of wheel in both the editor and the review (viewport.ts: 1.2). */
const WHEEL_STEP = 1.2

async function reviewShot(page: Page, h: Hit, classId: number, file: string): Promise<void> {
  type Snap = { shownId: number | null; drawnId: number | null; loading: boolean; pending: number | null; order: number[] }
  const snap = (): Promise<Snap> => page.evaluate(() => (window as unknown as PageWindow).__reviewTest!.snapshot()) as Promise<Snap>
  await page.click('[data-testid="nav-review"]')
  await page.locator('[data-testid="review"][data-model-id]:not([data-model-id=""])').waitFor()
  await until('the review queue to be counted', snap, (s) => s.pending === 0 && s.order.includes(h.imageId))
  await page.click(`[data-testid="review-item"][data-image-id="${h.imageId}"]`)
  await until('the frame to draw', snap, (s) => s.shownId === h.imageId && s.drawnId === h.imageId && !s.loading)
  await page.selectOption('[data-testid="review-focus"]', String(classId))
  const heat = page.locator('[data-pane="heat"]')
  const view = async (): Promise<{ scale: number; x: number; y: number; box: { x: number; y: number; width: number; height: number } }> => {
    const [scale, x, y] = await heat.evaluate((c) => [c.dataset.scale, c.dataset.x, c.dataset.y].map(Number))
    return { scale: scale!, x: x!, y: y!, box: (await heat.boundingBox())! }
  }
  const at = (v: Awaited<ReturnType<typeof view>>): [number, number] => {
    const [cx, cy] = centre(h)
    return [v.box.x + v.x + cx * v.scale, v.box.y + v.y + cy * v.scale]
  }
  let v = await view()
  const steps = Math.max(0, Math.floor(Math.log(targetScale(h, v.box.width, v.box.height) / v.scale) / Math.log(WHEEL_STEP)))
  await page.mouse.move(...at(v))
  await page.mouse.wheel(0, -100 * steps)
  const before = v.scale
  v = await until('the panes to zoom', view, (w) => steps === 0 || w.scale > before)
  // Drag the defect to the middle of the panes: every pane follows.
  const [fx, fy] = at(v)
  await page.mouse.move(fx, fy)
  await page.mouse.down()
  await page.mouse.move(v.box.x + v.box.width / 2, v.box.y + v.box.height / 2, { steps: 6 })
  await page.mouse.up()
  await until('the frame to draw', snap, (s) => s.drawnId === h.imageId && !s.loading)
  await sleep(500)
  await shot(page, file)
}

async function editorShot(page: Page, h: Hit, classId: number, file: string): Promise<void> {
  const stem = h.relPath.split('/').pop()!.replace(/\.[^.]+$/, '')
  await page.click('[data-testid="nav-frames"]')
  await page.fill('[data-testid="filter-search"]', stem)
  const cell = page.locator(`[data-testid="grid-cell"][data-image-id="${h.imageId}"]`)
  await cell.waitFor()
  await cell.click()
  await page.keyboard.press('Enter')
  await page.locator(`[data-testid="editor"][data-shown-id="${h.imageId}"][data-loading="false"]`).waitFor()
  await page.locator('[data-testid="prediction-panel"]').waitFor()
  // The defect's own class: the lathe region's heatmap would cover half the frame.
  await page.selectOption('[data-testid="prediction-panel"] select', String(classId))
  type EditorSnap = { view: { scale: number; x: number; y: number } }
  const snap = (): Promise<EditorSnap> => page.evaluate(() => (window as unknown as PageWindow).__editorTest!.snapshot()) as Promise<EditorSnap>
  const toClient = (x: number, y: number): Promise<[number, number]> =>
    page.evaluate(([a, b]) => (window as unknown as PageWindow).__editorTest!.imageToClient(a!, b!), [x, y] as const)
  const box = (await page.locator('[data-testid="editor-canvas"]').boundingBox())!
  const scale0 = (await snap()).view.scale
  const steps = Math.max(0, Math.floor(Math.log(targetScale(h, box.width, box.height) / scale0) / Math.log(WHEEL_STEP)))
  await page.mouse.move(...(await toClient(...centre(h))))
  await page.mouse.wheel(0, -100 * steps)
  await until('the editor to zoom', snap, (s) => steps === 0 || s.view.scale > scale0)
  // The middle button pans without touching the polygons.
  await page.mouse.move(...(await toClient(...centre(h))))
  await page.mouse.down({ button: 'middle' })
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 6 })
  await page.mouse.up({ button: 'middle' })
  await sleep(800)
  await shot(page, file)
  await page.click('[data-testid="editor-close"]')
  await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
}

async function screenshots(studio: Studio, api: StudioApi, run: RunDetail, hits: Hit[], dir: string): Promise<void> {
  const isHeldOut = heldOut(run)
  const classes = await api.classes.list({})
  const classId = (name: string): number => classes.find((c) => c.name === name)!.id
  // The editor shows pre-annotation: a frame nobody labelled. The review shows a labelled test frame, so TP, FP and FN all mean something.
  const editorHit = pick(hits, (h) => h.status === 'unlabeled') ?? pick(hits, (h) => isHeldOut(h.imageId))
  const other = editorHit?.className === 'fold' ? 'edge_crack' : 'fold'
  // Labelled defect frames of the demo are few and mostly in the training split: fall back from test to val to train.
  const reviewHit =
    pick(hits, (h) => h.status === 'labeled' && h.split === 'test', other) ??
    pick(hits, (h) => h.status === 'labeled' && h.split === 'val', other) ??
    pick(hits, (h) => h.status === 'labeled', other)
  if (!editorHit || !reviewHit) throw new Error('no frame where the model covers a defect: no screenshots')
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems: string[] = []
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
    mkdirSync(dir, { recursive: true })
    log(`editor: ${editorHit.relPath} (${editorHit.status}, ${editorHit.split}), ${editorHit.className} ${(100 * coverage(editorHit)).toFixed(0)}% covered`)
    await editorShot(page, editorHit, classId(editorHit.className), join(dir, 'demo-editor-predictions.png'))
    log(`review: ${reviewHit.relPath} (${reviewHit.status}, ${reviewHit.split}), ${reviewHit.className} ${(100 * coverage(reviewHit)).toFixed(0)}% covered`)
    await reviewShot(page, reviewHit, classId(reviewHit.className), join(dir, 'demo-review.png'))
    if (problems.length) throw new Error(`the page reported errors:\n${problems.join('\n')}`)
  } finally {
    await browser.close()
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2))
  if (opts.fresh && existsSync(opts.workspace)) rmSync(opts.workspace, { recursive: true, force: true })
  if (!existsSync(opts.workspace)) {
    log(`writing the demo workspace (48 frames of 1440x2560) to ${opts.workspace}`)
    mkdirSync(resolve(opts.workspace, '..'), { recursive: true })
    await writeDemo(opts.workspace, 12, '1440x2560')
  }
  let studio: Studio | undefined
  // Ctrl+C must not leave the server and its ML processes running; an interrupted training resumes with --reuse.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the server`)
      void (studio?.close() ?? Promise.resolve()).finally(() => process.exit(130))
    })
  }
  try {
    studio = await startStudio({ workspace: opts.workspace })
    const api = nodeApi(studio.url)
    const settings = await api.settings.getTraining({})
    log(`training settings: ${JSON.stringify(settings)}`)
    const backend = await api.ml.backend({})
    log(`ML backend: ${backend.name}${backend.skipped.length ? ` (skipped: ${backend.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}`)
    const { run, modelId } = await trainedModel(api)
    await waitForInference(api, modelId)
    // As the Review page's button: the frames pre-annotation left out.
    const review = await api.review.infer({ modelId })
    if (review.runId !== null) {
      log(`review inference #${review.runId} on ${review.frames} frames`)
      const end = await waitForRun(api, review.runId, 'review inference')
      if (end.state !== 'done') throw new Error(`review inference #${review.runId} ended ${end.state}: ${end.error ?? ''}`)
    }
    const scores = await score(api, opts.workspace)
    const text = reportText(run, scores, heldOut(run))
    writeFileSync(join(opts.workspace, 'demo-model-report.txt'), text + '\n')
    process.stdout.write(text + '\n')
    const { problems, notes } = verdict(scores, heldOut(run), opts)
    const differs = nonDefault(run)
    if (differs.length) {
      log(`not the default training settings: ${differs.join(', ')}`)
      if (opts.screens === resolve(ROOT, 'docs', 'screens')) problems.push('the README shows a model trained with the default settings: pass --screens <dir> for this one')
    }
    for (const n of notes) log(n)
    if (problems.length) throw new Error(`the model does not find the demo's defects well enough for the README:\n  ${problems.join('\n  ')}`)
    await screenshots(studio, api, run, scores.hits, opts.screens)
  } finally {
    await studio?.close()
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo:screens: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
  process.exit(1)
})
