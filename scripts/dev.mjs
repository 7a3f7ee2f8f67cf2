// `npm run dev`: the Electron app through electron-vite, on the demo workspace
// unless --workspace <dir> is given. Offline machines have no Electron binary
// (its install step downloads it), so say that plainly and name the ways on.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const require = createRequire(import.meta.url)

function electronBinary() {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH
  if (override) {
    const exe = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron'
    const file = join(override, exe)
    return existsSync(file) ? file : { missing: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${file} does not exist` }
  }
  let dir
  try {
    dir = dirname(require.resolve('electron/package.json'))
  } catch {
    return { missing: 'the electron package is not installed (run npm ci)' }
  }
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return { missing: 'node_modules/electron has no binary: its download was skipped or failed (offline install)' }
  const file = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(file) ? file : { missing: `node_modules/electron points at ${file}, which does not exist` }
}

const binary = electronBinary()
if (typeof binary !== 'string') {
  process.stderr.write(`Defect Studio cannot start Electron: ${binary.missing}.

Ways on:
  1. Use an Electron ${require('electron/package.json').version} binary you already have (an unpacked release folder):
       ELECTRON_OVERRIDE_DIST_PATH=/path/to/electron-folder npm run dev
  2. Run the same UI in a browser against the real services (development only):
       npm run dev:web
  3. Use the headless CLI on the same services:
       npm run studio -- --help
`)
  process.exit(1)
}

const args = process.argv.slice(2)
const child = spawn(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'dev', ...(args.length ? ['--', ...args] : [])], {
  stdio: 'inherit'
})
child.on('exit', (code) => process.exit(code ?? 1))
