/**
 * The import dialog's mapping step in Debian's Chromium against the real
 * services: a folder of frames with class-index masks whose values the
 * dialog lists with the pixel counts this test counted itself, each mapped
 * (two new classes of either kind, an existing class, a skipped value); then
 * a folder of defect-free frames imported as normal; labelme names mapped
 * to an existing class, a new region class and a skip; then the same with
 * ../shared/datasets/magnetic-tile, read in place, against its index.csv.
 * Counts are checked by raw API calls against the test's own numbers.
 *
 * Set E2E_SCREENS_DIR=docs/screens to refresh the README's screenshot.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClassDef, ImageFilter, ImageStats, StudioApi } from '../src/shared/contract'
import { launchChromium, startStudio, type Studio } from './support/studio'

const keepScreens = process.env.E2E_SCREENS_DIR ? resolve(process.env.E2E_SCREENS_DIR) : undefined
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-import-screens-'))
const MAX_SCREEN_BYTES = 150_000

const W = 48
const H = 32
/** Mask values per frame; 4 is the value the test skips. */
const LAYOUT: number[][] = [[1], [1, 2], [2, 3], [3, 4], [1, 4], [2], [1, 3]]
const NORMAL_FRAMES = 5

type StudioPage = Window & { api: StudioApi }
const stats = (page: Page, filter: ImageFilter) =>
  page.evaluate((f) => (window as unknown as StudioPage).api.images.stats({ filter: f }), filter) as Promise<ImageStats>
const listClasses = (page: Page) => page.evaluate(() => (window as unknown as StudioPage).api.classes.list({})) as Promise<ClassDef[]>

async function shot(page: Page, name: string): Promise<void> {
  const file = join(screens, name)
  await sharp(await page.screenshot()).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toFile(file)
  expect(statSync(file).size).toBeLessThan(MAX_SCREEN_BYTES)
}

/** Raw 8-bit grey PNG of class values, written by sharp (not by the app's own PNG writer). */
async function writeMask(path: string, values: Uint8Array): Promise<void> {
  await sharp(Buffer.from(values), { raw: { width: W, height: H, channels: 1 } }).png().toFile(path)
}

describe('import dialog: mapping mask values, normal frames', () => {
  let studio: Studio
  let browser: Browser
  let data: string
  /** value -> [pixels, frames], counted here from the arrays written. */
  const expected = new Map<number, [number, number]>()

  beforeAll(async () => {
    data = mkdtempSync(join(tmpdir(), 'ds-import-dialog-'))
    mkdirSync(join(data, 'defects'))
    mkdirSync(join(data, 'masks'))
    mkdirSync(join(data, 'normal'))
    for (let i = 0; i < LAYOUT.length; i++) {
      await sharp({ create: { width: W, height: H, channels: 3, background: { r: 20 + i * 30, g: 60, b: 200 - i * 20 } } })
        .png()
        .toFile(join(data, 'defects', `tile_${i}.png`))
      const m = new Uint8Array(W * H)
      LAYOUT[i]!.forEach((v, k) => {
        const x0 = 2 + k * 20 + i
        const y0 = 3 + ((i * 5) % 12)
        const w = 4 + ((i + v) % 9)
        const h = 3 + ((i * 2 + v) % 7)
        for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * W + x] = v
      })
      const counts = new Map<number, number>()
      for (const v of m) if (v) counts.set(v, (counts.get(v) ?? 0) + 1)
      for (const [v, n] of counts) {
        const e = expected.get(v) ?? [0, 0]
        expected.set(v, [e[0] + n, e[1] + 1])
      }
      await writeMask(join(data, 'masks', `tile_${i}.png`), m)
    }
    for (let i = 0; i < NORMAL_FRAMES; i++) {
      await sharp({ create: { width: W, height: H, channels: 3, background: { r: 128, g: 120 + i * 20, b: 128 } } })
        .jpeg()
        .toFile(join(data, 'normal', `good_${i}.jpg`))
    }
    writeFileSync(join(data, 'README.txt'), 'test data')
    studio = await startStudio({ framesPerView: 1, size: '64x96' })
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
    rmSync(data, { recursive: true, force: true })
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  it('lists every mask value with its pixels, imports them as mapped, then a folder of normal frames', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"]').waitFor()
    const before = await stats(page, {})
    const classesBefore = await listClasses(page)

    await page.click('[data-testid="open-import"]')
    await page.locator('[data-testid="import-dialog"]').waitFor()
    await page.fill('[data-testid="import-folder"]', join(data, 'defects'))
    await page.selectOption('[data-testid="import-source"]', 'masks')
    await page.fill('[data-testid="import-masks"]', join(data, 'masks'))

    // Every value the masks hold, with the pixels and frames this test counted; none is named, so none is mapped yet.
    await page.locator('[data-testid="map-row-mask-4"]').waitFor()
    const values = [...expected.keys()].sort((a, b) => a - b)
    expect(values).toEqual([1, 2, 3, 4])
    for (const v of values) {
      const row = page.locator(`[data-testid="map-row-mask-${v}"]`)
      const cells = await row.locator('td').allTextContents()
      expect(cells[1]).toBe(`${expected.get(v)![0].toLocaleString('en-US')} px`)
      expect(cells[2]).toBe(String(expected.get(v)![1]))
      expect(await row.locator('select').first().inputValue()).toBe('')
    }
    expect(await page.getAttribute('[data-testid="import-found"]', 'data-images')).toBe(String(LAYOUT.length))
    expect(await page.isDisabled('[data-testid="import-start"]')).toBe(true)
    expect(await page.textContent('[data-testid="import-blocked"]')).toContain('mask values 1, 2, 3, 4')

    // 1 -> new defect class, 2 -> new region class, 3 -> the existing fold, 4 -> skipped.
    await page.selectOption('[data-testid="map-choice-mask-1"]', '__new')
    await page.fill('[data-testid="map-new-name-mask-1"]', 'Pit')
    await page.selectOption('[data-testid="map-choice-mask-2"]', '__new')
    await page.fill('[data-testid="map-new-name-mask-2"]', 'Scale bed')
    await page.selectOption('[data-testid="map-new-kind-mask-2"]', 'region')
    const fold = classesBefore.find((c) => c.name === 'fold')!
    await page.selectOption('[data-testid="map-choice-mask-3"]', String(fold.id))
    expect(await page.isDisabled('[data-testid="import-start"]')).toBe(true)
    await page.selectOption('[data-testid="map-choice-mask-4"]', '__skip')
    // A name that is not a class name keeps the import closed, with the reason.
    await page.fill('[data-testid="map-new-name-mask-1"]', 'Pit/1')
    await page.waitForFunction(() => document.querySelector('[data-testid="import-blocked"]')?.textContent?.includes('cannot hold'))
    expect(await page.isDisabled('[data-testid="import-start"]')).toBe(true)
    await page.fill('[data-testid="map-new-name-mask-1"]', 'Pit')
    await page.selectOption('[data-testid="import-view"]', 'D02')
    await page.locator('[data-testid="import-blocked"]').waitFor({ state: 'detached' })
    expect(await page.isDisabled('[data-testid="import-start"]')).toBe(false)
    await shot(page, 'import-mapping.png')

    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
    expect(await page.textContent('[data-testid="import-imported"]')).toBe(String(LAYOUT.length))
    expect(await page.textContent('[data-testid="import-new-classes"]')).toContain('Pit')

    // Raw API: the classes, their kinds, and frames per class as the masks hold them.
    const classes = await listClasses(page)
    const pit = classes.find((c) => c.name === 'Pit')!
    const bed = classes.find((c) => c.name === 'Scale bed')!
    expect(pit.kind).toBe('defect')
    expect(bed.kind).toBe('region')
    expect(classes.length).toBe(classesBefore.length + 2)
    const afterDefects = await stats(page, {})
    expect(afterDefects.total).toBe(before.total + LAYOUT.length)
    expect((afterDefects.byClass[pit.id] ?? 0) - (before.byClass[pit.id] ?? 0)).toBe(expected.get(1)![1])
    expect((afterDefects.byClass[bed.id] ?? 0) - (before.byClass[bed.id] ?? 0)).toBe(expected.get(2)![1])
    expect((afterDefects.byClass[fold.id] ?? 0) - (before.byClass[fold.id] ?? 0)).toBe(expected.get(3)![1])

    // The summary leads to exactly this import's frames.
    await page.click('[data-testid="import-show-frames"]')
    await page.locator('[data-testid="import-dialog"]').waitFor({ state: 'detached' })
    await page.locator('[data-testid="filter-import"]').waitFor()
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="status-filter-total"]')?.getAttribute('data-count') === String(n),
      LAYOUT.length
    )
    const batchText = (await page.textContent('[data-testid="filter-import"]')) ?? ''
    const importId = Number(/#(\d+)/.exec(batchText)![1])
    const batch = await stats(page, { importId })
    expect(batch.total).toBe(LAYOUT.length)
    expect(batch.byView).toEqual({ D02: LAYOUT.length })
    expect(batch.byStatus).toEqual({ labeled: LAYOUT.length })

    // A folder of defect-free frames, imported as normal.
    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', join(data, 'normal'))
    await page.check('[data-testid="import-normal"]')
    await page.waitForFunction((n) => document.querySelector('[data-testid="import-found"]')?.getAttribute('data-images') === String(n), NORMAL_FRAMES)
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
    expect(await page.textContent('[data-testid="import-imported"]')).toBe(String(NORMAL_FRAMES))
    await page.click('[data-testid="import-show-frames"]')
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="status-filter-total"]')?.getAttribute('data-count') === String(n),
      NORMAL_FRAMES
    )
    const normalBatch = Number(/#(\d+)/.exec((await page.textContent('[data-testid="filter-import"]')) ?? '')![1])
    expect(normalBatch).not.toBe(importId)
    expect((await stats(page, { importId: normalBatch })).byStatus).toEqual({ normal: NORMAL_FRAMES })
    const after = await stats(page, {})
    expect(after.total).toBe(before.total + LAYOUT.length + NORMAL_FRAMES)
    expect((after.byStatus['normal'] ?? 0) - (before.byStatus['normal'] ?? 0)).toBe(NORMAL_FRAMES)

    // The batch chip clears back to every frame.
    await page.click('[data-testid="filter-import"]')
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid="status-filter-total"]')?.getAttribute('data-count') === String(n),
      after.total
    )
    await page.close()
  }, 180_000)

  it('maps labelme names: pre-filled as new classes, changed to an existing class, a region class and a skip', async () => {
    const folder = join(data, 'labelme')
    mkdirSync(folder)
    const files: Record<string, string[]> = { a: ['scratch', 'scratch', 'pore'], b: ['dust'], c: ['pore'] }
    let seed = 0
    for (const [stem, labels] of Object.entries(files)) {
      await sharp({ create: { width: W, height: H, channels: 3, background: { r: 200, g: 30 + 40 * seed++, b: 30 } } })
        .png()
        .toFile(join(folder, `${stem}.png`))
      const shapes = labels.map((label, k) => ({ label, shape_type: 'polygon', points: [[2 + 10 * k, 2], [8 + 10 * k, 2], [8 + 10 * k, 9], [2 + 10 * k, 9]] }))
      writeFileSync(join(folder, `${stem}.json`), JSON.stringify({ shapes, imageWidth: W, imageHeight: H }))
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"]').waitFor()
    const classesBefore = await listClasses(page)
    const edge = classesBefore.find((c) => c.name === 'edge_crack')!
    const before = await stats(page, {})
    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', folder)
    await page.selectOption('[data-testid="import-source"]', 'labelme')
    await page.locator('[data-testid="map-row-label-scratch"]').waitFor()
    // Shapes and files per name, as written above.
    const row = (name: string) => page.locator(`[data-testid="map-row-label-${name}"] td`).allTextContents()
    expect((await row('scratch')).slice(1, 3)).toEqual(['2 shapes', '1'])
    expect((await row('pore')).slice(1, 3)).toEqual(['2 shapes', '2'])
    expect((await row('dust')).slice(1, 3)).toEqual(['1 shape', '1'])
    // Named in the files: pre-filled as new classes of those names, so the import may start at once.
    expect(await page.inputValue('[data-testid="map-new-name-label-pore"]')).toBe('pore')
    expect(await page.isDisabled('[data-testid="import-start"]')).toBe(false)
    await page.selectOption('[data-testid="map-choice-label-scratch"]', String(edge.id))
    await page.selectOption('[data-testid="map-new-kind-label-pore"]', 'region')
    await page.selectOption('[data-testid="map-choice-label-dust"]', '__skip')
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
    expect(await page.textContent('[data-testid="import-imported"]')).toBe('3')
    expect(await page.textContent('[data-testid="import-dropped"]')).toBe('1')
    const classes = await listClasses(page)
    expect(classes.map((c) => c.name)).not.toContain('scratch')
    expect(classes.map((c) => c.name)).not.toContain('dust')
    const pore = classes.find((c) => c.name === 'pore')!
    expect(pore.kind).toBe('region')
    const after = await stats(page, {})
    expect(after.byClass[pore.id]).toBe(2)
    expect((after.byClass[edge.id] ?? 0) - (before.byClass[edge.id] ?? 0)).toBe(1)
    // b held only the skipped name: nothing says it is defect-free, so it stays unlabelled.
    expect((after.byStatus['unlabeled'] ?? 0) - (before.byStatus['unlabeled'] ?? 0)).toBe(1)
    await page.close()
  }, 120_000)

  it('maps the five magnetic-tile mask values to five new classes, and imports its defect-free folder as normal', async () => {
    const DATA = resolve(__dirname, '../../shared/datasets/magnetic-tile')
    // The oracle: index.csv's class ids and defect pixels, not the app's reading of the masks.
    const byValue = new Map<number, { pixels: number; frames: number }>()
    let emptyMasks = 0
    for (const line of readFileSync(join(DATA, 'index.csv'), 'utf8').trim().split('\n').slice(1)) {
      const [stem, , id, , , px] = line.split(',')
      if (stem!.startsWith('Free_')) continue
      if (Number(px) === 0) {
        emptyMasks++
        continue
      }
      const e = byValue.get(Number(id)) ?? { pixels: 0, frames: 0 }
      byValue.set(Number(id), { pixels: e.pixels + Number(px), frames: e.frames + 1 })
    }
    const names = ['Blowhole', 'Break', 'Crack', 'Fray', 'Uneven']
    const page = await browser.newPage({ viewport: { width: 1200, height: 860 } })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"]').waitFor()
    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', join(DATA, 'images'))
    await page.selectOption('[data-testid="import-source"]', 'masks')
    await page.fill('[data-testid="import-masks"]', join(DATA, 'masks'))
    await page.locator('[data-testid="map-row-mask-5"]').waitFor({ timeout: 20_000 })
    const seconds = Number(/read in ([\d.]+) s/.exec((await page.textContent('[data-testid="import-found"]')) ?? '')![1])
    expect(seconds).toBeLessThan(5)
    expect(await page.locator('[data-testid^="map-row-mask-"]').count()).toBe(5)
    for (let v = 1; v <= 5; v++) {
      const cells = await page.locator(`[data-testid="map-row-mask-${v}"] td`).allTextContents()
      expect(cells[1]).toBe(`${byValue.get(v)!.pixels.toLocaleString('en-US')} px`)
      expect(cells[2]).toBe(String(byValue.get(v)!.frames))
      await page.selectOption(`[data-testid="map-choice-mask-${v}"]`, '__new')
      await page.fill(`[data-testid="map-new-name-mask-${v}"]`, names[v - 1]!)
    }
    await page.selectOption('[data-testid="import-view"]', 'D01')
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 120_000 })
    expect(await page.textContent('[data-testid="import-imported"]')).toBe('284')
    await page.click('[data-testid="import-show-frames"]')
    await page.locator('[data-testid="filter-import"]').waitFor()
    const defectsBatch = Number(/#(\d+)/.exec((await page.textContent('[data-testid="filter-import"]')) ?? '')![1])
    const classes = await listClasses(page)
    const batch = await stats(page, { importId: defectsBatch })
    expect(batch.total).toBe(284)
    for (let v = 1; v <= 5; v++) {
      const cls = classes.find((c) => c.name === names[v - 1])!
      expect(cls.kind).toBe('defect')
      expect(batch.byClass[cls.id]).toBe(byValue.get(v)!.frames)
    }
    // An all-zero mask says the frame holds nothing: normal.
    expect(batch.byStatus).toEqual({ labeled: 284 - emptyMasks, normal: emptyMasks })

    await page.click('[data-testid="open-import"]')
    await page.fill('[data-testid="import-folder"]', join(DATA, 'normal'))
    await page.check('[data-testid="import-normal"]')
    await page.selectOption('[data-testid="import-view"]', 'D01')
    await page.waitForFunction(() => document.querySelector('[data-testid="import-found"]')?.getAttribute('data-images') === '669')
    await page.click('[data-testid="import-start"]')
    await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 120_000 })
    await page.click('[data-testid="import-show-frames"]')
    await page.waitForFunction(() => document.querySelector('[data-testid="status-filter-total"]')?.getAttribute('data-count') === '669')
    const normalBatch = Number(/#(\d+)/.exec((await page.textContent('[data-testid="filter-import"]')) ?? '')![1])
    expect(await stats(page, { importId: normalBatch })).toMatchObject({ total: 669, byStatus: { normal: 669 }, byView: { D01: 669 } })
    await page.close()
  }, 300_000)
})
