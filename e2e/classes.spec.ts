/**
 * The Classes page in Debian's Chromium against the real services: add,
 * rename, recolour, change kind, reorder, merge, delete with labels, undo;
 * and the filter bar, status bar and the editor's side panel following each
 * change without a reload (also a change made by "another window", i.e.
 * straight through the API). Expected numbers are read from the workspace's
 * SQLite file, never from the page.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StudioApi } from '../src/shared/contract'
import { launchChromium, startStudio, writeDemo, type Studio } from './support/studio'

const keepScreens = process.env.E2E_SCREENS_DIR
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-classes-screens-'))
const MAX_SCREEN_BYTES = 150_000

async function shot(page: Page, name: string): Promise<void> {
  const file = join(screens, name)
  await sharp(await page.screenshot()).png({ palette: true, colours: 256, compressionLevel: 9, effort: 10 }).toFile(file)
  expect(statSync(file).size).toBeLessThan(MAX_SCREEN_BYTES)
}

const row = (name: string) => `[data-testid="classes-row"][data-name="${name}"]`

async function waitAttr(page: Page, selector: string, attr: string, value: string | number): Promise<void> {
  await page.waitForFunction(([s, a, v]) => document.querySelector(s!)?.getAttribute(a!) === v, [selector, attr, String(value)] as const)
}

async function waitText(page: Page, selector: string, value: string | number): Promise<void> {
  await page.waitForFunction(([s, v]) => document.querySelector(s!)?.textContent?.trim() === v, [selector, String(value)] as const)
}

describe('classes page and live counts', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  let db: Database.Database
  const problems: string[] = []

  /** The oracle: the workspace file itself. */
  const classId = (name: string) => db.prepare('SELECT id FROM classes WHERE name = ?').pluck().get(name) as number | undefined
  const liveLabels = (name: string) =>
    db.prepare('SELECT count(*) FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = ? AND l.deleted_at IS NULL').pluck().get(name) as number
  const framesWith = (name: string) =>
    db.prepare('SELECT count(DISTINCT l.image_id) FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = ? AND l.deleted_at IS NULL').pluck().get(name) as number
  const order = () => db.prepare('SELECT name FROM classes ORDER BY position').pluck().all() as string[]
  const call = <T>(fn: (api: StudioApi) => Promise<T>) => page.evaluate(`(${fn.toString()})(window.api)`) as Promise<T>

  const tmp = mkdtempSync(join(tmpdir(), 'ds-classes-'))
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  /** "2 labels on 2 frames": what the merge moved, counted from the file before it. */
  let mergeMoved = ''

  beforeAll(async () => {
    // A model trained before any class change: a finished run and its model row, as the training tests write them, whose folder lists the classes it has outputs for.
    const wsDir = join(tmp, 'demo')
    await writeDemo(wsDir, 4)
    const modelDir = join(wsDir, 'models', 'run-1')
    mkdirSync(modelDir, { recursive: true })
    writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ classes: [{ name: 'fold' }, { name: 'edge_crack' }] }))
    const past = new Date(Date.now() - 3_600_000).toISOString()
    const w = new Database(join(wsDir, 'workspace.sqlite'))
    w.prepare("INSERT INTO runs (id, kind, state, created_at, started_at, finished_at) VALUES (1, 'train', 'done', ?, ?, ?)").run(past, past, past)
    w.prepare("INSERT INTO models (run_id, dir, thresholds, active, created_at) VALUES (1, ?, '{}', 1, ?)").run(modelDir, past)
    w.close()
    studio = await startStudio({ workspace: wsDir })
    db = new Database(join(studio.workspaceDir, 'workspace.sqlite'), { readonly: true, fileMustExist: true })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 760 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
    })
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor()
    if (await page.locator('[data-testid="start-screen"]').count()) {
      await page.fill('[data-testid="workspace-path"]', studio.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
    }
    await page.locator('[data-testid="grid"]').waitFor()
  })

  afterAll(async () => {
    db?.close()
    await browser?.close()
    await studio?.close()
    rmSync(tmp, { recursive: true, force: true })
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  it('lists the classes in key order with their label and frame counts', async () => {
    expect(liveLabels('fold') + liveLabels('edge_crack')).toBeGreaterThan(0)
    await page.click('[data-testid="nav-classes"]')
    await page.locator('[data-testid="classes-page"]').waitFor()
    // The page can paint before the workspace view's class list arrives: wait for the rows, then compare.
    const names = () => page.locator('[data-testid="classes-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')))
    await expect.poll(names, { timeout: 10_000 }).toEqual(order())
    for (const name of order()) {
      await waitText(page, `[data-testid="class-labels-${name}"]`, liveLabels(name))
      await waitText(page, `[data-testid="class-frames-${name}"]`, framesWith(name))
    }
  })

  it('adds, renames, recolours, changes kind and reorders, each kept in the history', async () => {
    await page.fill('[data-testid="class-new-name"]', 'Blowhole')
    await page.click('[data-testid="class-add"]')
    await page.locator(row('Blowhole')).waitFor()
    expect(order()).toEqual(['fold', 'edge_crack', 'lathe', 'Blowhole'])

    // A duplicate name is refused with a message, and the typed name stays.
    await page.fill('[data-testid="class-name-fold"]', 'LATHE')
    await page.press('[data-testid="class-name-fold"]', 'Enter')
    await page.locator('[data-testid="classes-message"][role="alert"]').filter({ hasText: 'already exists' }).waitFor()
    expect(await page.inputValue('[data-testid="class-name-fold"]')).toBe('LATHE')
    await page.fill('[data-testid="class-name-fold"]', 'Crack')
    await page.press('[data-testid="class-name-fold"]', 'Enter')
    await page.locator(row('Crack')).waitFor()
    expect(classId('fold')).toBeUndefined()

    await page.fill('[data-testid="class-color-Blowhole"]', '#aa3300')
    await expect.poll(() => db.prepare("SELECT color FROM classes WHERE name = 'Blowhole'").pluck().get()).toBe('#aa3300')
    await page.selectOption('[data-testid="class-kind-Blowhole"]', 'region')
    await expect.poll(() => db.prepare("SELECT kind FROM classes WHERE name = 'Blowhole'").pluck().get()).toBe('region')
    await page.click('[data-testid="class-up-Blowhole"]')
    await waitAttr(page, row('Blowhole'), 'data-position', 3)
    expect(order()).toEqual(['Crack', 'edge_crack', 'Blowhole', 'lathe'])

    // The history list refreshes a moment after the change.
    await expect.poll(async () => (await page.locator('[data-testid="class-history-entry"] .classes-summary').allTextContents()).slice(0, 4)).toEqual([
      'order changed: Blowhole to 3, lathe to 4',
      'Blowhole changed from defect to region',
      'Blowhole recoloured from #3cb44b to #aa3300',
      'fold renamed to Crack'
    ])
  })

  it('shows a rename in the filter bar, status bar and editor side panel without a reload', async () => {
    await page.click('[data-testid="nav-frames"]')
    await page.locator('[data-testid="filter-class-Crack"]').waitFor()
    expect(await page.locator('[data-testid="filter-class-fold"]').count()).toBe(0)
    await waitAttr(page, '[data-testid="status-class-Crack"]', 'data-overall', framesWith('Crack'))
    await page.click('[data-testid="filter-class-Crack"]')
    await waitAttr(page, '[data-testid="status-filter-total"]', 'data-count', framesWith('Crack'))
    await page.click('[data-testid="grid-cell"][data-index="0"]')
    await page.keyboard.press('Enter')
    await page.locator('[data-testid="editor"]:not([data-shown-id=""])[data-loading="false"]').waitFor()
    const side = page.locator('[data-testid="editor-side"]')
    await side.locator('.class-name', { hasText: /^Crack$/ }).waitFor()
    // Another window renames it while the editor is open.
    const crack = classId('Crack')!
    await call((api) => api.classes.list({}).then((l) => l.find((c) => c.name === 'Crack')!).then((c) => api.classes.save({ id: c.id, color: c.color, kind: c.kind, name: 'Seam' })))
    await side.locator('.class-name', { hasText: /^Seam$/ }).waitFor()
    await side.locator('.polygon-group-head', { hasText: /^Seam/ }).waitFor()
    expect(classId('Seam')).toBe(crack)
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    // The grid's class filter followed the class (same id), the chip shows the new name.
    await page.locator('[data-testid="filter-class-Seam"][aria-pressed="true"]').waitFor()
    await page.click('[data-testid="filter-class-Seam"]')
  })

  it('merges one class into another: counts move in the page, the status bar and the filter bar', async () => {
    const moved = liveLabels('edge_crack')
    mergeMoved = `${plural(moved, 'label')} on ${plural(framesWith('edge_crack'), 'frame')}`
    const expectedLabels = liveLabels('Seam') + moved
    const expectedFrames = (
      db
        .prepare("SELECT count(DISTINCT l.image_id) FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name IN ('Seam', 'edge_crack') AND l.deleted_at IS NULL")
        .pluck()
        .get() as number
    )
    await page.click('[data-testid="nav-classes"]')
    await page.selectOption('[data-testid="class-merge-edge_crack"]', { label: 'Seam' })
    await page.locator('[data-testid="class-confirm"]').filter({ hasText: `${moved} label` }).waitFor()
    await page.click('[data-testid="class-confirm-merge"]')
    await page.locator(row('edge_crack')).waitFor({ state: 'detached' })
    expect(liveLabels('Seam')).toBe(expectedLabels)
    await waitText(page, '[data-testid="class-labels-Seam"]', expectedLabels)
    await page.click('[data-testid="nav-frames"]')
    await waitAttr(page, '[data-testid="status-class-Seam"]', 'data-overall', expectedFrames)
    expect(await page.locator('[data-testid="filter-class-edge_crack"]').count()).toBe(0)
  })

  it('deletes a class in use only after a confirmation that says how many labels go, and undo brings them back', async () => {
    const labels = liveLabels('Seam')
    const frames = framesWith('Seam')
    const ids = db.prepare("SELECT l.id FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = 'Seam' AND l.deleted_at IS NULL ORDER BY l.id").pluck().all()
    await page.click('[data-testid="nav-classes"]')
    await page.click('[data-testid="class-delete-Seam"]')
    const confirm = page.locator('[data-testid="class-confirm"]')
    await confirm.filter({ hasText: `used by ${labels} labels on ${frames} frames` }).waitFor()
    expect(await page.textContent('[data-testid="class-confirm-delete"]')).toBe(`Delete Seam and ${labels} labels`)
    await page.click('[data-testid="class-confirm-delete"]')
    await page.locator(row('Seam')).waitFor({ state: 'detached' })
    expect(classId('Seam')).toBeUndefined()
    await page.click('[data-testid="nav-frames"]')
    expect(await page.locator('[data-testid="status-class-Seam"]').count()).toBe(0)
    await waitAttr(page, '[data-testid="status-overall-total"]', 'data-count', db.prepare('SELECT count(*) FROM images').pluck().get() as number)
    await waitAttr(page, '[data-testid="status-status-labeled"]', 'data-overall', db.prepare("SELECT count(*) FROM images WHERE status = 'labeled'").pluck().get() as number)

    await page.click('[data-testid="nav-classes"]')
    // The page reads its history when it opens: wait for it rather than read the button's first render.
    await waitText(page, '[data-testid="class-undo"]', `Undo: Seam deleted with its ${labels} labels on ${frames} frames`)
    await page.click('[data-testid="class-undo"]')
    await page.locator(row('Seam')).waitFor()
    expect(db.prepare("SELECT l.id FROM labels l JOIN classes c ON c.id = l.class_id WHERE c.name = 'Seam' AND l.deleted_at IS NULL ORDER BY l.id").pluck().all()).toEqual(ids)
    await waitText(page, '[data-testid="class-labels-Seam"]', labels)
    await page.locator('[data-testid="class-history-entry"][data-op="delete"][data-undone="true"]').waitFor()
    await shot(page, 'classes-page.png')
    await page.click('[data-testid="nav-frames"]')
    await waitAttr(page, '[data-testid="status-class-Seam"]', 'data-overall', frames)
    expect(problems).toEqual([])
  })

  it('says on the Runs and Review pages what changed in the classes since the model was trained', async () => {
    const note = '[data-testid="class-changes-note"]'
    const expected =
      'Trained on: fold, edge_crack — classes changed since: Blowhole added (defect); fold renamed to Crack; Blowhole recoloured from #3cb44b to #aa3300; ' +
      `Blowhole changed from defect to region; order changed: Blowhole to 3, lathe to 4; Crack renamed to Seam; edge_crack merged into Seam (${mergeMoved} moved)`
    await page.click('[data-testid="nav-runs"]')
    await page.locator(`[data-testid="run-detail"][data-run-id="1"] ${note}`).waitFor()
    expect(await page.textContent(note)).toBe(expected)
    await shot(page, 'classes-changed-since-run.png')
    await page.click('[data-testid="nav-review"]')
    await page.locator(`[data-testid="review"] ${note}`).waitFor()
    expect(await page.textContent(note)).toBe(expected)
    expect(problems).toEqual([])
  })
})
