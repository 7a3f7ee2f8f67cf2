/**
 * Grid multi-select and bulk actions in Debian's Chromium against the real
 * services: click, Shift+click, Ctrl+click, Ctrl+A and Esc with the visible
 * count; mark normal on a selection (frames with defect polygons skipped and
 * counted) and one Ctrl+Z restoring every status; remove with a confirmation
 * and one Undo putting the frames back. Every expected figure comes from the
 * workspace's SQLite file, read here with raw SQL.
 *
 * Set E2E_SCREENS_DIR=docs/screens to refresh the README's screenshot.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, startStudio, type Studio } from './support/studio'

const GRID = '[data-testid="grid"]'
const CELL = (i: number): string => `[data-testid="grid-cell"][data-index="${i}"]`
const SELECTED = '[data-testid="grid-cell"][aria-selected="true"]'
/** 60 frames: more than one screen, so Ctrl+A must reach frames never rendered. */
const FRAMES_PER_VIEW = 15
const MAX_SCREEN_BYTES = 150_000

const keepScreens = process.env.E2E_SCREENS_DIR ? resolve(process.env.E2E_SCREENS_DIR) : undefined
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-bulk-screens-'))

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screens, { recursive: true })
  const file = join(screens, name)
  await sharp(await page.screenshot()).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toFile(file)
  expect(statSync(file).size).toBeLessThan(MAX_SCREEN_BYTES)
}

async function waitAttr(page: Page, selector: string, attr: string, expected: string | number): Promise<void> {
  await page.waitForFunction(
    ([sel, a, v]) => document.querySelector(sel as string)?.getAttribute(a as string) === String(v),
    [selector, attr, expected] as const
  )
}

const selectionCount = (page: Page, n: number): Promise<void> => waitAttr(page, '[data-testid="selection-count"]', 'data-count', n)

async function cellIds(page: Page, from: number, to: number): Promise<number[]> {
  const out: number[] = []
  for (let i = from; i <= to; i++) out.push(Number(await page.getAttribute(CELL(i), 'data-image-id')))
  return out
}

describe('grid multi-select and bulk actions', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  let db: Database.Database
  const problems: string[] = []

  const statuses = (): Map<number, string> =>
    new Map((db.prepare('SELECT id, status FROM images').all() as { id: number; status: string }[]).map((r) => [r.id, r.status]))
  const dump = (table: string): unknown[] => db.prepare(`SELECT * FROM ${table} ORDER BY id`).all()

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: FRAMES_PER_VIEW })
    db = new Database(join(studio.workspaceDir, 'workspace.sqlite'), { readonly: true, fileMustExist: true })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 800 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator(`${GRID}, [data-testid="start-screen"]`).first().waitFor()
    if (await page.locator('[data-testid="start-screen"]').count()) {
      await page.fill('[data-testid="workspace-path"]', studio.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
    }
    await page.locator(`${CELL(0)}[data-image-id]`).waitFor()
  })

  afterAll(async () => {
    db?.close()
    await browser?.close()
    await studio?.close()
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  it('click, Shift+click, Ctrl+click, Ctrl+A and Esc, with the count', async () => {
    const total = db.prepare('SELECT count(*) FROM images').pluck().get() as number
    expect(total).toBe(4 * FRAMES_PER_VIEW)

    await page.click(CELL(0))
    await selectionCount(page, 1)
    await page.click(CELL(5), { modifiers: ['Shift'] })
    await selectionCount(page, 6)
    expect(await page.locator(SELECTED).evaluateAll((c) => c.map((e) => Number(e.getAttribute('data-index'))))).toEqual([0, 1, 2, 3, 4, 5])
    await page.click(CELL(8), { modifiers: ['Control'] })
    await selectionCount(page, 7)
    await page.click(CELL(2), { modifiers: ['Control'] })
    await selectionCount(page, 6)
    expect(await page.locator(SELECTED).evaluateAll((c) => c.map((e) => Number(e.getAttribute('data-index'))))).toEqual([0, 1, 3, 4, 5, 8])
    // Shift from the last Ctrl+click (2) down to 4 replaces the selection.
    await page.click(CELL(4), { modifiers: ['Shift'] })
    await selectionCount(page, 3)

    // Ctrl+A: every frame in the filter, rendered or not.
    const rendered = await page.locator('[data-testid="grid-cell"]').count()
    expect(rendered).toBeLessThan(total)
    await page.keyboard.press('Control+a')
    await selectionCount(page, total)
    expect(await page.locator('[data-testid="selection-count"]').innerText()).toBe(`${total} selected`)

    await page.keyboard.press('Escape')
    await selectionCount(page, 0)
    expect(await page.locator(SELECTED).count()).toBe(0)
    // An arrow key goes back to one selected frame, the cursor's.
    await page.keyboard.press('ArrowRight')
    await selectionCount(page, 1)
    expect(problems).toEqual([])
  })

  it('marks a selection normal, skipping frames with defect polygons, and one Ctrl+Z restores every status', async () => {
    const before = statuses()
    const imagesBefore = dump('images')
    await page.click(CELL(0))
    await page.click(CELL(11), { modifiers: ['Shift'] })
    await page.click(CELL(14), { modifiers: ['Control'] })
    await selectionCount(page, 13)
    const ids = [...(await cellIds(page, 0, 11)), ...(await cellIds(page, 14, 14))]
    const withDefects = new Set(
      db
        .prepare(
          `SELECT DISTINCT l.image_id FROM labels l JOIN classes c ON c.id = l.class_id
           WHERE l.deleted_at IS NULL AND c.kind = 'defect' AND l.image_id IN (SELECT value FROM json_each(?))`
        )
        .pluck()
        .all(JSON.stringify(ids)) as number[]
    )
    const already = ids.filter((id) => before.get(id) === 'normal')
    const skipped = ids.filter((id) => before.get(id) !== 'normal' && withDefects.has(id))
    const changing = ids.filter((id) => before.get(id) !== 'normal' && !withDefects.has(id))
    // The demo has defect frames among the first thirteen, so the skip is exercised.
    expect(skipped.length).toBeGreaterThan(0)
    expect(changing.length).toBeGreaterThan(0)

    await page.click('[data-testid="bulk-normal"]')
    await page.locator('[data-testid="bulk-note"]').waitFor()
    const note = await page.locator('[data-testid="bulk-note"]').innerText()
    expect(note).toContain(`Marked ${changing.length} frame${changing.length === 1 ? '' : 's'} normal`)
    expect(note).toContain(`${skipped.length} frame${skipped.length === 1 ? '' : 's'} skipped: they have defect polygons`)
    const after = statuses()
    for (const [id, s] of before) expect(after.get(id), `image ${id}`).toBe(changing.includes(id) ? 'normal' : s)
    expect(already.every((id) => after.get(id) === 'normal')).toBe(true)
    // The grid shows it.
    await waitAttr(page, `[data-testid="grid-cell"][data-image-id="${changing[0]}"]`, 'data-status', 'normal')
    await shot(page, 'grid-bulk.png')

    await page.focus(GRID)
    await page.keyboard.press('Control+z')
    await page.waitForFunction(() => /^Undid the change on/.test(document.querySelector('[data-testid="bulk-note"]')?.textContent ?? ''))
    expect(dump('images')).toEqual(imagesBefore)
    await waitAttr(page, `[data-testid="grid-cell"][data-image-id="${changing[0]}"]`, 'data-status', before.get(changing[0]!)!)
    expect(problems).toEqual([])
  })

  it('removes after a confirmation naming the count, and Undo puts the frames and their labels back', async () => {
    const total = db.prepare('SELECT count(*) FROM images').pluck().get() as number
    const tables = ['images', 'labels', 'label_revisions']
    const before = Object.fromEntries(tables.map((t) => [t, dump(t)]))
    await page.click(CELL(3))
    await page.click(CELL(6), { modifiers: ['Shift'] })
    await selectionCount(page, 4)
    const ids = await cellIds(page, 3, 6)

    await page.click('[data-testid="bulk-remove"]')
    await waitAttr(page, '[data-testid="bulk-confirm"]', 'data-count', 4)
    expect(await page.locator('[data-testid="bulk-confirm"]').innerText()).toContain('Remove 4 frames from the workspace?')
    // Cancel changes nothing.
    await page.click('[data-testid="bulk-confirm-no"]')
    expect(db.prepare('SELECT count(*) FROM images').pluck().get()).toBe(total)

    await page.click('[data-testid="bulk-remove"]')
    await page.click('[data-testid="bulk-confirm-yes"]')
    await page.waitForFunction(() => /^Removed 4 frames/.test(document.querySelector('[data-testid="bulk-note"]')?.textContent ?? ''))
    expect(db.prepare('SELECT count(*) FROM images WHERE id IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(ids))).toBe(0)
    await waitAttr(page, '[data-testid="status-overall-total"]', 'data-count', total - 4)
    await waitAttr(page, GRID, 'data-total', total - 4)
    // The removed frames are no longer selected.
    await selectionCount(page, 0)

    await page.click('[data-testid="bulk-undo"]')
    await page.waitForFunction(() => /^Restored 4 frames/.test(document.querySelector('[data-testid="bulk-note"]')?.textContent ?? ''))
    for (const t of tables) expect(dump(t), t).toEqual(before[t])
    await waitAttr(page, '[data-testid="status-overall-total"]', 'data-count', total)
    await waitAttr(page, GRID, 'data-total', total)
    expect(problems).toEqual([])
  })

  it('restores frames removed in an earlier session from the bar', async () => {
    const total = db.prepare('SELECT count(*) FROM images').pluck().get() as number
    const tables = ['images', 'labels', 'label_revisions']
    const before = Object.fromEntries(tables.map((t) => [t, dump(t)]))
    await page.click(CELL(20))
    await page.click(CELL(21), { modifiers: ['Control'] })
    await selectionCount(page, 2)
    await page.click('[data-testid="bulk-remove"]')
    await page.click('[data-testid="bulk-confirm-yes"]')
    await waitAttr(page, '[data-testid="status-overall-total"]', 'data-count', total - 2)

    // A new session: the bar's Undo is gone, the removal is still listed.
    await page.reload()
    await page.locator(`${CELL(0)}[data-image-id]`).waitFor()
    expect(await page.locator('[data-testid="bulk-undo"]').count()).toBe(0)
    const token = db.prepare("SELECT id FROM bulk_actions WHERE kind = 'remove' AND undone_at IS NULL").pluck().get() as number
    await page.locator(`[data-testid="bulk-restore"] option[value="${token}"]`).waitFor({ state: 'attached' })
    await page.selectOption('[data-testid="bulk-restore"]', String(token))
    await page.waitForFunction(() => /^Restored 2 frames/.test(document.querySelector('[data-testid="bulk-note"]')?.textContent ?? ''))
    for (const t of tables) expect(dump(t), t).toEqual(before[t])
    await waitAttr(page, '[data-testid="status-overall-total"]', 'data-count', total)
    // Nothing left to restore.
    await page.locator('[data-testid="bulk-restore"]').waitFor({ state: 'detached' })
    expect(problems).toEqual([])
  })
})
