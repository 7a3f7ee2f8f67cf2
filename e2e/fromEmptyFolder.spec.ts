/**
 * A real dataset brought to a first model from the app alone (issue 14's
 * acceptance), in Debian's Chromium against the real services: the app starts
 * on an empty folder and, through the UI only, creates the workspace there,
 * imports magnetic-tile defect images with their class-index masks (the five
 * values mapped to five new classes) and defect-free images as normal,
 * deletes the three default classes, trains a tiny ARCD model to the end and
 * exports COCO. The COCO file is read back and checked against the dataset's
 * own index.csv, not against the app.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioApi } from '../src/shared/contract'
import { launchChromium, startStudio, type Studio } from './support/studio'

const DATA = resolve(__dirname, '../../shared/datasets/magnetic-tile')
const NAMES = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']
const PER_CLASS = 3
const NORMALS = 10
/** A network small enough to finish in seconds: fixed steps, 32 px crops. */
const TINY: Record<string, number> = {
  'ts-budget': 0,
  'ts-size': 32,
  'ts-recon': 4,
  'ts-disc': 4,
  'ts-recon-depth': 2,
  'ts-disc-depth': 2,
  'ts-steps1': 6,
  'ts-steps2': 12,
  'ts-eval-rounds': 2,
  'ts-batch': 2
}
const RUN_TIMEOUT = 240_000

type StudioPage = Window & { api: StudioApi }

interface Coco {
  images: { id: number; file_name: string }[]
  annotations: { id: number; image_id: number; category_id: number; segmentation: number[][] }[]
  categories: { id: number; name: string }[]
}

interface Picked {
  stem: string
  classId: number
}

/** The first PER_CLASS stems of each class with a non-empty mask, and NORMALS defect-free stems, from index.csv. */
function pickFromIndex(): { defects: Picked[]; normals: string[] } {
  const defects: Picked[] = []
  const normals: string[] = []
  for (const line of readFileSync(join(DATA, 'index.csv'), 'utf8').trim().split('\n').slice(1)) {
    const [stem, , id, , , px] = line.split(',')
    if (stem!.startsWith('Free_')) {
      if (normals.length < NORMALS) normals.push(stem!)
    } else if (Number(px) > 0 && defects.filter((d) => d.classId === Number(id)).length < PER_CLASS) {
      defects.push({ stem: stem!, classId: Number(id) })
    }
  }
  return { defects, normals }
}

describe('from an empty folder to a trained model and a COCO export, through the UI only', () => {
  let root: string
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []
  const picked = pickFromIndex()

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'ds-from-empty-'))
    // A small sample of the dataset, copied to a temporary folder (never into the repo).
    for (const sub of ['images', 'masks', 'normal']) mkdirSync(join(root, 'incoming', sub), { recursive: true })
    for (const d of picked.defects) {
      copyFileSync(join(DATA, 'images', `${d.stem}.jpg`), join(root, 'incoming', 'images', `${d.stem}.jpg`))
      copyFileSync(join(DATA, 'masks', `${d.stem}.png`), join(root, 'incoming', 'masks', `${d.stem}.png`))
    }
    for (const n of picked.normals) copyFileSync(join(DATA, 'normal', `${n}.jpg`), join(root, 'incoming', 'normal', `${n}.jpg`))
    mkdirSync(join(root, 'line3'))
    studio = await startStudio({ workspace: join(root, 'line3') })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('creates the workspace in the empty folder it was started on', async () => {
    expect(picked.defects).toHaveLength(PER_CLASS * NAMES.length)
    await page.locator('[data-testid="start-notice"]').waitFor()
    await page.click('[data-testid="start-notice-create"]')
    await page.locator('[data-testid="grid-empty"]').waitFor()
    expect(await page.getAttribute('[data-testid="header-count"]', 'data-count')).toBe('0')
  })

  it('imports the defect images with their masks mapped to five new classes, and the defect-free images as normal', async () => {
    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', join(root, 'incoming', 'images'))
    await page.selectOption('[data-testid="import-source"]', 'masks')
    await page.fill('[data-testid="import-masks"]', join(root, 'incoming', 'masks'))
    await page.locator('[data-testid="map-row-mask-5"]').waitFor({ timeout: 20_000 })
    expect(await page.locator('[data-testid^="map-row-mask-"]').count()).toBe(5)
    for (let v = 1; v <= 5; v++) {
      await page.selectOption(`[data-testid="map-choice-mask-${v}"]`, '__new')
      await page.fill(`[data-testid="map-new-name-mask-${v}"]`, NAMES[v - 1]!)
    }
    await page.selectOption('[data-testid="import-view"]', 'D01')
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
    expect(await page.textContent('[data-testid="import-imported"]')).toBe(String(picked.defects.length))
    await page.click('[data-testid="import-done"]')

    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', join(root, 'incoming', 'normal'))
    await page.check('[data-testid="import-normal"]')
    await page.selectOption('[data-testid="import-view"]', 'D01')
    await page.waitForFunction((n) => document.querySelector('[data-testid="import-found"]')?.getAttribute('data-images') === String(n), NORMALS)
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
    await page.click('[data-testid="import-done"]')

    const total = picked.defects.length + NORMALS
    await page.locator(`[data-testid="header-count"][data-count="${total}"]`).waitFor()
    const stats = await page.evaluate(() => (window as unknown as StudioPage).api.images.stats({}))
    expect(stats.byStatus).toEqual({ labeled: picked.defects.length, normal: NORMALS })
  })

  it('deletes the three default classes on the Classes page, leaving the five', async () => {
    await page.click('[data-testid="nav-classes"]')
    await page.locator('[data-testid="classes-page"]').waitFor()
    for (const name of ['fold', 'edge_crack', 'lathe']) {
      await page.click(`[data-testid="class-delete-${name}"]`)
      // No label uses them: the confirmation says so and asks for no count.
      expect(await page.textContent('[data-testid="class-confirm-delete"]')).toBe(`Delete ${name}`)
      await page.click('[data-testid="class-confirm-delete"]')
      await page.locator(`[data-testid="class-delete-${name}"]`).waitFor({ state: 'detached' })
    }
    const names = await page.locator('[data-testid="classes-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))
    expect(names).toEqual(NAMES)
  })

  it('trains a tiny ARCD model that finishes', async () => {
    await page.click('[data-testid="nav-runs"]')
    await page.click('[data-testid="settings-toggle"]')
    await page.locator('[data-testid="training-settings"][data-loaded="true"]').waitFor()
    await page.locator('[data-testid="ts-advanced"] summary').click()
    for (const [testId, v] of Object.entries(TINY)) await page.fill(`[data-testid="${testId}"]`, String(v))
    await page.click('[data-testid="ts-save"]')
    await page.locator('[data-testid="ts-saved"]').waitFor()
    await page.click('[data-testid="train-arcd"]')
    const done = page.locator('[data-testid="run-row"][data-kind="train"][data-state="done"]')
    const failed = page.locator('[data-testid="run-row"][data-kind="train"][data-state="failed"]')
    await done.or(failed).first().waitFor({ timeout: RUN_TIMEOUT })
    expect(await failed.count(), (await page.textContent('[data-testid="run-detail"]')) ?? '').toBe(0)
    const runs = await page.evaluate(() => (window as unknown as StudioPage).api.runs.list({}))
    const run = runs.find((r) => r.kind === 'train')!
    expect(run.state).toBe('done')
    const detail = await page.evaluate((id) => (window as unknown as StudioPage).api.runs.get({ runId: id }), run.id)
    // The model's outputs are the five classes the frames were labelled with.
    expect(detail.outcome?.classes.map((c) => c.name).sort()).toEqual([...NAMES].sort())
  })

  it('exports COCO from the Export dialog, with the five classes and every labelled frame', async () => {
    await page.click('[data-testid="nav-frames"]')
    await page.click('[data-testid="open-export"]')
    await page.locator('[data-testid="export-dialog"][data-phase="options"]').waitFor()
    await page.check('[data-testid="export-format-coco"]')
    const out = join(root, 'coco-out')
    await page.fill('[data-testid="export-out"]', out)
    await page.locator('[data-testid="export-preview"][data-state="ready"]').waitFor({ timeout: 30_000 })
    await page.click('[data-testid="export-start"]')
    await page.locator('[data-testid="export-result"]').waitFor({ timeout: 60_000 })

    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as Coco
    expect(coco.categories.map((c) => c.name)).toEqual(NAMES)
    // The oracle is index.csv: every defect image once, each with annotations of its own class only.
    const classOf = new Map(picked.defects.map((d) => [d.stem, NAMES[d.classId - 1]!]))
    const byImage = new Map<number, Set<string>>()
    const catName = new Map(coco.categories.map((c) => [c.id, c.name]))
    for (const a of coco.annotations) {
      const s = byImage.get(a.image_id) ?? new Set<string>()
      s.add(catName.get(a.category_id)!)
      byImage.set(a.image_id, s)
    }
    const annotated = coco.images.filter((im) => byImage.has(im.id))
    expect(annotated.map((im) => im.file_name.replace(/^.*\//, '').replace(/\.jpg$/, '')).sort()).toEqual([...classOf.keys()].sort())
    for (const im of annotated) {
      const stem = im.file_name.replace(/^.*\//, '').replace(/\.jpg$/, '')
      expect([...byImage.get(im.id)!], stem).toEqual([classOf.get(stem)])
    }
    for (const name of NAMES) expect(coco.annotations.filter((a) => catName.get(a.category_id) === name).length).toBeGreaterThanOrEqual(PER_CLASS)
  })

  it('ran without page errors, console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
