/**
 * `node --import tsx bench/grid/main.ts [--workspace <dir>] [--frames 600] [--rows-per-frame 2]`
 *
 * Runs the grid scroll benchmark against the real services. Without
 * --workspace it writes a 20,000-frame demo workspace (small frames: the grid
 * only sees thumbnails) into .tmp/bench-grid-20k, reused on later runs.
 * Needs a built renderer in out/renderer.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, startStudio, writeDemo } from '../../e2e/support/studio'
import { launchBenchChromium, runGridScrollBench, type GridScrollResult } from './scrollBench'

const FRAMES_PER_VIEW = 5000

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function benchGrid(argv: string[]): Promise<Record<string, GridScrollResult>> {
  let workspace = flag(argv, 'workspace')
  if (!workspace) {
    workspace = join(ROOT, '.tmp', 'bench-grid-20k')
    if (!existsSync(join(workspace, 'workspace.sqlite'))) {
      process.stderr.write(`writing a ${4 * FRAMES_PER_VIEW}-frame demo workspace to ${workspace} (a few minutes, once)\n`)
      await writeDemo(workspace, FRAMES_PER_VIEW, '144x256')
    }
  }
  const frames = Number(flag(argv, 'frames') ?? 600)
  const studio = await startStudio({ workspace })
  const browser = await launchBenchChromium()
  try {
    const results: Record<string, GridScrollResult> = {}
    // A reading pace (thumbnails load while scrolling) and a fling (they wait until it slows).
    const paces = flag(argv, 'rows-per-frame') ? [Number(flag(argv, 'rows-per-frame'))] : [0.25, 2]
    for (const rowsPerFrame of paces) {
      results[`rowsPerFrame=${rowsPerFrame}`] = await runGridScrollBench({ url: studio.url, browser, frames, rowsPerFrame })
    }
    return results
  } finally {
    await browser.close()
    await studio.close()
  }
}

if (require.main === module) {
  benchGrid(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`grid bench: ${(err as Error).message}\n`)
      process.exit(1)
    }
  )
}
