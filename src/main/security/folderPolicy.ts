/**
 * Which folders the renderer may name. In the Electron shell the renderer is
 * untrusted: it may only open, create or import from a folder the user chose
 * in the native dialog (or one below it), the workspace the app was started
 * on, or the open workspace's own folder. The web transport (a loopback
 * development tool behind a token) and the CLI allow any folder.
 */
import { StudioError } from '../../shared/contract'
import { isInside, realPath } from './paths'

export type FolderPurpose = 'open a workspace in' | 'create a workspace in' | 'import from' | 'read masks from' | 'export to'

export interface FolderPolicy {
  /** Throws `forbidden` unless the renderer may use `dir`; returns the path to use. */
  check(dir: string, purpose: FolderPurpose): string
  /** A folder the user picked in the native dialog, or the app opened itself. */
  grant(dir: string): void
  /** Folders granted so far (for tests and diagnostics). */
  granted(): string[]
}

export interface GrantStore {
  load(): string[]
  save(dirs: string[]): void
}

/** Grants kept across restarts are capped: the most recent ones win. */
export const MAX_GRANTS = 64

/** Every folder allowed: the web transport and the CLI. */
export function allowAllFolders(): FolderPolicy {
  return {
    check: (dir) => dir,
    grant: () => undefined,
    granted: () => []
  }
}

/**
 * Only granted folders and what lies below them. Grants persist through
 * `store`, so the renderer's list of recent workspaces keeps working after a
 * restart; a compromised renderer can't add to it, since only the native
 * dialog and the main process grant.
 */
export function grantedFoldersOnly(store?: GrantStore): FolderPolicy {
  let grants: string[] = []
  try {
    grants = (store?.load() ?? []).filter((d) => typeof d === 'string' && d.length > 0).map(realPath)
  } catch {
    grants = []
  }
  return {
    check(dir, purpose) {
      const full = realPath(dir)
      if (grants.some((g) => isInside(g, full))) return full
      throw new StudioError(
        'forbidden',
        `Not allowed to ${purpose} ${full}: choose the folder with the Browse button first (the app only reads folders you picked and the open workspace).`
      )
    },
    grant(dir) {
      const full = realPath(dir)
      grants = [full, ...grants.filter((g) => g !== full)].slice(0, MAX_GRANTS)
      try {
        store?.save(grants)
      } catch {
        // Losing a grant only costs the user a Browse click after a restart.
      }
    },
    granted: () => [...grants]
  }
}

/** A GrantStore in a JSON file (the app keeps it in Electron's userData folder). */
export function jsonGrantStore(file: string, fs: { readFileSync(f: string, e: 'utf8'): string; writeFileSync(f: string, d: string): void }): GrantStore {
  return {
    load: () => {
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown
        return Array.isArray(parsed) ? parsed.filter((d): d is string => typeof d === 'string') : []
      } catch {
        return []
      }
    },
    save: (dirs) => fs.writeFileSync(file, JSON.stringify(dirs, null, 2) + '\n')
  }
}
