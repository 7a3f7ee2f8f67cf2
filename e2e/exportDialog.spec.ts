/**
 * Dataset export from the app, in Debian's Chromium against the real
 * services: COCO and class masks of the demo workspace through the Export
 * dialog, read back and checked against the API's own counts and labels;
 * the split option against images.stats; an export cancelled midway that
 * leaves nothing behind; "Open folder" in the browser, which offers the path.
 * Set E2E_SCREENS_DIR=docs/screens to refresh the README's screenshot.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClassDef, ImageStats, ImageSummary, Label, StudioApi } from '../src/shared/contract'
import { launchChromium, startStudio, type Studio } from './support/studio'

const keepScreens = process.env.E2E_SCREENS_DIR ? resolve(process.env.E2E_SCREENS_DIR) : undefined
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-export-screens-'))
const MAX_SCREEN_BYTES = 150_000
/** Each file of an export waits this long, so an export of the demo lasts seconds and can be cancelled midway. */
const WRITE_DELAY_MS = 60

type WithApi = { api: StudioApi }

async function shot(page: Page, name: string): Promise<void> {
  const file = join(screens, name)
  await sharp(await page.screenshot()).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toFile(file)
  expect(statSync(file).size).toBeLessThan(MAX_SCREEN_BYTES)
}

interface Coco {
  images: { id: number; file_name: string }[]
  annotations: { id: number; image_id: number; category_id: number }[]
  categories: { id: number; name: string }[]
}

/** Every file below a folder, relative. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort()
}

describe('export dialog', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  let outRoot: string
  const problems: string[] = []
  // What the API says, read once: every frame, its labels, the classes and the counts.
  let frames: ImageSummary[]
  let labels: Map<number, Label[]>
  let classes: ClassDef[]
  let stats: ImageStats

  // page.evaluate runs in the page: each call names window.api itself (a function's source can't be eval'd under the CSP).
  const api = (page: Page) => ({
    frames: () => page.evaluate(() => (window as unknown as WithApi).api.images.query({ filter: {}, offset: 0, limit: 1000 })),
    classes: () => page.evaluate(() => (window as unknown as WithApi).api.classes.list({})),
    stats: (split?: 'train' | 'val' | 'test') =>
      page.evaluate((s) => (window as unknown as WithApi).api.images.stats(s ? { filter: { splits: [s] } } : {}), split),
    labels: (imageId: number) => page.evaluate((id) => (window as unknown as WithApi).api.labels.list({ imageId: id }), imageId)
  })

  beforeAll(async () => {
    outRoot = mkdtempSync(join(tmpdir(), 'ds-export-e2e-'))
    studio = await startStudio({ framesPerView: 6, env: { DEFECT_STUDIO_EXPORT_TEST_DELAY_MS: String(WRITE_DELAY_MS) } })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"]').waitFor()
    frames = (await api(page).frames()).items
    classes = await api(page).classes()
    stats = await api(page).stats()
    labels = new Map()
    for (const f of frames) labels.set(f.id, await api(page).labels(f.id))
    mkdirSync(screens, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
    rmSync(outRoot, { recursive: true, force: true })
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  async function openDialog(): Promise<void> {
    await page.click('[data-testid="open-export"]')
    await page.locator('[data-testid="export-dialog"][data-phase="options"]').waitFor()
  }

  /** Fills the folder, waits for the preview of it, and returns its frame count. */
  async function choose(format: string, out: string): Promise<number> {
    await page.check(`[data-testid="export-format-${format}"]`)
    await page.fill('[data-testid="export-out"]', out)
    const ready = page.locator('[data-testid="export-preview"][data-state="ready"]')
    await ready.waitFor()
    return Number(await ready.getAttribute('data-frames'))
  }

  async function runToEnd(): Promise<string> {
    await page.click('[data-testid="export-start"]')
    const summary = page.locator('[data-testid="export-summary"]')
    await summary.waitFor({ timeout: 60_000 })
    return (await summary.getAttribute('data-state')) ?? ''
  }

  /** Frames every format writes: all but those unlabelled and without labels. */
  const exported = (): ImageSummary[] => frames.filter((f) => !(f.status === 'unlabeled' && f.labelCount === 0))

  it('exports COCO through the dialog, and the file holds the API\'s classes, frames and labels', async () => {
    expect(frames.length).toBe(24)
    await openDialog()
    const out = join(outRoot, 'coco')
    const previewFrames = await choose('coco', out)
    expect(previewFrames).toBe(exported().length)
    // The preview names what it leaves out: here the unlabelled frames, as one group.
    const unlabelled = frames.length - exported().length
    expect(unlabelled).toBeGreaterThan(0)
    expect(Number(await page.getAttribute('[data-testid="export-preview"]', 'data-skipped'))).toBe(unlabelled)
    expect(await page.locator('[data-testid="export-preview-skipped-group"]').count()).toBe(1)
    await shot(page, 'export-dialog.png')

    expect(await runToEnd()).toBe('done')
    const result = page.locator('[data-testid="export-result"]')
    expect(Number(await result.getAttribute('data-frames'))).toBe(exported().length)
    expect(Number(await page.getAttribute('[data-testid="export-skipped"]', 'data-count'))).toBe(unlabelled)

    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as Coco
    expect(coco.categories.map((c) => ({ id: c.id, name: c.name }))).toEqual(classes.map((c) => ({ id: c.position, name: c.name })))
    expect(coco.images.map((i) => i.id).sort((a, b) => a - b)).toEqual(exported().map((f) => f.id).sort((a, b) => a - b))
    const byId = new Map(frames.map((f) => [f.id, f]))
    for (const img of coco.images) expect(img.file_name).toBe(byId.get(img.id)!.relPath)
    const allLabels = exported().flatMap((f) => labels.get(f.id)!)
    expect(coco.annotations.map((a) => a.id).sort((a, b) => a - b)).toEqual(allLabels.map((l) => l.id).sort((a, b) => a - b))
    for (const c of classes) {
      const anns = coco.annotations.filter((a) => a.category_id === c.position)
      expect(anns.length, c.name).toBe(allLabels.filter((l) => l.classId === c.id).length)
      // images.stats counts the frames carrying each class.
      expect(new Set(anns.map((a) => a.image_id)).size, c.name).toBe(stats.byClass[String(c.id)] ?? 0)
    }
    expect(coco.annotations.length).toBeGreaterThan(0)
    await page.click('[data-testid="export-done"]')
    await page.locator('[data-testid="export-dialog"]').waitFor({ state: 'detached' })
  })

  it('exports class masks: classes.txt in class order and one mask per frame holding its labels\' classes', async () => {
    await openDialog()
    const out = join(outRoot, 'masks')
    expect(await choose('masks', out)).toBe(exported().length)
    expect(await runToEnd()).toBe('done')
    const byPosition = [...classes].sort((a, b) => a.position - b.position)
    for (const [kind, folder] of [
      ['defect', 'defects'],
      ['region', 'regions']
    ] as const) {
      const lines = readFileSync(join(out, folder, 'classes.txt'), 'utf8').split('\n')
      // Line k names mask value k; line 0 is the background.
      expect(lines[0]).toBe('background')
      for (const c of byPosition) expect(lines[c.position]).toBe(c.name)
      const masks = tree(join(out, folder)).filter((f) => f.endsWith('.png'))
      expect(masks.sort()).toEqual(exported().map((f) => f.relPath.replace(/\.[^.]+$/, '.png')).sort())
      for (const f of exported().slice(0, 6)) {
        // A palette PNG: sharp hands back each pixel's palette colour, which is its class's colour.
        const { data } = await sharp(join(out, folder, f.relPath.replace(/\.[^.]+$/, '.png'))).removeAlpha().raw().toBuffer({ resolveWithObject: true })
        const values = new Set<string>()
        for (let i = 0; i < data.length; i += 3) values.add(`#${[data[i]!, data[i + 1]!, data[i + 2]!].map((v) => v.toString(16).padStart(2, '0')).join('')}`)
        values.delete('#000000')
        const expected = new Set(labels.get(f.id)!.map((l) => classes.find((c) => c.id === l.classId)!).filter((c) => c.kind === kind).map((c) => c.color.toLowerCase()))
        // Overlaps may hide a label under a smaller one: every colour is the class of one of the frame's labels.
        for (const v of values) expect(expected.has(v), `${folder}/${f.relPath}: colour ${v}`).toBe(true)
        expect(values.size > 0).toBe(expected.size > 0)
      }
    }
    await page.click('[data-testid="export-done"]')
  })

  it('narrows by split, as images.stats counts it', async () => {
    await openDialog()
    await choose('coco', join(outRoot, 'split'))
    for (const split of ['train', 'val', 'test'] as const) {
      await page.selectOption('[data-testid="export-split"]', split)
      const expected = await api(page).stats(split)
      await page.waitForFunction(
        (n) => {
          const el = document.querySelector('[data-testid="export-preview"][data-state="ready"]')
          return el?.getAttribute('data-selected') === String(n)
        },
        expected.total
      )
    }
    await page.click('[data-testid="export-close"]')
    expect(existsSync(join(outRoot, 'split'))).toBe(false)
  })

  it('cancels an export midway and leaves nothing that looks like an export', async () => {
    const before = readdirSync(outRoot).sort()
    await openDialog()
    const out = join(outRoot, 'cancelled')
    // labelme copies every image beside its JSON: two files a frame, each delayed.
    await choose('labelme', out)
    await page.click('[data-testid="export-start"]')
    const progress = page.locator('[data-testid="export-progress"]')
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="export-progress"]')?.getAttribute('data-done') ?? 0) >= 2)
    const total = Number(await progress.getAttribute('data-total'))
    await page.click('[data-testid="export-cancel"]')
    await page.locator('[data-testid="export-summary"]').waitFor({ timeout: 60_000 })
    await page.locator('[data-testid="export-cancelled"]').waitFor()
    expect(total).toBe(exported().length)
    // Neither the folder nor a staging folder beside it: the parent holds what it held before.
    expect(existsSync(out)).toBe(false)
    expect(readdirSync(outRoot).sort()).toEqual(before)
    // Back to the options; the same folder then exports completely.
    await page.click('[data-testid="export-again"]')
    await page.locator('[data-testid="export-preview"][data-state="ready"]').waitFor()
    expect(await runToEnd()).toBe('done')
    expect(tree(out).filter((f) => f.endsWith('.json') && f !== 'manifest.json').length).toBe(exported().length)
    expect(existsSync(join(out, 'manifest.json'))).toBe(true)
  })

  it('offers the path to copy where the folder cannot be opened (the browser)', async () => {
    await page.click('[data-testid="export-open-folder"]')
    await page.locator('[data-testid="export-path"]').waitFor()
    expect(await page.inputValue('[data-testid="export-path-text"]')).toBe(join(outRoot, 'cancelled'))
    expect(await page.textContent('[data-testid="export-path"]')).toMatch(/not available in the browser/)
    await page.click('[data-testid="export-done"]')
    await page.locator('[data-testid="export-dialog"]').waitFor({ state: 'detached' })
    expect(problems).toEqual([])
  })
})
