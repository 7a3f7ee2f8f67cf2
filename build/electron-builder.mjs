// electron-builder configuration for Defect Studio. `npm run package`
// (scripts/package.mjs) calls createConfig() with what it found on this
// machine; `npx electron-builder --config build/electron-builder.mjs` uses
// the default export (environment only).
//
// Environment:
//   DEFECT_STUDIO_BUNDLE_GPU=1          ship @tensorflow/tfjs-node-gpu (needs CUDA 11.8 + cuDNN 8.6 on the
//                                       target; the app falls back to the CPU backends without them)
//   DEFECT_STUDIO_ELECTRON_DIST=<dir>   an unpacked Electron 45 build to package with (electronDist)
//   DEFECT_STUDIO_SQLITE_ELECTRON=<f>   better_sqlite3.node rebuilt for Electron's ABI; afterPack puts it
//                                       in place of the Node build inside app.asar.unpacked
//   DEFECT_STUDIO_STAND_IN_ELECTRON=1   electronDist is a stand-in (no real binary): fuses are skipped,
//                                       loudly, instead of failing
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { applyFuses } from '../scripts/fuses.mjs'

export const APP_ID = 'org.defectstudio.app'
export const PRODUCT_NAME = 'Defect Studio'
export const EXECUTABLE = 'defect-studio'

/** Native code and files read from disk by path: they live beside app.asar, not inside it. */
export function asarUnpack(bundleGpu) {
  return [
    'node_modules/better-sqlite3/**/*.node',
    // sharp's addon and the libvips shared library it links (the loader can't read inside an asar).
    'node_modules/sharp/**',
    'node_modules/@img/**',
    // The ML host hands these paths to WebAssembly loaders (DEFECT_STUDIO_WASM_DIR points here).
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
    'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/**',
    ...(bundleGpu ? ['node_modules/@tensorflow/tfjs-node-gpu/**', 'node_modules/@tensorflow/tfjs-node/**'] : [])
  ]
}

/** What goes into app.asar: the built app and the production dependencies, without their dead weight. */
export function files(bundleGpu) {
  return [
    'out/**',
    'package.json',
    '!out/**/*.map',
    '!**/*.{map,ts,mts,cts,md,markdown}',
    '!**/{test,tests,__tests__,example,examples,docs,.github}/**',
    // Type declarations only (pulled in by @types/node-fetch, a dependency of tfjs-data): never loaded.
    '!node_modules/@types/**',
    // TF.js: Node loads each package's dist/*.node.js bundle; the browser and ESM builds are never read.
    '!node_modules/@tensorflow/*/dist/**/*.{js,mjs}',
    'node_modules/@tensorflow/*/dist/*.node.js',
    '!node_modules/@tensorflow/*/dist/miniprogram/**',
    // better-sqlite3: the built addon and its JS, not the SQLite sources and build leftovers.
    '!node_modules/better-sqlite3/{deps,src,docs}/**',
    '!node_modules/better-sqlite3/build/{deps,Release/obj,Release/obj.target,Release/.deps}/**',
    '!node_modules/better-sqlite3/build/Release/{test_extension.node,*.a}',
    ...(bundleGpu ? [] : ['!node_modules/@tensorflow/tfjs-node-gpu/**', '!node_modules/@tensorflow/tfjs-node/**'])
  ]
}

export function createConfig(opts = {}) {
  const env = opts.env ?? process.env
  const bundleGpu = opts.bundleGpu ?? env.DEFECT_STUDIO_BUNDLE_GPU === '1'
  const electronDist = opts.electronDist ?? env.DEFECT_STUDIO_ELECTRON_DIST
  const sqliteElectron = opts.sqliteElectron ?? env.DEFECT_STUDIO_SQLITE_ELECTRON
  const standIn = opts.standIn ?? env.DEFECT_STUDIO_STAND_IN_ELECTRON === '1'
  const report = opts.report ?? (() => undefined)
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    copyright: 'Defect Studio',
    directories: { output: opts.output ?? 'dist', buildResources: 'build' },
    ...(electronDist ? { electronDist } : {}),
    // Native modules are rebuilt for Electron by scripts/package.mjs in a copy: an in-place rebuild
    // would leave node_modules with Electron's build and break the tests and the CLI (Node).
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    asar: true,
    asarUnpack: asarUnpack(bundleGpu),
    files: files(bundleGpu),
    extraResources: [{ from: 'resources/presets', to: 'presets', filter: ['*.json'] }],
    // package.json has no homepage or author (the app is never published); the deb needs both.
    extraMetadata: {
      homepage: 'https://defect-studio.invalid',
      author: { name: 'Defect Studio', email: 'defect-studio@localhost' },
      // Lets desktops tie the running window to the installed .desktop entry.
      desktopName: `${EXECUTABLE}.desktop`
    },
    linux: {
      target: opts.linuxTargets ?? ['AppImage', 'deb'],
      executableName: EXECUTABLE,
      icon: 'build/icons',
      category: 'Graphics',
      synopsis: 'Label steel-surface defects and train the model that finds them',
      description: 'Offline desktop app for labelling steel-surface defects and training the ARCD model that finds them.',
      maintainer: 'Defect Studio <defect-studio@localhost>',
      vendor: 'Defect Studio'
    },
    deb: {
      // Electron's runtime libraries; no network-facing extras (no libnotify needed).
      depends: ['libgtk-3-0', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
      recommends: [],
      packageCategory: 'graphics',
      compression: opts.debCompression ?? 'xz',
      priority: 'optional'
    },
    appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },
    win: { target: ['nsis'], icon: 'build/icon.ico', executableName: EXECUTABLE },
    nsis: {
      oneClick: false,
      perMachine: true,
      allowToChangeInstallationDirectory: true,
      installerIcon: 'build/icon.ico',
      uninstallerIcon: 'build/icon.ico',
      createDesktopShortcut: true,
      artifactName: '${productName}-Setup-${version}.${ext}'
    },
    // Never publish or check for updates: plant PCs are offline.
    publish: null,
    afterPack: async (context) => {
      const resources = join(context.appOutDir, 'resources')
      const addon = join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
      if (sqliteElectron) {
        if (!existsSync(addon)) throw new Error(`afterPack: ${addon} is missing; asarUnpack did not unpack better-sqlite3`)
        copyFileSync(sqliteElectron, addon)
        report({ step: 'sqlite', status: 'electron-build', detail: `better_sqlite3.node replaced by the Electron build from ${sqliteElectron}` })
      }
      const fuses = await applyFuses(context, { standIn })
      report({ step: 'fuses', ...fuses })
    }
  }
}

export default createConfig()
