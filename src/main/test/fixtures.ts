import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeIndexedPng as writeIndexedPng, type Rgb } from '../services/imaging/pngWrite'
import { getRunSummary } from '../services/training/runsRead'
import { Workspace } from '../services/workspace'

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'ds-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

const TEST_PALETTE: Rgb[] = Array.from({ length: 256 }, (_, i): Rgb => [(i * 47) & 255, (i * 91) & 255, (i * 13) & 255])

/**
 * An 8-bit PNG of raw sample values: colour type 3 (palette) or 0 (grey),
 * through the app's own writer, with every row filter in turn so the
 * decoder's paths are all exercised.
 */
export function encodeIndexedPng(values: Uint8Array, width: number, height: number, palette = true): Buffer {
  return writeIndexedPng(values, width, height, { filters: 'mixed', ...(palette ? { palette: TEST_PALETTE } : {}) })
}

/**
 * A fresh workspace and an empty folder to import from, both removed by the
 * test's cleanup list (the workspace closed first).
 */
export function importSetup(cleanups: (() => void)[]): { ws: Workspace; src: string; root: string } {
  const { dir, cleanup } = tempDir()
  cleanups.push(cleanup)
  const ws = Workspace.create(join(dir, 'ws'))
  cleanups.unshift(() => ws.close())
  const src = join(dir, 'src')
  mkdirSync(src)
  return { ws, src, root: dir }
}

/** Polls the runs table until the run is done; a failed or cancelled run, or the timeout, throws with its state. */
export async function waitRunDone(ws: Workspace, runId: number, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const s = getRunSummary(ws, runId)
    if (s.state === 'done') return
    if (['failed', 'cancelled'].includes(s.state)) throw new Error(`run ${runId} ${s.state}: ${s.error ?? ''}`)
    if (Date.now() > end) throw new Error(`run ${runId} still ${s.state}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
