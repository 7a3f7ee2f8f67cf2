import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/studio'

// Checks on what `npm run build` wrote; npm test builds before running e2e.
describe('build output', () => {
  it('the sandboxed preload requires nothing but electron', () => {
    const file = join(ROOT, 'out', 'preload', 'index.js')
    expect(existsSync(file), 'run npm run build first').toBe(true)
    const required = [...readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect([...new Set(required)]).toEqual(['electron'])
  })

  it('the renderer page carries a strict CSP and no inline script', () => {
    const html = readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)?.[1] ?? ''
    expect(csp).toMatch(/default-src 'self'/)
    expect(csp).toMatch(/script-src 'self'(;|$)/)
    expect(csp).not.toMatch(/https?:|unsafe-eval|\*/)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
  })
})
