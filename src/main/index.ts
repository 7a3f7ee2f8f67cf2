/**
 * The Electron entry: one window, the contract bound to IPC, the workspace
 * given on the command line (or the demo workspace). Everything else lives in
 * services that never import electron; the hardening rules are pure
 * functions in ./security, wired here.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, session as electronSession, shell, type WebContents, type WebFrameMain } from 'electron'
import { createHandlers } from './app/handlers'
import { Session } from './app/session'
import { utilityHostProcess } from './ml/utilityHost'
import { MlHost } from './services/training/mlHost'
import { openStartWorkspace, startNoticeText } from './app/startWorkspace'
import type { StartNotice } from '../shared/contract'
import { bindIpc, forwardEvents } from './ipc/electronIpc'
import { grantedFoldersOnly, jsonGrantStore } from './security/folderPolicy'
import { denyPermission, denyWindowOpen, isAllowedNavigation, isAllowedRequest, type OriginPolicy } from './security/requests'
import { windowWebPreferences } from './security/windowOptions'
import { setLockOwner } from './services/workspaceLock'

const rendererDir = join(__dirname, '../renderer')
const rendererFile = join(rendererDir, 'index.html')
const origins: OriginPolicy = { rendererDir, devServer: process.env.ELECTRON_RENDERER_URL ?? null }

// Every renderer sandboxed, whatever a window's own options say.
app.enableSandbox()

if (app.isPackaged) {
  // The ML host reads the wasm binaries from disk: point it at the copies unpacked beside app.asar.
  process.env.DEFECT_STUDIO_WASM_DIR ??= join(process.resourcesPath, 'app.asar.unpacked', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')
}

/** The same rules for every web contents the app ever creates, not just the main window. */
function harden(contents: WebContents): void {
  contents.setWindowOpenHandler(denyWindowOpen)
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (!isAllowedNavigation(url, origins)) event.preventDefault()
  }
  contents.on('will-navigate', guard)
  contents.on('will-redirect', guard)
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

async function main(): Promise<void> {
  setLockOwner('the Defect Studio app')
  app.on('web-contents-created', (_event, contents) => harden(contents))
  await app.whenReady()
  const session = new Session(
    process.env.DEFECT_STUDIO_SQLITE_BINDING ? { nativeBinding: process.env.DEFECT_STUDIO_SQLITE_BINDING } : {},
    // Training runs in a utility process built beside this file (electron.vite.config.ts: ml-host).
    () => new MlHost(utilityHostProcess(join(__dirname, 'ml-host.js')))
  )
  let win: BrowserWindow | null = null

  // Offline by design: the app never loads anything but its own files.
  const web = electronSession.defaultSession
  web.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequest(details.url, origins) }))
  web.setPermissionRequestHandler((_wc, permission, callback) => callback(denyPermission(permission)))
  web.setPermissionCheckHandler((_wc, permission) => denyPermission(permission))

  const folders = grantedFoldersOnly(jsonGrantStore(join(app.getPath('userData'), 'folder-grants.json'), { readFileSync, writeFileSync }))
  let startNotice: StartNotice | null = null
  const handlers = createHandlers({
    session,
    shell: 'electron',
    version: app.getVersion(),
    folders,
    startNotice: () => startNotice,
    pickFolder: async (title) => {
      const options = { title, properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> }
      const res = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
      return res.canceled ? null : (res.filePaths[0] ?? null)
    },
    openPath: (dir) => shell.openPath(dir)
  })
  const isOwnFrame = (frame: WebFrameMain | null): boolean =>
    !!frame && frame === win?.webContents.mainFrame && isAllowedNavigation(frame.url, origins)
  bindIpc(ipcMain, handlers, isOwnFrame)
  forwardEvents(session.events, () => win?.webContents ?? null)

  const argv = process.argv.slice(1)
  startNotice = await openStartWorkspace(session, argv, app.getPath('userData'))
  // The folder named at start may be created from the start screen without a picker.
  const startDir = session.workspace?.dir ?? startNotice?.dir
  if (startDir) folders.grant(startDir)
  if (startNotice) console.warn(`Defect Studio: ${startNoticeText(startNotice, 'npm run dev')}`)

  win = new BrowserWindow({
    width: 1440,
    height: 900,
    show: false,
    backgroundColor: '#15171a',
    title: 'Defect Studio',
    webPreferences: windowWebPreferences(join(__dirname, '../preload/index.js'))
  })
  win.once('ready-to-show', () => win?.show())
  if (origins.devServer) await win.loadURL(origins.devServer)
  else if (existsSync(rendererFile)) await win.loadFile(rendererFile)

  app.on('window-all-closed', () => {
    void session.close().finally(() => app.quit())
  })
}

main().catch((err: unknown) => {
  console.error(err)
  app.exit(1)
})
