// Electron fuses, flipped in the packaged binary at package time (afterPack,
// before any signing). Where the package is built around a stand-in Electron
// (no real binary offline), there is no fuse wire to flip: the step says so
// and is recorded as skipped; it never passes silently. A real-looking binary
// without a fuse wire fails the package.
import { Buffer } from 'node:buffer'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses'

/** Marks the start of the fuse wire in every Electron binary since 12 (from @electron/fuses). */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'

/**
 * The fuses Defect Studio ships with, and why:
 * - RunAsNode off: ELECTRON_RUN_AS_NODE can't turn the app into a general Node.
 *   (So child_process.fork from the main process can't be used: the ML host runs
 *   as an Electron utilityProcess, which src/ml/host.ts supports.)
 * - Cookie encryption on: the app keeps no cookies, but any that appear are sealed with the OS keystore.
 * - NODE_OPTIONS and --inspect off: no code injection through the environment or a debugger port.
 * - Embedded ASAR integrity on + only load the app from app.asar: a modified app.asar
 *   does not start (enforced on Windows and macOS; Linux has no integrity check yet).
 * - GrantFileProtocolExtraPrivileges left as is: the renderer is loaded from file://.
 */
export const FUSES = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true
}

/** The executable electron-builder produced for this platform. */
export function packagedExecutable(context) {
  const { appOutDir, electronPlatformName, packager } = context
  if (electronPlatformName === 'win32') return join(appOutDir, `${packager.appInfo.productFilename}.exe`)
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') {
    return join(appOutDir, `${packager.appInfo.productFilename}.app`, 'Contents', 'MacOS', packager.appInfo.productFilename)
  }
  return join(appOutDir, packager.executableName)
}

export function hasFuseWire(file) {
  return readFileSync(file).includes(Buffer.from(FUSE_SENTINEL, 'latin1'))
}

/**
 * Flips FUSES in the packaged executable and reads them back. Returns
 * { status: 'applied' | 'skipped', detail }; throws when a real binary
 * can't take them.
 */
export async function applyFuses(context, { standIn = false, log = (m) => process.stdout.write(`${m}\n`) } = {}) {
  const exe = packagedExecutable(context)
  if (!hasFuseWire(exe)) {
    if (standIn) {
      const detail = `SKIPPED: ${exe} is the stand-in Electron (a shell script, no fuse wire); a package built from a real Electron 45 gets RunAsNode off, cookie encryption on, ASAR integrity on`
      log(`fuses: ${detail}`)
      return { status: 'skipped', detail }
    }
    throw new Error(`fuses: ${exe} has no Electron fuse wire (sentinel ${FUSE_SENTINEL} not found). Refusing to ship an app whose fuses cannot be set.`)
  }
  await flipFuses(exe, { version: FuseVersion.V1, resetAdHocDarwinSignature: context.electronPlatformName === 'darwin', ...FUSES })
  const wire = await getCurrentFuseWire(exe)
  const wrong = Object.entries(FUSES).filter(([option, on]) => wire[option] !== (on ? 49 : 48))
  if (wrong.length) throw new Error(`fuses: read back wrong values for ${wrong.map(([o]) => FuseV1Options[o]).join(', ')} in ${exe}`)
  const detail = `applied to ${exe}: ${Object.entries(FUSES).map(([o, on]) => `${FuseV1Options[o]}=${on ? 'on' : 'off'}`).join(', ')}`
  log(`fuses: ${detail}`)
  return { status: 'applied', detail }
}
