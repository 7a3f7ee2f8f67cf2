import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { StartNotice } from '../../shared/contract'
import { createDemoWorkspace } from '../services/demo/demoWorkspace'
import { isWorkspace } from '../services/workspace'
import type { Session } from './session'

/** `--workspace <dir>`, `--workspace=<dir>` or DEFECT_STUDIO_WORKSPACE; undefined when none is given. */
export function givenWorkspace(argv: string[]): string | undefined {
  const i = argv.indexOf('--workspace')
  const given = (i >= 0 ? argv[i + 1] : undefined) ?? argv.find((a) => a.startsWith('--workspace='))?.slice(12) ?? process.env.DEFECT_STUDIO_WORKSPACE
  return given ? resolve(given) : undefined
}

/**
 * The workspace the app opens at start: the given one, else the demo
 * workspace in the user-data folder, written on first use.
 */
export async function resolveStartWorkspace(argv: string[], userDataDir: string): Promise<string> {
  const given = givenWorkspace(argv)
  if (given) return given
  const demo = join(userDataDir, 'demo-workspace')
  if (!isWorkspace(demo)) {
    const { workspace } = await createDemoWorkspace(demo)
    workspace.close()
  }
  return demo
}

/** Why `dir` cannot simply be opened, or null when it holds a workspace. */
export function startProblem(dir: string): StartNotice | null {
  if (isWorkspace(dir)) return null
  if (!existsSync(dir)) return { dir, state: 'missing', message: `There is no folder at ${dir} yet.` }
  if (!statSync(dir).isDirectory()) return { dir, state: 'file', message: `${dir} is a file, not a folder.` }
  const empty = readdirSync(dir).length === 0
  return {
    dir,
    state: empty ? 'empty' : 'not_workspace',
    message: empty ? `${dir} is an empty folder, not a workspace yet.` : `${dir} holds files but no Defect Studio workspace.`
  }
}

/**
 * Opens the start workspace; with `--create` makes it first when the folder
 * is missing or holds no workspace. Otherwise nothing is opened and the
 * notice says what is there, for the start screen to offer Create (and for
 * the terminal).
 */
export async function openStartWorkspace(session: Session, argv: string[], userDataDir: string): Promise<StartNotice | null> {
  const dir = await resolveStartWorkspace(argv, userDataDir)
  const problem = startProblem(dir)
  if (!problem) {
    await session.open(dir)
    return null
  }
  if (argv.includes('--create') && problem.state !== 'file') {
    await session.create(dir)
    return null
  }
  return problem
}

/** The terminal's line for a start notice: what is there, and the two ways to create it. */
export function startNoticeText(n: StartNotice, command: string): string {
  if (n.state === 'file') return `${n.message} Give --workspace a folder.`
  return `${n.message} Start again with --create to make a workspace there (${command} -- --workspace ${n.dir} --create), or press Create workspace on the start screen.`
}
