import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where the CLI and dev:web keep the demo workspace (the app uses Electron's userData). */
export function defaultDataDir(): string {
  const xdg = process.env.XDG_DATA_HOME
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.local', 'share'), 'defect-studio')
}
