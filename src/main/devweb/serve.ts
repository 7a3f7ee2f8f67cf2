/**
 * `npm run dev:web`: the UI in any browser, bound to the real services over
 * the loopback web transport. A development and test tool for machines where
 * Electron can't start; it is never part of a build.
 */
import { resolve } from 'node:path'
import { createHandlers } from '../app/handlers'
import { Session } from '../app/session'
import { defaultDataDir } from '../app/dataDir'
import { openStartWorkspace, startNoticeText } from '../app/startWorkspace'
import { startWebTransport } from '../transport/webServer'
import { setLockOwner } from '../services/workspaceLock'

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const json = argv.includes('--json')
  setLockOwner('Defect Studio dev:web')
  const session = new Session()
  const noWorkspace = argv.includes('--no-workspace')
  // A start folder without a workspace is not fatal: the start screen offers to create it.
  const startNotice = noWorkspace ? null : await openStartWorkspace(session, argv, defaultDataDir())
  if (startNotice) process.stderr.write(`dev:web: ${startNoticeText(startNotice, 'npm run dev:web')}\n`)
  const transport = await startWebTransport({
    handlers: createHandlers({ session, shell: 'web', version: process.env.npm_package_version ?? 'dev', startNotice: () => startNotice }),
    events: session.events,
    rendererDir: resolve(flag('renderer') ?? 'out/renderer'),
    ...(flag('port') ? { port: Number(flag('port')) } : {})
  })
  if (json) {
    process.stdout.write(JSON.stringify({ url: transport.url, port: transport.port, workspace: session.workspace?.dir ?? null }) + '\n')
  } else {
    process.stdout.write(
      `Defect Studio (web transport, development only)\n  workspace: ${session.workspace?.dir ?? 'none'}\n  open: ${transport.url}\n  Ctrl+C to stop.\n`
    )
  }
  const stop = (): void => {
    void transport
      .close()
      .then(() => session.close())
      .finally(() => process.exit(0))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((err: unknown) => {
  process.stderr.write(`dev:web: ${(err as Error).message}\n`)
  process.exit(1)
})
