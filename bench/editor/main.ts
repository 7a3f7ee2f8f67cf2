/**
 * `node --import tsx bench/editor/main.ts [--workspace <dir>] [--frames 240]`
 *
 * Runs the editor benchmark against the real services. Without --workspace it
 * writes a demo workspace of 1440x2560 frames into .tmp/bench-editor (reused
 * on later runs; the bench writes synthetic labels into it). Needs a built
 * renderer in out/renderer.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT, startStudio, writeDemo } from '../../e2e/support/studio'
import { runEditorBench, type EditorBenchResult } from './editorBench'

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : undefined
}

export async function benchEditor(argv: string[]): Promise<EditorBenchResult> {
  let workspace = flag(argv, 'workspace')
  if (!workspace) {
    workspace = join(ROOT, '.tmp', 'bench-editor')
    if (!existsSync(join(workspace, 'workspace.sqlite'))) {
      process.stderr.write(`writing a demo workspace of 1440x2560 frames to ${workspace}\n`)
      await writeDemo(workspace, 4, '1440x2560')
    }
  }
  const studio = await startStudio({ workspace })
  try {
    return await runEditorBench({ url: studio.url, workspaceDir: workspace, frames: Number(flag(argv, 'frames') ?? 240) })
  } finally {
    await studio.close()
  }
}

if (require.main === module) {
  benchEditor(process.argv.slice(2)).then(
    (r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'),
    (err: unknown) => {
      process.stderr.write(`editor bench: ${(err as Error).message}\n`)
      process.exit(1)
    }
  )
}
