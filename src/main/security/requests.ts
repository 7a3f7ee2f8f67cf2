/**
 * What the app's web contents may load and where they may go. Pure
 * predicates: index.ts wires them to Electron's session and web-contents
 * events, and the unit tests hold them to the offline rule.
 */
import { fileURLToPath } from 'node:url'
import { isInside } from './paths'

export interface OriginPolicy {
  /** The built renderer folder (out/renderer, inside app.asar when packaged). */
  rendererDir: string
  /** electron-vite's dev server (ELECTRON_RENDERER_URL); only `npm run dev` has one. */
  devServer?: string | null
}

function devOrigins(devServer: string | null | undefined): string[] {
  if (!devServer) return []
  let url: URL
  try {
    url = new URL(devServer)
  } catch {
    return []
  }
  // Only a dev server on this machine: the app never talks to another host, even in development.
  if (!['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return []
  const ws = url.protocol === 'https:' ? 'wss:' : 'ws:'
  return [url.origin, `${ws}//${url.host}`]
}

function fileInside(url: URL, dir: string): boolean {
  let path: string
  try {
    path = fileURLToPath(url)
  } catch {
    return false
  }
  return isInside(dir, path)
}

/**
 * Whether a request from our web contents may go out. Offline by design: the
 * renderer's own files, devtools, blob:/data: (CSP governs those) and, in
 * development, the local dev server. Everything else, every http(s) or ws
 * origin and any file outside the renderer folder, is cancelled.
 */
export function isAllowedRequest(rawUrl: string, policy: OriginPolicy): boolean {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return false
  }
  switch (url.protocol) {
    case 'file:':
      return fileInside(url, policy.rendererDir)
    case 'devtools:':
    case 'blob:':
    case 'data:':
      return true
    default:
      return devOrigins(policy.devServer).some((o) => rawUrl === o || rawUrl.startsWith(o + '/'))
  }
}

/**
 * Whether the top-level page may navigate to a URL: only to the renderer's
 * own index.html (a reload) or, in development, the dev server's pages.
 */
export function isAllowedNavigation(rawUrl: string, policy: OriginPolicy): boolean {
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    return false
  }
  if (url.protocol === 'file:') {
    return fileInside(url, policy.rendererDir) && url.pathname.endsWith('/index.html')
  }
  const [httpOrigin] = devOrigins(policy.devServer)
  return httpOrigin !== undefined && url.origin === httpOrigin
}

/** The answer to every window.open and target=_blank: no new windows, ever. */
export function denyWindowOpen(): { action: 'deny' } {
  return { action: 'deny' }
}

/**
 * Permission requests (camera, notifications, geolocation, clipboard
 * reads, ...) and checks: the app needs none, so every one is refused.
 */
export function denyPermission(_permission: string): false {
  return false
}
