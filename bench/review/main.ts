/**
 * `node --import tsx bench/review/main.ts [--workspace <dir>] [--moves 30]`
 *
 * Runs the review benchmark against the real services. Without --workspace
 * it writes a demo workspace of 1440x2560 frames into .tmp/bench-review
 * (reused on later runs: its model and predictions are kept). Needs a built
 * renderer in out/renderer.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, startStudio, writeDemo } from '../../e2e/support/studio'
import { runReviewBench, type ReviewBenchResult } from './reviewBench'

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function benchReview(argv: string[]): Promise<ReviewBenchResult> {
  let workspace = flag(argv, 'workspace')
  if (!workspace) {
    workspace = join(ROOT, '.tmp', 'bench-review')
    if (!existsSync(join(workspace, 'workspace.sqlite'))) {
      process.stderr.write(`writing a demo workspace of 1440x2560 frames to ${workspace}\n`)
      await writeDemo(workspace, 4, '1440x2560')
    }
  }
  const studio = await startStudio({ workspace })
  try {
    return await runReviewBench({ url: studio.url, workspaceDir: workspace, moves: Number(flag(argv, 'moves') ?? 30) })
  } finally {
    await studio.close()
  }
}

if (require.main === module) {
  benchReview(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`review bench: ${(err as Error).message}\n`)
      process.exit(1)
    }
  )
}
