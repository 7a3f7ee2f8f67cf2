/**
 * The Electron entry: one window, the contract bound to IPC, the workspace
 * given on the command line (or the demo workspace). Everything else lives in
 * services that never import electron.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, session as electronSession, type WebFrameMain } from 'electron'
import { createHandlers } from './app/handlers'
import { Session } from './app/session'
import { resolveStartWorkspace } from './app/startWorkspace'
import { bindIpc, forwardEvents } from './ipc/electronIpc'

const rendererUrl = process.env.ELECTRON_RENDERER_URL
const rendererFile = join(__dirname, '../renderer/index.html')

function isOwnUrl(url: string): boolean {
  if (rendererUrl) return url.startsWith(rendererUrl)
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html')
}

async function main(): Promise<void> {
  await app.whenReady()
  const session = new Session(
    process.env.DEFECT_STUDIO_SQLITE_BINDING ? { nativeBinding: process.env.DEFECT_STUDIO_SQLITE_BINDING } : {}
  )
  let win: BrowserWindow | null = null

  // Offline by design: the app never loads anything but its own files.
  electronSession.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const devServer = rendererUrl ? [rendererUrl, rendererUrl.replace(/^http/, 'ws')] : []
    const ok = details.url.startsWith('file://') || details.url.startsWith('devtools://') || devServer.some((u) => details.url.startsWith(u))
    callback({ cancel: !ok })
  })
  electronSession.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))

  const handlers = createHandlers({
    session,
    shell: 'electron',
    version: app.getVersion(),
    pickFolder: async (title) => {
      const options = { title, properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> }
      const res = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
      return res.canceled ? null : (res.filePaths[0] ?? null)
    }
  })
  bindIpc(ipcMain, handlers, (frame: WebFrameMain | null) => !!frame && frame === win?.webContents.mainFrame && isOwnUrl(frame.url))
  forwardEvents(session.events, () => win?.webContents ?? null)

  const start = await resolveStartWorkspace(process.argv.slice(1), app.getPath('userData'))
  if (start) await session.open(start)

  win = new BrowserWindow({
    width: 1440,
    height: 900,
    show: false,
    backgroundColor: '#15171a',
    title: 'Defect Studio',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false
    }
  })
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  win.webContents.on('will-navigate', (event, url) => {
    if (!isOwnUrl(url)) event.preventDefault()
  })
  win.webContents.on('will-attach-webview', (event) => event.preventDefault())
  win.once('ready-to-show', () => win?.show())
  if (rendererUrl) await win.loadURL(rendererUrl)
  else if (existsSync(rendererFile)) await win.loadFile(rendererFile)

  app.on('window-all-closed', () => {
    void session.close().finally(() => app.quit())
  })
}

main().catch((err: unknown) => {
  console.error(err)
  app.exit(1)
})
