import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { CHANNELS, type Handlers } from '../../shared/contract'
import { createHandlers } from '../app/handlers'
import { dispatch } from '../app/dispatch'
import { Session } from '../app/session'
import { bindIpc, IPC_PREFIX } from '../ipc/electronIpc'
import { Workspace } from '../services/workspace'
import { tempDir } from '../test/fixtures'
import { allowAllFolders, grantedFoldersOnly, jsonGrantStore, MAX_GRANTS } from './folderPolicy'
import { isInside, resolveInside } from './paths'
import { denyPermission, denyWindowOpen, isAllowedNavigation, isAllowedRequest } from './requests'
import { SECURE_WEB_PREFERENCES, windowWebPreferences } from './windowOptions'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function temp(): string {
  const { dir, cleanup } = tempDir('ds-sec-')
  cleanups.push(cleanup)
  return dir
}

describe('window options', () => {
  it('isolate the context, sandbox the renderer and give no page Node or webviews', () => {
    const prefs = windowWebPreferences('/app/out/preload/index.js')
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false
    })
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true)
  })

  it('index.ts builds its window from these options and nothing weaker', () => {
    const source = readFileSync(join(__dirname, '..', 'index.ts'), 'utf8')
    expect(source).toMatch(/webPreferences: windowWebPreferences\(/)
    expect(source).not.toMatch(/nodeIntegration:\s*true|contextIsolation:\s*false|sandbox:\s*false|webSecurity:\s*false/)
    expect(source).toMatch(/app\.enableSandbox\(\)/)
  })
})

describe('requests and navigation', () => {
  const rendererDir = '/opt/Defect Studio/resources/app.asar/out/renderer'
  const packaged = { rendererDir, devServer: null }
  const dev = { rendererDir, devServer: 'http://localhost:5173' }
  const own = pathToFileURL(join(rendererDir, 'index.html')).href

  it('lets the renderer load its own files and nothing from the network', () => {
    expect(isAllowedRequest(own, packaged)).toBe(true)
    expect(isAllowedRequest(pathToFileURL(join(rendererDir, 'assets', 'index-abc.js')).href, packaged)).toBe(true)
    expect(isAllowedRequest('devtools://devtools/bundled/inspector.html', packaged)).toBe(true)
    expect(isAllowedRequest('blob:file:///0b7c4e2a', packaged)).toBe(true)
    for (const url of [
      'https://example.com/tracker.js',
      'http://127.0.0.1:8080/',
      'http://localhost:5173/',
      'ws://localhost:5173/',
      'wss://example.com/socket',
      'ftp://example.com/file',
      'file:///etc/passwd',
      pathToFileURL(join(rendererDir, '..', 'main', 'index.js')).href,
      'file:///opt/Defect%20Studio/resources/app.asar/out/renderer/../../../../../etc/passwd',
      'chrome-extension://abc/x.js',
      'not a url'
    ]) {
      expect(isAllowedRequest(url, packaged), url).toBe(false)
    }
  })

  it('allows the local dev server only in development, and never a remote one', () => {
    expect(isAllowedRequest('http://localhost:5173/src/main.tsx', dev)).toBe(true)
    expect(isAllowedRequest('ws://localhost:5173/', dev)).toBe(true)
    expect(isAllowedRequest('http://localhost:5174/', dev)).toBe(false)
    expect(isAllowedRequest('http://localhost:5173.evil.com/', dev)).toBe(false)
    expect(isAllowedRequest('https://example.com/', dev)).toBe(false)
    const remote = { rendererDir, devServer: 'http://192.168.1.20:5173' }
    expect(isAllowedRequest('http://192.168.1.20:5173/', remote)).toBe(false)
  })

  it('keeps the window on its own page', () => {
    expect(isAllowedNavigation(own, packaged)).toBe(true)
    expect(isAllowedNavigation(`${own}#/labels`, packaged)).toBe(true)
    expect(isAllowedNavigation('https://example.com/', packaged)).toBe(false)
    expect(isAllowedNavigation('file:///tmp/evil/index.html', packaged)).toBe(false)
    expect(isAllowedNavigation('javascript:alert(1)', packaged)).toBe(false)
    expect(isAllowedNavigation('http://localhost:5173/', packaged)).toBe(false)
    expect(isAllowedNavigation('http://localhost:5173/', dev)).toBe(true)
    expect(isAllowedNavigation('http://localhost:5173.evil.com/', dev)).toBe(false)
  })

  it('denies every new window and every permission', () => {
    expect(denyWindowOpen()).toEqual({ action: 'deny' })
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'usb']) {
      expect(denyPermission(p)).toBe(false)
    }
  })

  it('index.ts wires the predicates to the session and to every web contents', () => {
    const source = readFileSync(join(__dirname, '..', 'index.ts'), 'utf8')
    expect(source).toMatch(/onBeforeRequest\(.*cancel: !isAllowedRequest\(details\.url, origins\)/)
    expect(source).toMatch(/setPermissionRequestHandler\(/)
    expect(source).toMatch(/setPermissionCheckHandler\(/)
    expect(source).toMatch(/setWindowOpenHandler\(denyWindowOpen\)/)
    expect(source).toMatch(/'will-navigate'/)
    expect(source).toMatch(/'will-attach-webview', \(event\) => event\.preventDefault\(\)/)
    expect(source).toMatch(/'web-contents-created'/)
  })
})

describe('path containment', () => {
  it('refuses ../ traversal, absolute escapes, NUL bytes and symlinks out', () => {
    const root = temp()
    mkdirSync(join(root, 'granted', 'sub'), { recursive: true })
    mkdirSync(join(root, 'secret'))
    symlinkSync(join(root, 'secret'), join(root, 'granted', 'link-out'))
    const granted = join(root, 'granted')
    expect(resolveInside(granted, 'sub')).toBe(join(granted, 'sub'))
    expect(resolveInside(granted, 'new/folder')).toBe(join(granted, 'new', 'folder'))
    expect(resolveInside(granted, '.')).toBe(granted)
    expect(resolveInside(granted, '../secret')).toBeNull()
    expect(resolveInside(granted, 'sub/../../secret')).toBeNull()
    expect(resolveInside(granted, join(root, 'secret'))).toBeNull()
    expect(resolveInside(granted, 'link-out')).toBeNull()
    expect(resolveInside(granted, 'link-out/deeper')).toBeNull()
    expect(resolveInside(granted, 'sub\0/../x')).toBeNull()
    expect(isInside(granted, `${granted}-sibling`)).toBe(false)
  })
})

describe('folder policy', () => {
  it('allows only granted folders and what is below them, and remembers grants', () => {
    const root = temp()
    const store = join(root, 'grants.json')
    mkdirSync(join(root, 'picked', 'a'), { recursive: true })
    mkdirSync(join(root, 'other'))
    const fsio = { readFileSync, writeFileSync }
    const policy = grantedFoldersOnly(jsonGrantStore(store, fsio))
    expect(() => policy.check(join(root, 'picked'), 'import from')).toThrow(/Not allowed to import from .*picked: choose the folder with the Browse button/)
    policy.grant(join(root, 'picked'))
    expect(policy.check(join(root, 'picked', 'a'), 'import from')).toBe(join(root, 'picked', 'a'))
    expect(policy.check(join(root, 'picked', 'not-yet'), 'create a workspace in')).toBe(join(root, 'picked', 'not-yet'))
    expect(() => policy.check(join(root, 'picked', '..', 'other'), 'open a workspace in')).toThrow(/Not allowed to open a workspace in/)
    // A restart reads the grants back; a broken store starts empty rather than failing.
    expect(grantedFoldersOnly(jsonGrantStore(store, fsio)).granted()).toEqual([join(root, 'picked')])
    writeFileSync(store, '{ not json')
    expect(grantedFoldersOnly(jsonGrantStore(store, fsio)).granted()).toEqual([])
  })

  it('keeps the most recent grants only', () => {
    const root = temp()
    const policy = grantedFoldersOnly()
    for (let i = 0; i < MAX_GRANTS + 5; i++) policy.grant(join(root, `d${i}`))
    expect(policy.granted()).toHaveLength(MAX_GRANTS)
    expect(policy.granted()[0]).toBe(join(root, `d${MAX_GRANTS + 4}`))
  })

  it('allow-all (web transport, CLI) passes folders through unchanged', () => {
    expect(allowAllFolders().check('/any/where', 'import from')).toBe('/any/where')
  })

  it('gates workspace.open/create and import.start in the handlers; the dialog and the open workspace grant', async () => {
    const root = temp()
    const ws = Workspace.create(join(root, 'ws'))
    ws.close()
    const images = join(root, 'images')
    mkdirSync(images)
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toFile(join(images, 'a.png'))
    const session = new Session()
    cleanups.push(() => session.close().then(() => undefined))
    let dialogAnswer: string | null = null
    const folders = grantedFoldersOnly()
    const h = createHandlers({ session, shell: 'electron', version: 'test', folders, pickFolder: async () => dialogAnswer })

    const refused = await dispatch(h, 'workspace.open', { dir: join(root, 'ws') })
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(session.workspace).toBeNull()

    dialogAnswer = join(root, 'ws')
    expect(await dispatch(h, 'dialog.pickFolder', {})).toEqual({ ok: true, value: join(root, 'ws') })
    expect(await dispatch(h, 'workspace.open', { dir: join(root, 'ws') })).toMatchObject({ ok: true })

    // Not picked: refused, and nothing was imported.
    const imp = await dispatch(h, 'import.start', { folder: images })
    expect(imp).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const traversal = await dispatch(h, 'import.start', { folder: join(root, 'ws', '..', 'images') })
    expect(traversal).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const masks = await dispatch(h, 'import.start', { folder: join(root, 'ws'), masks: images })
    expect(masks).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/read masks from/) } })
    const created = await dispatch(h, 'workspace.create', { dir: join(root, 'elsewhere') })
    expect(created).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(session.workspace?.info().imageCount).toBe(0)

    // A cancelled dialog grants nothing.
    dialogAnswer = null
    expect(await dispatch(h, 'dialog.pickFolder', {})).toEqual({ ok: true, value: null })
    expect(folders.granted()).not.toContain(images)

    dialogAnswer = images
    await dispatch(h, 'dialog.pickFolder', {})
    const started = await dispatch(h, 'import.start', { folder: images })
    expect(started).toMatchObject({ ok: true })
  })
})

describe('bindIpc', () => {
  type Listener = (event: { senderFrame: unknown }, args: unknown) => Promise<unknown>

  function fakeIpcMain(): { ipc: { handle(c: string, l: Listener): void; removeHandler(c: string): void }; bound: Map<string, Listener> } {
    const bound = new Map<string, Listener>()
    return {
      bound,
      ipc: {
        handle: (c, l) => {
          if (bound.has(c)) throw new Error(`second handler for ${c}`)
          bound.set(c, l)
        },
        removeHandler: (c) => void bound.delete(c)
      }
    }
  }

  function recordingHandlers(): { handlers: Handlers; calls: string[] } {
    const calls: string[] = []
    const handlers = Object.fromEntries(
      CHANNELS.map((c) => [
        c,
        async () => {
          calls.push(c)
          return { called: c }
        }
      ])
    ) as unknown as Handlers
    return { handlers, calls }
  }

  const trusted = { url: 'file:///app/out/renderer/index.html' }
  const untrusted = { url: 'file:///app/out/renderer/index.html#iframe' }

  it('binds every channel, refuses untrusted frames before reading arguments, validates arguments', async () => {
    const { ipc, bound } = fakeIpcMain()
    const { handlers, calls } = recordingHandlers()
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a structural fake of Electron's IpcMain
    const unbind = bindIpc(ipc as any, handlers, (frame) => frame === (trusted as unknown))
    expect([...bound.keys()].sort()).toEqual(CHANNELS.map((c) => IPC_PREFIX + c).sort())

    const open = bound.get(`${IPC_PREFIX}workspace.open`)!
    let argsRead = false
    const spyArgs = {
      get dir() {
        argsRead = true
        return '/x'
      }
    }
    for (const frame of [untrusted, null, undefined]) {
      const res = await open({ senderFrame: frame }, spyArgs)
      expect(res).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/untrusted frame/) } })
    }
    expect(argsRead).toBe(false)
    expect(calls).toEqual([])

    expect(await open({ senderFrame: trusted }, { dir: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    expect(await open({ senderFrame: trusted }, { dir: '/x', extra: 1 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    const save = bound.get(`${IPC_PREFIX}labels.save`)!
    const nan = await save({ senderFrame: trusted }, { imageId: 1, labels: [{ classId: 1, points: [0, 0, 1, NaN, 2, 2] }] })
    expect(nan).toMatchObject({ ok: false, error: { code: 'invalid_argument' } })
    expect(calls).toEqual([])

    expect(await open({ senderFrame: trusted }, { dir: '/x' })).toEqual({ ok: true, value: { called: 'workspace.open' } })
    expect(calls).toEqual(['workspace.open'])

    unbind()
    expect(bound.size).toBe(0)
  })
})
