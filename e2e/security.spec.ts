/**
 * Security, observed from outside in Debian's Chromium against the real
 * services: during a whole session (open the workspace, browse the grid and
 * a frame's details, import a folder) the page requests nothing but its own
 * origin, the server process opens no outbound connection and looks up no
 * host, and the CSP refuses inline scripts and remote fetches. The
 * label-train-review flow joins this spec (same helpers) when its UI lands.
 * Electron-only rules (window options, navigation, permissions, IPC sender
 * checks, fuses) are unit-tested in src/main/security and e2e/packaging.spec.ts,
 * and checked live by e2e/electron.spec.ts where an Electron binary exists.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGuardedStudio, recordPageNetwork, type GuardedStudio, type PageNetwork } from './support/network'
import { launchChromium, ROOT } from './support/studio'

describe('offline guarantee and CSP in the browser', () => {
  let studio: GuardedStudio
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let net: PageNetwork
  const violations: string[] = []

  beforeAll(async () => {
    studio = await startGuardedStudio({ framesPerView: 4 })
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    net = recordPageNetwork(context, studio.origin)
    page = await context.newPage()
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
    })
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().startsWith('CSP violation')) violations.push(m.text())
    })
  })

  afterAll(async () => {
    await browser?.close()
    await studio?.close()
  })

  it('opens the workspace, browses and imports, requesting only its own origin', async () => {
    await page.goto(studio.url)
    await page.locator('[data-testid="grid"], [data-testid="start-screen"]').first().waitFor()
    if (await page.locator('[data-testid="start-screen"]').count()) {
      await page.fill('[data-testid="workspace-path"]', studio.workspaceDir)
      await page.click('[data-testid="workspace-open"]')
    }
    await page.locator('[data-testid="grid"]').waitFor()
    // Browse: thumbnails load, the selection moves to the end of the grid and back.
    const thumbsLoaded = () => page.waitForFunction(() => [...document.querySelectorAll('[data-testid="grid-cell"] img')].some((i) => (i as HTMLImageElement).naturalWidth > 0))
    await thumbsLoaded()
    await page.click('[data-testid="grid-cell"][data-index="0"]')
    await page.keyboard.press('End')
    await thumbsLoaded()
    await page.keyboard.press('Home')

    const folder = mkdtempSync(join(tmpdir(), 'ds-sec-import-'))
    try {
      mkdirSync(join(folder, 'D04'))
      for (let i = 0; i < 2; i++) {
        await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 30 + 90 * i, g: 120, b: 60 } } })
          .png()
          .toFile(join(folder, 'D04', `n${i}.png`))
      }
      await page.click('[data-testid="open-import"]')
      await page.fill('[data-testid="import-folder"]', folder)
      await page.click('[data-testid="import-start"]')
      await page.locator('[data-testid="import-summary"]').waitFor({ timeout: 60_000 })
      expect(await page.textContent('[data-testid="import-imported"]')).toBe('2')
      await page.click('[data-testid="import-done"]')
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }

    expect(net.requests.length).toBeGreaterThan(5)
    expect(net.foreignRequests()).toEqual([])
    expect(net.requests.some((r) => r.url.includes('/__studio/rpc/import.start'))).toBe(true)
  })

  it('the server process made no outbound connection and looked up no host', () => {
    expect(studio.outboundConnections()).toEqual([])
  })

  it('the CSP refuses an injected inline script and a fetch to a remote origin; nothing leaves the page', async () => {
    const before = net.requests.length
    const result = await page.evaluate(async () => {
      const s = document.createElement('script')
      s.textContent = 'window.__inlineRan = true'
      document.body.appendChild(s)
      let fetched: string
      try {
        await fetch('https://example.com/collect?x=1')
        fetched = 'sent'
      } catch (e) {
        fetched = `refused: ${(e as Error).name}`
      }
      const img = new Image()
      img.src = 'https://example.com/pixel.gif'
      await new Promise((ok) => {
        img.onerror = ok
        img.onload = ok
      })
      return { inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true, fetched, imgLoaded: img.naturalWidth > 0 }
    })
    expect(result).toEqual({ inlineRan: false, fetched: 'refused: TypeError', imgLoaded: false })
    await expect.poll(() => violations.join('\n')).toMatch(/script-src/)
    await expect.poll(() => violations.join('\n')).toMatch(/connect-src https:\/\/example\.com/)
    expect(violations.join('\n')).toMatch(/img-src https:\/\/example\.com/)
    // Chromium may report the refused image as a request; if so, it failed as blocked by the CSP and never left.
    await expect.poll(() => net.foreignRequestsSent()).toEqual([])
    for (const r of net.requests.slice(before).filter((x) => x.url.includes('example.com'))) expect(r.failure).toMatch(/csp/i)
  })
})

describe('the network guard itself', () => {
  it('records the outbound attempts of a process it is loaded into', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-guard-'))
    try {
      const log = join(dir, 'net.log')
      writeFileSync(log, '')
      execFileSync(
        process.execPath,
        [
          '--import',
          join(ROOT, 'e2e', 'support', 'netGuard.mjs'),
          '-e',
          "const net = require('node:net'); const dns = require('node:dns'); const s = net.connect(9, '127.0.0.1'); s.on('error', () => {}); dns.lookup('localhost', () => {}); setTimeout(() => s.destroy(), 50)"
        ],
        { env: { ...process.env, DEFECT_STUDIO_NET_LOG: log } }
      )
      const entries = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; target: string })
      expect(entries.map((e) => `${e.kind} ${e.target}`)).toEqual(expect.arrayContaining(['connect 127.0.0.1:9', 'dns localhost']))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
