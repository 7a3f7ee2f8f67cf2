/**
 * The polygon mask editor in Debian's Chromium against the real services, on
 * the demo workspace (360x640 frames), opened from the grid like a user does:
 * drawing, vertex editing, undo/redo, classes, zoom and pan, the fill matching
 * the shared rasteriser, autosave surviving a reload, copying to the next
 * frame of the view, and statuses.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClassDef, Label, StudioApi } from '../src/shared/contract'
import { rasterizeInto } from '../src/shared/geometry/raster'
import { launchChromium, startStudio, type Studio } from './support/studio'

interface Poly {
  key: string
  classId: number
  points: number[]
  source: string
}
interface Snap {
  frame: { imageId: number; width: number; height: number }
  polygons: Poly[]
  selectedKey: string | null
  selectedVertex: number | null
  activeClassId: number
  classes: ClassDef[]
  classPrefs: [number, { hidden: boolean; locked: boolean }][]
  view: { scale: number; x: number; y: number }
  dirty: boolean
  status: string
  serverIds: [string, number][]
  message: { text: string; kind: string } | null
}

/** What the page exposes: the contract and the editor's test hooks (src/renderer/src/editor/ui/testHooks.ts). */
interface EditorPage {
  api: StudioApi
  __editorTest?: {
    snapshot(): unknown
    nav(): { index: number; shownId: number | null; loading: boolean }
    imageToClient(x: number, y: number): [number, number]
    readFillMask(): { width: number; height: number; data: number[] }
    flush(): Promise<void>
  }
}

const snap = (page: Page) => page.evaluate(() => (window as unknown as EditorPage).__editorTest!.snapshot() as unknown) as Promise<Snap>
const toClient = (page: Page, x: number, y: number) => page.evaluate(([a, b]) => (window as unknown as EditorPage).__editorTest!.imageToClient(a!, b!), [x, y] as const)
const labelsOf = (page: Page, imageId: number) => page.evaluate((id) => (window as unknown as EditorPage).api.labels.list({ imageId: id }), imageId) as Promise<Label[]>

async function clickAt(page: Page, x: number, y: number, modifiers: ('Alt' | 'Shift')[] = []): Promise<void> {
  const [cx, cy] = await toClient(page, x, y)
  for (const m of modifiers) await page.keyboard.down(m)
  await page.mouse.click(cx, cy)
  for (const m of modifiers) await page.keyboard.up(m)
}

async function dragImage(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const [ax, ay] = await toClient(page, ...from)
  const [bx, by] = await toClient(page, ...to)
  await page.mouse.move(ax, ay)
  await page.mouse.down()
  await page.mouse.move(bx, by, { steps: 8 })
  await page.mouse.up()
}

/** Waits until every edit is saved, then returns the state. */
async function saved(page: Page): Promise<Snap> {
  await page.evaluate(() => (window as unknown as EditorPage).__editorTest!.flush())
  await page.locator('[data-testid="save-state"][data-state="saved"]').waitFor()
  return snap(page)
}

async function openFromGrid(page: Page, index: number): Promise<number> {
  if (await page.locator('[data-testid="editor"]').count()) {
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
  }
  await page.click(`[data-testid="grid-cell"][data-index="${index}"]`)
  await page.keyboard.press('Enter')
  await page.locator('[data-testid="editor"]:not([data-shown-id=""])[data-loading="false"]').waitFor()
  return Number(await page.getAttribute('[data-testid="editor"]', 'data-shown-id'))
}

async function waitShown(page: Page, id: number): Promise<void> {
  await page.locator(`[data-testid="editor"][data-shown-id="${id}"][data-loading="false"]`).waitFor()
}

describe('polygon mask editor', () => {
  let studio: Studio
  let browser: Browser
  let page: Page
  const problems: string[] = []
  let firstId = 0
  let drawnKey = ''
  const square: [number, number][] = [
    [200, 100],
    [300, 100],
    [300, 180],
    [200, 180]
  ]

  beforeAll(async () => {
    studio = await startStudio({ framesPerView: 6 })
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
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
    firstId = await openFromGrid(page, 0)
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
  })

  it('draws a polygon by clicks and closes it on the first vertex; Backspace and Esc work while drawing', async () => {
    const before = (await snap(page)).polygons.length
    await page.keyboard.press('p')
    // A stray start, cancelled with Esc.
    await clickAt(page, 50, 50)
    await page.keyboard.press('Escape')
    expect((await snap(page)).polygons).toHaveLength(before)
    for (const [x, y] of square) await clickAt(page, x + 0.2, y + 0.7)
    // A fifth vertex, taken back with Backspace.
    await clickAt(page, 250, 300)
    await page.keyboard.press('Backspace')
    await clickAt(page, square[0]![0], square[0]![1])
    const s = await saved(page)
    expect(s.polygons).toHaveLength(before + 1)
    const drawn = s.polygons[s.polygons.length - 1]!
    drawnKey = drawn.key
    expect(drawn.points).toEqual(square.flatMap(([x, y]) => [x + 0.5, y + 0.5]))
    expect(drawn).toMatchObject({ classId: s.classes[0]!.id, source: 'manual' })
    const stored = await labelsOf(page, firstId)
    expect(stored.some((l) => JSON.stringify(l.points) === JSON.stringify(drawn.points))).toBe(true)
    // The side panel lists it with its raster area: 101 x 81 pixel centres.
    const row = page.locator(`[data-testid="polygon-row"][data-key="${drawnKey}"]`)
    expect(await row.getAttribute('data-area')).toBe(String(101 * 81))
    expect(await row.getAttribute('data-selected')).toBe('true')
  })

  it('drags a vertex, and undo and redo treat the drag as one step', async () => {
    await page.keyboard.press('v')
    await clickAt(page, 250, 140)
    expect((await snap(page)).selectedKey).toBe(drawnKey)
    await dragImage(page, [300.5, 180.5], [331.2, 207.9])
    const moved = (await snap(page)).polygons.find((p) => p.key === drawnKey)!
    expect(moved.points.slice(4, 6)).toEqual([331.5, 207.5])
    await page.keyboard.press('Control+z')
    expect((await snap(page)).polygons.find((p) => p.key === drawnKey)!.points.slice(4, 6)).toEqual([300.5, 180.5])
    await page.keyboard.press('Control+Shift+z')
    expect((await snap(page)).polygons.find((p) => p.key === drawnKey)!.points.slice(4, 6)).toEqual([331.5, 207.5])
    await page.keyboard.press('Control+z')
    await page.keyboard.press('Control+y')
    const s = await saved(page)
    expect(s.polygons.find((p) => p.key === drawnKey)!.points.slice(4, 6)).toEqual([331.5, 207.5])
  })

  it('inserts a vertex on an edge click and deletes vertices, never below three', async () => {
    await clickAt(page, 250.2, 100.5)
    let s = await snap(page)
    let poly = s.polygons.find((p) => p.key === drawnKey)!
    expect(poly.points.slice(0, 4)).toEqual([200.5, 100.5, 250.5, 100.5])
    expect(s.selectedVertex).toBe(1)
    await page.keyboard.press('Delete')
    poly = (await snap(page)).polygons.find((p) => p.key === drawnKey)!
    expect(poly.points).toHaveLength(8)
    await clickAt(page, 200.5, 180.5, ['Alt'])
    await clickAt(page, 200.5, 100.5, ['Alt'])
    s = await snap(page)
    expect(s.polygons.find((p) => p.key === drawnKey)!.points).toHaveLength(6)
    expect(s.message?.text).toMatch(/at least 3/)
    await page.keyboard.press('Control+z')
    expect((await saved(page)).polygons.find((p) => p.key === drawnKey)!.points).toHaveLength(8)
  })

  it('switches class by key and hides a class', async () => {
    const classes = (await snap(page)).classes
    await page.keyboard.press('2')
    let s = await snap(page)
    expect(s.activeClassId).toBe(classes[1]!.id)
    expect(s.polygons.find((p) => p.key === drawnKey)!.classId).toBe(classes[1]!.id)
    await page.keyboard.press('Escape')
    await page.keyboard.press('o')
    const inside = () => page.evaluate(() => (window as unknown as EditorPage).__editorTest!.readFillMask().data[150 * 360 + 250])
    expect(await inside()).toBe(1)
    await page.keyboard.press('Shift+Digit2')
    expect(await page.getAttribute(`[data-testid="class-row"][data-class-id="${classes[1]!.id}"]`, 'data-hidden')).toBe('true')
    expect(await inside()).toBe(0)
    // A hidden class cannot be picked on the canvas.
    await clickAt(page, 250, 140)
    expect((await snap(page)).selectedKey).not.toBe(drawnKey)
    await page.click(`[data-testid="class-row"][data-class-id="${classes[1]!.id}"] [data-testid="class-hide"]`)
    expect(await inside()).toBe(1)
    s = await saved(page)
    expect((await labelsOf(page, firstId)).find((l) => l.id === new Map(s.serverIds).get(drawnKey))!.classId).toBe(classes[1]!.id)
  })

  it('draws fills with exactly the pixels of the shared rasteriser', async () => {
    // A thin slanted crack and a concave shape join what the demo frame already holds.
    await page.keyboard.press('p')
    await page.keyboard.press('1')
    for (const [x, y] of [[40, 420], [44, 418], [150, 560], [146, 563]] as const) await clickAt(page, x, y)
    await page.keyboard.press('Enter')
    for (const [x, y] of [[200, 400], [330, 410], [260, 450], [320, 530]] as const) await clickAt(page, x, y)
    const [dx, dy] = await toClient(page, 210, 500)
    await page.mouse.dblclick(dx, dy)
    await page.keyboard.press('Escape')
    await page.keyboard.press('o')
    const s = await saved(page)
    const { width, height } = s.frame
    const expected = new Uint8Array(width * height)
    for (const p of s.polygons) rasterizeInto(expected, width, height, p.points, 1)
    const drawn = await page.evaluate(() => (window as unknown as EditorPage).__editorTest!.readFillMask())
    expect(drawn.width).toBe(width)
    let differ = 0
    for (let k = 0; k < expected.length; k++) if (drawn.data[k] !== expected[k]) differ++
    expect(differ).toBe(0)
    expect(expected.reduce((a, v) => a + v, 0)).toBeGreaterThan(10_000)
  })

  it('zooms towards the cursor and pans: the vertex under the cursor stays under it', async () => {
    await page.keyboard.press('f')
    const [vx, vy] = [331.5, 207.5]
    const at = () => toClient(page, vx, vy)
    // Mouse events carry whole CSS pixels: put the cursor on the pixel holding the vertex.
    const [c0x, c0y] = await at()
    const [mx, my] = [Math.round(c0x), Math.round(c0y)]
    await page.mouse.move(mx, my)
    const scale0 = (await snap(page)).view.scale
    await page.mouse.wheel(0, -300)
    await page.waitForFunction((s) => ((window as unknown as EditorPage).__editorTest!.snapshot() as { view: { scale: number } }).view.scale > s * 1.5, scale0)
    const k = (await snap(page)).view.scale / scale0
    let [nx, ny] = await at()
    // The image point under the cursor is fixed, so the vertex keeps its offset from the cursor, scaled.
    expect(nx).toBeCloseTo(mx + (c0x - mx) * k, 6)
    expect(ny).toBeCloseTo(my + (c0y - my) * k, 6)
    expect(Math.hypot(nx - mx, ny - my)).toBeLessThan(1.5)
    // Space-drag pans: the vertex moves with the cursor, exactly.
    const [px, py] = [nx, ny]
    await page.keyboard.down('Space')
    await page.mouse.down()
    await page.mouse.move(mx + 70, my - 45, { steps: 5 })
    await page.mouse.up()
    await page.keyboard.up('Space')
    ;[nx, ny] = await at()
    expect([nx - px, ny - py].map((v) => Math.round(v * 1000) / 1000)).toEqual([70, -45])
    // So does a middle-button drag, and panning edits nothing.
    await page.mouse.down({ button: 'middle' })
    await page.mouse.move(mx + 40, my - 25, { steps: 3 })
    await page.mouse.up({ button: 'middle' })
    const [qx, qy] = await at()
    expect([qx - nx, qy - ny].map((v) => Math.round(v * 1000) / 1000)).toEqual([-30, 20])
    expect((await snap(page)).dirty).toBe(false)
  })

  it('keeps every edit across a reload, even one made just before closing', async () => {
    await page.keyboard.press('v')
    await page.keyboard.press('f')
    await clickAt(page, 250, 140)
    await dragImage(page, [250, 140], [260, 150])
    // Close at once: Esc deselects, the second Esc closes after saving.
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    const before = (await labelsOf(page, firstId)).map((l) => ({ classId: l.classId, points: l.points }))
    await page.reload()
    await page.locator('[data-testid="grid-cell"][data-image-id]').first().waitFor()
    expect(await openFromGrid(page, 0)).toBe(firstId)
    const after = (await snap(page)).polygons.map((p) => ({ classId: p.classId, points: p.points }))
    expect(after).toEqual(before)
    expect(after.some((p) => p.points[0] === 210.5 && p.points[1] === 110.5)).toBe(true)
  })

  it('copies the selected polygon to the next frame of the same view', async () => {
    const s = await snap(page)
    const moved = s.polygons.find((p) => p.points[0] === 210.5 && p.points[1] === 110.5)!
    await page.keyboard.press('v')
    await clickAt(page, 260, 150)
    expect((await snap(page)).selectedKey).toBe(moved.key)
    await page.keyboard.press('c')
    // The demo marks defect-free frames normal: copying a defect there asks first (see the test after next).
    await page.locator('[data-testid="editor-message"]:has-text("Copied 1 polygon"), [data-testid="editor-confirm"]').first().waitFor()
    if (await page.locator('[data-testid="editor-confirm"]').count()) await page.click('[data-testid="editor-confirm-yes"]')
    await page.locator('[data-testid="editor-message"]', { hasText: 'Copied 1 polygon' }).waitFor()
    await page.keyboard.press('d')
    await page.waitForFunction((id) => (window as unknown as EditorPage).__editorTest!.nav().shownId !== id && !(window as unknown as EditorPage).__editorTest!.nav().loading, firstId)
    const there = await snap(page)
    expect(there.frame.imageId).not.toBe(firstId)
    expect(there.polygons.some((p) => JSON.stringify(p.points) === JSON.stringify(moved.points) && p.classId === moved.classId)).toBe(true)
    expect((await labelsOf(page, there.frame.imageId)).some((l) => JSON.stringify(l.points) === JSON.stringify(moved.points))).toBe(true)
    // Back with A: the first frame is as it was.
    await page.keyboard.press('a')
    await waitShown(page, firstId)
  })

  it('marks a frame normal (refused while it has defect polygons) and the grid shows the status', async () => {
    // Move to a frame without defect polygons: delete them if needed.
    await page.keyboard.press('d')
    await page.waitForFunction((id) => (window as unknown as EditorPage).__editorTest!.nav().shownId !== id && !(window as unknown as EditorPage).__editorTest!.nav().loading, firstId)
    let s = await snap(page)
    const defects = new Set(s.classes.filter((c) => c.kind === 'defect').map((c) => c.id))
    if (s.polygons.some((p) => defects.has(p.classId))) {
      await page.keyboard.press('n')
      await page.locator('[data-testid="editor-message"][data-kind="error"]', { hasText: 'before marking it normal' }).waitFor()
      await page.keyboard.press('v')
      for (const p of s.polygons.filter((q) => defects.has(q.classId))) {
        await page.click(`[data-testid="polygon-row"][data-key="${p.key}"]`)
        await page.keyboard.press('Delete')
      }
    }
    await page.keyboard.press('n')
    await page.locator('[data-testid="editor-status"][data-status="normal"]').waitFor()
    s = await saved(page)
    const id = s.frame.imageId
    expect(await page.evaluate((i) => (window as unknown as EditorPage).api.images.get({ id: i }).then((d) => d.status), id)).toBe('normal')
    await page.click('[data-testid="editor-close"]')
    await page.locator('[data-testid="editor"]').waitFor({ state: 'detached' })
    await page.locator(`[data-testid="grid-cell"][data-image-id="${id}"][data-status="normal"]`).waitFor()
    expect(problems).toEqual([])
  })

  it('asks before copying a defect onto a normal frame; undo there marks it normal again', async () => {
    const statusOf = (i: number) => page.evaluate((x) => (window as unknown as EditorPage).api.images.get({ id: x }).then((d) => d.status), i)
    expect(await openFromGrid(page, 0)).toBe(firstId)
    const s = await snap(page)
    const moved = s.polygons.find((p) => p.points[0] === 210.5 && p.points[1] === 110.5)!
    expect(s.classes.find((c) => c.id === moved.classId)!.kind).toBe('defect')
    await page.keyboard.press('v')
    await clickAt(page, 260, 150)
    await page.keyboard.press('c')
    await page.locator('[data-testid="editor-confirm"]', { hasText: 'marked normal' }).waitFor()
    // Asking wrote nothing: the next frame is still normal and has no defect.
    await page.keyboard.press('d')
    await page.waitForFunction((id) => (window as unknown as EditorPage).__editorTest!.nav().shownId !== id && !(window as unknown as EditorPage).__editorTest!.nav().loading, firstId)
    const target = (await snap(page)).frame.imageId
    expect(await page.locator('[data-testid="editor-confirm"]').count()).toBe(0)
    expect(await statusOf(target)).toBe('normal')
    const defects = new Set(s.classes.filter((c) => c.kind === 'defect').map((c) => c.id))
    expect((await labelsOf(page, target)).filter((l) => defects.has(l.classId))).toEqual([])
    // Back, ask again and say yes.
    await page.keyboard.press('a')
    await waitShown(page, firstId)
    await clickAt(page, 260, 150)
    await page.keyboard.press('c')
    await page.click('[data-testid="editor-confirm-yes"]')
    await page.locator('[data-testid="editor-message"]', { hasText: 'Copied 1 polygon' }).waitFor()
    expect(await statusOf(target)).toBe('labeled')
    // Undo on the target frame takes the polygon away and the status back.
    await page.keyboard.press('d')
    await waitShown(page, target)
    await page.locator('[data-testid="editor-status"][data-status="labeled"]').waitFor()
    await page.keyboard.press('Control+z')
    await page.locator('[data-testid="editor-status"][data-status="normal"]').waitFor()
    await saved(page)
    expect(await statusOf(target)).toBe('normal')
    expect((await labelsOf(page, target)).filter((l) => defects.has(l.classId))).toEqual([])
    expect(problems).toEqual([])
  })
})

