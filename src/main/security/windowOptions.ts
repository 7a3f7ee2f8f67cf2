/**
 * The one set of webPreferences every window gets. Kept here, away from
 * index.ts, so a unit test can hold it to the rules without an Electron
 * binary; e2e/electron.spec.ts checks the live window where one exists.
 */

/** The hardening flags, as Electron's WebPreferences spells them. */
export const SECURE_WEB_PREFERENCES = Object.freeze({
  // The renderer's JavaScript and the preload's live in separate worlds.
  contextIsolation: true,
  // Chromium's OS-level sandbox for the renderer; the preload gets only a few Electron modules.
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  // Dropping a file on the window must not navigate away from the app.
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: false
} as const)

export type SecureWebPreferences = typeof SECURE_WEB_PREFERENCES & { preload: string }

/** webPreferences for the main window: the hardening flags plus our preload script. */
export function windowWebPreferences(preload: string): SecureWebPreferences {
  return { ...SECURE_WEB_PREFERENCES, preload }
}
