/**
 * The real app through Playwright's Electron driver. It needs the Electron
 * binary, which an offline install lacks; there it skips and says why. The
 * same UI is covered in Chromium against the same services by the other specs.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { _electron as electron } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/studio'

function electronBinary(): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (override) return existsSync(join(override, 'electron')) ? join(override, 'electron') : null
  const pathFile = join(ROOT, 'node_modules', 'electron', 'path.txt')
  if (!existsSync(pathFile)) return null
  const file = join(ROOT, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(file) ? file : null
}

const binary = electronBinary()
const reason = 'no Electron binary on this machine (offline install; set ELECTRON_OVERRIDE_DIST_PATH to run it)'

describe('Electron app', () => {
  it.skipIf(!binary)(`opens the demo workspace in a secure window${binary ? '' : ` [skipped: ${reason}]`}`, async () => {
    const app = await electron.launch({ executablePath: binary!, args: [join(ROOT, 'out', 'main', 'index.js')] })
    try {
      const win = await app.firstWindow()
      // Isolated, sandboxed, no Node: the page sees neither require nor process.
      expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined')
      expect(await win.evaluate(() => typeof (window as unknown as { process?: unknown }).process)).toBe('undefined')
      const info = await win.evaluate(() => (window as unknown as { api: { app: { info(a: object): Promise<{ shell: string }> } } }).api.app.info({}))
      expect(info.shell).toBe('electron')
    } finally {
      await app.close()
    }
  })
})
