import { join, resolve } from 'node:path'
import { createDemoWorkspace } from '../services/demo/demoWorkspace'
import { isWorkspace } from '../services/workspace'

/**
 * The workspace the app opens at start: `--workspace <dir>` or
 * DEFECT_STUDIO_WORKSPACE, else the demo workspace in the user-data folder,
 * written on first use.
 */
export async function resolveStartWorkspace(argv: string[], userDataDir: string): Promise<string> {
  const i = argv.indexOf('--workspace')
  const given = (i >= 0 ? argv[i + 1] : undefined) ?? argv.find((a) => a.startsWith('--workspace='))?.slice(12) ?? process.env.DEFECT_STUDIO_WORKSPACE
  if (given) return resolve(given)
  const demo = join(userDataDir, 'demo-workspace')
  if (!isWorkspace(demo)) {
    const { workspace } = await createDemoWorkspace(demo)
    workspace.close()
  }
  return demo
}
