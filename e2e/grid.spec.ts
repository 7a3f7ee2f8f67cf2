/**
 * The renderer shell in Debian's Chromium against the real services: the
 * demo workspace's grid, view filtering with matching status-bar counts,
 * keyboard navigation, the detail panel, an import through the dialog, and
 * the start screen. Screenshots go to a temp folder, never into the repo.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, startStudio, type Studio } from './support/studio'

const GRID = '[data-testid="grid"]'
const LOADED_CELL = '[data-testid="grid-cell"][data-image-id]'
/** 60 frames: more than one screen, so the grid must virtualise and scroll. */
const FRAMES_PER_VIEW = 15

/** Set E2E_SCREENS_DIR to keep the screenshots; otherwise they go to a temp folder removed afterwards. */
const keepScreens = process.env.E2E_SCREENS_DIR
const screens = keepScreens ?? mkdtempSync(join(tmpdir(), 'ds-grid-screens-'))

async function count(page: Page, testId: string, attr = 'data-count'): Promise<number> {
  const selector = `[data-testid="${testId}"]`
  await page.waitForFunction(
    ([sel, a]) => {
      const v = document.querySelector(sel!)?.getAttribute(a!)
      return v !== null && v !== undefined && v !== ''
    },
    [selector, attr]
  )
  return Number(await page.getAttribute(selector, attr))
}

async function waitCount(page: Page, testId: string, expected: number, attr = 'data-count'): Promise<void> {
  await page.waitForFunction(
    ([sel, a, n]) => document.querySelector(sel as string)?.getAttribute(a as string) === String(n),
    [`[data-testid="${testId}"]`, attr, expected] as const
  )
}

/** Waits until every rendered cell has its summary and a decoded thumbnail. */
async function waitCellsLoaded(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('[data-testid="grid-cell"]')]
    return (
      cells.length > 0 &&
      cells.every((c) => {
        const img = c.querySelector('img')
        return c.hasAttribute('data-image-id') && img !== null && img.complete && img.naturalWidth > 0
      })
    )
  })
}

/** Waits until the rendered rows reach from the grid's top edge to its bottom edge (or the last row). */
async function waitRowsCoverViewport(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const grid = document.querySelector<HTMLElement>('[data-testid="grid"]')
    const cells = [...document.querySelectorAll('[data-testid="grid-cell"]')]
    if (!grid || cells.length === 0) return false
    const g = grid.getBoundingClientRect()
    const boxes = cells.map((c) => c.getBoundingClientRect())
    const top = Math.min(...boxes.map((b) => b.top))
    const bottom = Math.max(...boxes.map((b) => b.bottom))
    const lastRendered = Number(grid.getAttribute('data-end-index')) >= Number(grid.getAttribute('data-total'))
    return top <= g.top + 1 && (bottom >= g.bottom - 1 || lastRendered)
  })
}

async function selectedIndex(page: Page): Promise<number> {
  const cell = page.locator('[data-testid="grid-cell"][aria-selected="true"]')
  await cell.waitFor()
  return Number(await cell.getAttribute('data-index'))
}

async function gridColumns(page: Page): Promise<number> {
  return Number(await page.getAttribute(GRID, 'data-columns'))
}

/** True when the cell's box lies inside the grid's visible box. */
async function cellInView(page: Page, index: number): Promise<boolean> {
  return page.evaluate((i) => {
    const grid = document.querySelector('[data-testid="grid"]')
    const cell = document.querySelector(`[data-testid="grid-cell"][data-index="${i}"]`)
    if (!grid || !cell) return false
    const g = grid.getBoundingClientRect()
    const c = cell.getBoundingClientRect()
    return c.top >= g.top - 1 && c.bottom <= g.bottom + 1
  }, index)
}

describe('renderer shell: thumbnail grid', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: FRAMES_PER_VIEW })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`)
    })
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
    })
    await page.goto(studio.url)
    await page.locator(`${GRID}, [data-testid="start-screen"]`).first().waitFor()
    if (await page.locator('[data-testid="start-screen"]').count()) {
      await page.fill('[data-testid="workspace-path"]', studio.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
    }
    await page.locator(GRID).waitFor()
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
    if (!keepScreens) rmSync(screens, { recursive: true, force: true })
  })

  it('shows one thumbnail per demo image, rendering only the rows on screen', async () => {
    const total = await count(page, 'status-overall-total')
    expect(total).toBe(4 * FRAMES_PER_VIEW)
    await waitCount(page, 'status-filter-total', total)
    expect(await page.getAttribute(GRID, 'data-total')).toBe(String(total))
    expect(await count(page, 'header-count')).toBe(total)

    await waitCellsLoaded(page)
    const rendered = await page.locator(LOADED_CELL).count()
    expect(rendered).toBeLessThan(total)
    await page.screenshot({ path: join(screens, 'grid.png') })

    // Walk down a screen at a time and collect every image the grid shows.
    const seen = new Set<string>()
    for (let guard = 0; guard < 50; guard++) {
      await waitCellsLoaded(page)
      for (const id of await page.locator(LOADED_CELL).evaluateAll((cells) => cells.map((c) => c.getAttribute('data-image-id') ?? ''))) seen.add(id)
      const atEnd = await page.evaluate(() => {
        const g = document.querySelector<HTMLElement>('[data-testid="grid"]')!
        if (g.scrollTop + g.clientHeight >= g.scrollHeight - 1) return true
        g.scrollTop += g.clientHeight
        return false
      })
      if (atEnd) break
      // The scroll event and React's render come after scrollTop is set: until
      // the rendered rows cover the new viewport, the old (loaded) cells would
      // be read again and the last screen missed.
      await waitRowsCoverViewport(page)
    }
    expect(seen.size).toBe(total)
  })

  it('filters by view D02: only D02 cells, scroll reset, status bar counts match', async () => {
    const total = await count(page, 'status-overall-total')
    const d02 = await count(page, 'status-view-D02', 'data-overall')
    expect(d02).toBe(FRAMES_PER_VIEW)

    await page.click('[data-testid="filter-view-D02"]')
    expect(await page.getAttribute('[data-testid="filter-view-D02"]', 'aria-pressed')).toBe('true')
    await waitCount(page, 'status-filter-total', d02)
    await page.waitForFunction((n) => document.querySelector('[data-testid="grid"]')?.getAttribute('data-total') === String(n), d02)
    await waitCellsLoaded(page)

    expect(await page.$eval(GRID, (g) => g.scrollTop)).toBe(0)
    const views = await page.locator(LOADED_CELL).evaluateAll((cells) => cells.map((c) => c.getAttribute('data-view')))
    expect(views.length).toBeGreaterThan(0)
    expect(new Set(views)).toEqual(new Set(['D02']))
    expect(await count(page, 'status-view-D02')).toBe(d02)
    expect(await count(page, 'status-view-D01')).toBe(0)
    expect(await count(page, 'status-overall-total')).toBe(total)
    // Per-status counts of the filtered set add up to it.
    let statusSum = 0
    for (const s of ['unlabeled', 'labeled', 'normal', 'needs-review']) statusSum += await count(page, `status-status-${s}`)
    expect(statusSum).toBe(d02)
    await page.screenshot({ path: join(screens, 'grid-d02.png') })

    await page.click('[data-testid="filter-view-D02"]')
    await waitCount(page, 'status-filter-total', total)
    await page.waitForFunction((n) => document.querySelector('[data-testid="grid"]')?.getAttribute('data-total') === String(n), total)
  })

  it('moves the selection with the keyboard and keeps it in view', async () => {
    const total = await count(page, 'status-overall-total')
    await waitCellsLoaded(page)
    await page.click('[data-testid="grid-cell"][data-index="0"]')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('grid')
    expect(await selectedIndex(page)).toBe(0)
    const cols = await gridColumns(page)
    expect(cols).toBeGreaterThan(1)

    await page.keyboard.press('ArrowRight')
    expect(await selectedIndex(page)).toBe(1)
    await page.keyboard.press('ArrowDown')
    expect(await selectedIndex(page)).toBe(1 + cols)
    await page.keyboard.press('ArrowLeft')
    expect(await selectedIndex(page)).toBe(cols)
    await page.keyboard.press('ArrowUp')
    expect(await selectedIndex(page)).toBe(0)
    expect(await page.getAttribute(GRID, 'aria-activedescendant')).toBe('grid-cell-0')

    await page.keyboard.press('End')
    expect(await selectedIndex(page)).toBe(total - 1)
    expect(await cellInView(page, total - 1)).toBe(true)
    expect(await page.$eval(GRID, (g) => g.scrollTop)).toBeGreaterThan(0)

    await page.keyboard.press('Home')
    expect(await selectedIndex(page)).toBe(0)
    expect(await page.$eval(GRID, (g) => g.scrollTop)).toBe(0)

    await page.keyboard.press('PageDown')
    const paged = await selectedIndex(page)
    expect(paged).toBeGreaterThan(0)
    expect(paged % cols).toBe(0)
    expect(await cellInView(page, paged)).toBe(true)

    // I opens the selected frame's details (Enter opens the editor); Escape closes them.
    const id = await page.getAttribute('[data-testid="grid-cell"][aria-selected="true"]', 'data-image-id')
    await page.keyboard.press('i')
    const panel = page.locator('[data-testid="detail-panel"]')
    await panel.waitFor()
    expect(await panel.getAttribute('data-image-id')).toBe(id)
    await page.locator('[data-testid="detail-fields"]').waitFor()
    await page.locator('[data-testid="detail-labels"]').waitFor()
    await page.screenshot({ path: join(screens, 'detail.png') })
    // The panel follows the selection.
    await page.keyboard.press('ArrowRight')
    const next = await page.getAttribute('[data-testid="grid-cell"][aria-selected="true"]', 'data-image-id')
    await page.waitForFunction((want) => document.querySelector('[data-testid="detail-panel"]')?.getAttribute('data-image-id') === want, next)
    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })
  })

  it('imports a folder through the dialog and shows the summary and the new counts', async () => {
    const before = await count(page, 'status-overall-total')
    const folder = mkdtempSync(join(tmpdir(), 'ds-grid-import-'))
    try {
      mkdirSync(join(folder, 'D03'))
      for (let i = 0; i < 3; i++) {
        const raw = Buffer.alloc(48 * 64, 40 + i * 60)
        await sharp(raw, { raw: { width: 48, height: 64, channels: 1 } })
          .png()
          .toFile(join(folder, 'D03', `new_${i}.png`))
      }
      writeFileSync(join(folder, 'D03', 'broken.jpg'), 'not a jpeg')

      await page.click('[data-testid="open-import"]')
      await page.locator('[data-testid="import-dialog"]').waitFor()
      await page.fill('[data-testid="import-folder"]', folder)
      await page.click('[data-testid="import-start"]')
      const summary = page.locator('[data-testid="import-summary"]')
      await summary.waitFor({ timeout: 60_000 })
      expect(await summary.getAttribute('data-state')).toBe('done')
      expect(await page.textContent('[data-testid="import-imported"]')).toBe('3')
      expect(await page.textContent('[data-testid="import-failed-count"]')).toBe('1')
      expect(await page.textContent('[data-testid="import-failed"]')).toContain('broken.jpg')
      await page.screenshot({ path: join(screens, 'import-summary.png') })
      await page.click('[data-testid="import-done"]')
      await page.locator('[data-testid="import-dialog"]').waitFor({ state: 'detached' })

      // workspace.changed refreshes the counts and the grid without a reload.
      await waitCount(page, 'status-overall-total', before + 3)
      await page.waitForFunction((n) => document.querySelector('[data-testid="grid"]')?.getAttribute('data-total') === String(n), before + 3)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })

  it('enforces the CSP: inline scripts are refused, React style props still apply', async () => {
    const before = problems.length
    const result = await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      document.body.appendChild(s)
      const dot = document.querySelector<HTMLElement>('[data-testid="cell-classes"] .dot')
      return {
        inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true,
        dotColour: dot ? getComputedStyle(dot).backgroundColor : null
      }
    })
    expect(result.inlineRan).toBe(false)
    expect(result.dotColour).toMatch(/^rgb/)
    expect(result.dotColour).not.toBe('rgba(0, 0, 0, 0)')
    // The refusal is reported; it is this test's own doing, so it is not a problem for the last check.
    await expect.poll(() => problems.slice(before).join('\n')).toMatch(/CSP violation: script-src/)
    problems.splice(before)
  })

  it('start screen: a wrong path is reported, the workspace reopens from the recent list', async () => {
    await page.click('[data-testid="close-workspace"]')
    await page.locator('[data-testid="start-screen"]').waitFor()
    await page.fill('[data-testid="workspace-path"]', join(studio.workspaceDir, 'no-such-workspace'))
    await page.click('[data-testid="workspace-open"]')
    const error = page.locator('[data-testid="start-error"]')
    await error.waitFor()
    expect(await error.textContent()).toMatch(/No folder at .*\(not_found\)/)

    const recent = page.locator(`[data-testid="recent-workspace"][data-dir="${studio.workspaceDir}"]`)
    await recent.click()
    await page.locator(GRID).waitFor()
    await count(page, 'status-overall-total')
  })

  it('creates a workspace, shows it empty, and fills the grid when a folder is imported', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ds-grid-create-'))
    try {
      const images = join(root, 'incoming', 'D01')
      mkdirSync(images, { recursive: true })
      for (let i = 0; i < 2; i++) {
        await sharp(Buffer.alloc(32 * 48, 90 + i * 70), { raw: { width: 32, height: 48, channels: 1 } })
          .png()
          .toFile(join(images, `fresh_${i}.png`))
      }
      await page.click('[data-testid="close-workspace"]')
      await page.locator('[data-testid="start-screen"]').waitFor()
      await page.fill('[data-testid="workspace-path"]', join(root, 'ws'))
      await page.fill('[data-testid="workspace-name-input"]', 'Fresh line')
      await page.click('[data-testid="workspace-create"]')
      await page.locator('[data-testid="grid-empty"]').waitFor()
      expect(await page.textContent('[data-testid="workspace-name"]')).toBe('Fresh line')
      await waitCount(page, 'status-overall-total', 0)

      await page.click('[data-testid="open-import"]')
      await page.fill('[data-testid="import-folder"]', join(root, 'incoming'))
      await page.click('[data-testid="import-start"]')
      await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
      expect(await page.textContent('[data-testid="import-imported"]')).toBe('2')
      await page.click('[data-testid="import-done"]')
      await waitCount(page, 'status-overall-total', 2)
      await waitCellsLoaded(page)
      expect(await page.locator(LOADED_CELL).count()).toBe(2)
    } finally {
      await page.click('[data-testid="close-workspace"]')
      await page.locator('[data-testid="start-screen"]').waitFor()
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('ran without page errors, console errors or CSP violations', () => {
    expect(problems).toEqual([])
  })
})
