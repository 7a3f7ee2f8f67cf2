/**
 * Starts the real main-process services behind the loopback web transport,
 * as separate processes (e2e never imports src/main): the CLI writes a demo
 * workspace, then `src/main/devweb/serve.ts` serves the built renderer.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { chromium, type Browser } from 'playwright-core'

export const ROOT = resolve(__dirname, '..', '..')
const run = promisify(execFile)

export interface StudioOptions {
  /** Serve this workspace instead of writing a demo one. */
  workspace?: string
  framesPerView?: number
  /** Demo frame size, WxH; small by default to keep specs fast. */
  size?: string
  /** Extra modules the server process loads first (node --import), and its extra environment. */
  preload?: string[]
  env?: NodeJS.ProcessEnv
}

export interface Studio {
  url: string
  workspaceDir: string
  close(): Promise<void>
}

function nodeArgs(script: string, args: string[], preload: string[] = []): string[] {
  return ['--import', 'tsx', ...preload.flatMap((m) => ['--import', m]), join(ROOT, script), ...args]
}

/** Writes a demo workspace through the CLI, the same path a user takes. */
export async function writeDemo(dir: string, framesPerView = 6, size = '360x640'): Promise<void> {
  await run(process.execPath, nodeArgs('src/main/cli/studio.ts', ['demo', dir, '--frames-per-view', String(framesPerView), '--size', size]), {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024
  })
}

export async function startStudio(opts: StudioOptions = {}): Promise<Studio> {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('No built renderer in out/renderer: run `npm run build` before the e2e specs (npm test does).')
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ds-e2e-'))
  const workspaceDir = opts.workspace ?? join(tmp, 'demo')
  if (!opts.workspace) await writeDemo(workspaceDir, opts.framesPerView, opts.size)
  const child = spawn(process.execPath, nodeArgs('src/main/devweb/serve.ts', ['--workspace', workspaceDir, '--json'], opts.preload), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env }
  })
  const url = await readUrl(child)
  return {
    url,
    workspaceDir,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(tmp, { recursive: true, force: true })
    }
  }
}

function readUrl(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    let out = ''
    let err = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) ok((JSON.parse(line) as { url: string }).url)
    })
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => fail(new Error(`dev:web server exited with ${code}: ${err}`)))
  })
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Debian's Chromium, headless, with everything that would touch the network switched off. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH).`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      '--disable-dev-shm-usage'
    ]
  })
}
