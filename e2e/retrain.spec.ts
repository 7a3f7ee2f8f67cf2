/**
 * The regression guard and run settings, in Debian's Chromium against the
 * real services and ML processes on a small demo workspace. A first model
 * is promoted by auto-promote; then the inspectors outline a fold on each
 * of its test frames and delete every fold label elsewhere, so the retrain has no fold output while the test
 * frames still have folds: a regression on "fold pixel AP". Auto-promote
 * must refuse it, the dialog must offer Decline first with the drop in red,
 * and the Runs page must show why, with both runs' settings side by side.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RetrainStatus, StudioApi, TrainingSettings } from '../src/shared/contract'
import { launchChromium, startStudio, type Studio } from './support/studio'

const RUN_TIMEOUT = 150_000
const TINY = { budgetMinutes: 0, size: 32, reconBase: 4, discBase: 4, reconDepth: 2, discDepth: 2, steps1: 6, steps2: 24, evalRounds: 1, batchSize: 2 } satisfies Partial<TrainingSettings>

interface StudioPage {
  api: StudioApi
}

const retrainStatus = (page: Page) => page.evaluate(() => (window as unknown as StudioPage).api.retrain.status({})) as Promise<RetrainStatus>

async function phase(page: Page, name: string, timeout = RUN_TIMEOUT): Promise<void> {
  try {
    await page.locator(`[data-testid="retrain-dialog"][data-phase="${name}"]`).waitFor({ timeout })
  } catch (err) {
    // Say where the dialog and its run are instead, so a failure explains itself.
    const at = await page.getAttribute('[data-testid="retrain-dialog"]', 'data-phase').catch(() => null)
    const runId = Number(await page.getAttribute('[data-testid="retrain-dialog"]', 'data-run-id').catch(() => ''))
    const run = runId
      ? await page.evaluate((id) => (window as unknown as StudioPage).api.runs.get({ runId: id }).then((r) => ({ state: r.state, error: r.error, autoPromote: r.autoPromote, untrained: r.outcome?.untrainedClasses, counts: r.snapshot?.counts })), runId)
      : null
    throw new Error(`retrain dialog never reached ${name}: phase ${at}, run ${runId} ${JSON.stringify(run)}: ${(err as Error).message}`)
  }
}

describe('the regression guard and run settings', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: 12, size: '48x96' })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
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
  })

  it('a regression retrain: auto-promote leaves the active model in place, Decline is the primary action and the drop is red', async () => {
    // The margin is a setting beside auto-promote, in the form.
    await page.evaluate((s) => (window as unknown as StudioPage).api.settings.setTraining(s), { ...TINY, autoPromote: true })
    await page.click('[data-testid="nav-runs"]')
    await page.click('[data-testid="settings-toggle"]')
    await page.locator('[data-testid="training-settings"][data-loaded="true"]').waitFor()
    expect(await page.inputValue('[data-testid="ts-regression-margin"]')).toBe('0.02')
    expect(await page.isChecked('[data-testid="ts-auto-promote"]')).toBe(true)
    await page.click('[data-testid="settings-toggle"]')

    // A first model: nothing to regress from, so auto-promote makes it active.
    await page.click('[data-testid="retrain-button"]')
    await phase(page, 'start')
    await page.click('[data-testid="retrain-start"]')
    await phase(page, 'promoted')
    await page.click('[data-testid="retrain-done"]')
    const first = (await retrainStatus(page)).activeModel!
    expect(first).not.toBeNull()

    // The inspectors outline a fold on each of the first run's test frames (which keep their split now that a run tested on
    // them) and delete every fold label elsewhere; a shorter stage 2 makes the settings differ too.
    const removed = await page.evaluate(async (runId) => {
      const api = (window as unknown as StudioPage).api
      const test = new Set((await api.runs.get({ runId })).snapshot!.testImageIds)
      const fold = (await api.classes.list({})).find((c) => c.name === 'fold')!.id
      for (const id of test) {
        const kept = (await api.labels.list({ imageId: id })).map((l) => ({ id: l.id, classId: l.classId, points: l.points }))
        await api.labels.save({ imageId: id, labels: [...kept, { classId: fold, points: [4.5, 4.5, 40.5, 6.5, 38.5, 60.5, 6.5, 58.5] }] })
      }
      let n = 0
      for (const id of await api.images.ids({ filter: {} })) {
        if (test.has(id)) continue
        const labels = await api.labels.list({ imageId: id })
        if (!labels.some((l) => l.classId === fold)) continue
        await api.labels.save({ imageId: id, labels: labels.filter((l) => l.classId !== fold).map((l) => ({ id: l.id, classId: l.classId, points: l.points })) })
        n++
      }
      await api.settings.setTraining({ steps2: 12 })
      return n
    }, first.runId)
    expect(removed).toBeGreaterThan(0)

    await page.click('[data-testid="retrain-button"]')
    await phase(page, 'start')
    await page.click('[data-testid="retrain-start"]')
    await phase(page, 'running', 30_000)
    const runId = Number(await page.getAttribute('[data-testid="retrain-dialog"]', 'data-run-id'))
    // Auto-promote refused: the run waits for a decision, and says why.
    await phase(page, 'decide')
    await page.locator('[data-testid="retrain-auto-refused"]', { hasText: 'fold pixel AP' }).waitFor()
    expect((await retrainStatus(page)).activeModel).toEqual(first)
    await page.locator('[data-testid="retrain-decide"][data-regressed="true"]').waitFor({ timeout: RUN_TIMEOUT })
    const cmp = '[data-testid="retrain-dialog"] [data-testid="run-comparison"]'
    expect(await page.getAttribute(cmp, 'data-basis')).toBe('current-labels')
    // The active model's own test report predates the new fold outlines: the comparison says so, and re-evaluated it.
    expect(await page.textContent(`${cmp} [data-testid="cmp-labels-changed"]`)).toMatch(/Labels changed since run #\d+: \d+ frames?; figures re-evaluated on current labels\./)
    const drop = page.locator(`${cmp} [data-testid="cmp-drop"][data-metric="fold pixel AP"]`)
    expect(await drop.textContent()).toMatch(/^fold pixel AP: no output for the class \(was \d\.\d{3}\)/)
    // Red: the theme's danger colour.
    expect(await drop.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(229, 72, 77)')
    expect(await page.getAttribute('[data-testid="retrain-decline"]', 'class')).toContain('primary')
    expect(await page.getAttribute('[data-testid="retrain-accept"]', 'class') ?? '').not.toContain('primary')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('retrain-decline')
    await page.click('[data-testid="retrain-later"]')

    // The Runs page: why auto-promote refused, the run's settings and data, and a comparison that marks what differs.
    await page.click('[data-testid="nav-runs"]')
    await page.click(`[data-testid="run-row"][data-run-id="${runId}"]`)
    const detail = `[data-testid="run-detail"][data-run-id="${runId}"][data-loaded="true"]`
    await page.locator(detail).waitFor()
    expect(await page.getAttribute(`${detail} [data-testid="run-auto-promote"]`, 'data-promoted')).toBe('false')
    expect(await page.textContent(`${detail} [data-testid="run-auto-promote"]`)).toMatch(/refused, a regression against active model #\d+: fold pixel AP/)
    expect(await page.textContent(`${detail} [data-testid="run-settings"]`)).toMatch(/batch 2, lr [\d.]+, seed \d+/)
    expect(await page.textContent(`${detail} [data-testid="run-split-counts"]`)).toMatch(/test \d+/)
    await page.selectOption('[data-testid="compare-with"]', String(first.runId))
    const runsCmp = `[data-testid="run-detail"] [data-testid="run-comparison"][data-a="${first.runId}"][data-b="${runId}"]`
    await page.locator(runsCmp).waitFor({ timeout: RUN_TIMEOUT })
    expect(await page.getAttribute(runsCmp, 'data-regressed')).toBe('true')
    const setting = (name: string) => page.locator(`${runsCmp} [data-testid="cmp-setting"][data-name="${name}"]`)
    expect(await setting('Length').getAttribute('data-differs')).toBe('true')
    expect(await setting('Length').textContent()).toMatch(/6 \+ 24 steps.*12 steps/)
    expect(await setting('Stage 1').getAttribute('data-differs')).toBe('true')
    expect(await setting('Input').getAttribute('data-differs')).toBe('false')
    expect(await setting('Optimiser').getAttribute('data-differs')).toBe('false')
    expect(await setting('Frames with fold').getAttribute('data-differs')).toBe('true')
    expect((await retrainStatus(page)).activeModel).toEqual(first)
    expect(problems).toEqual([])
  })
})
