/** Recently opened workspaces, remembered per origin in localStorage. */
export interface RecentWorkspace {
  dir: string
  name: string
  openedAt: string
}

const KEY = 'defect-studio.recent-workspaces'
const MAX = 8

export function loadRecent(): RecentWorkspace[] {
  try {
    const raw = localStorage.getItem(KEY)
    if (!raw) return []
    const parsed: unknown = JSON.parse(raw)
    if (!Array.isArray(parsed)) return []
    return parsed.filter(
      (r): r is RecentWorkspace =>
        typeof r === 'object' && r !== null && typeof r.dir === 'string' && typeof r.name === 'string' && typeof r.openedAt === 'string'
    )
  } catch {
    // Storage disabled or corrupt: the list is a convenience, start empty.
    return []
  }
}

function save(list: RecentWorkspace[]): RecentWorkspace[] {
  try {
    localStorage.setItem(KEY, JSON.stringify(list))
  } catch {
    // Quota or disabled storage: keep working without the list.
  }
  return list
}

export function rememberWorkspace(dir: string, name: string): RecentWorkspace[] {
  const list = loadRecent().filter((r) => r.dir !== dir)
  return save([{ dir, name, openedAt: new Date().toISOString() }, ...list].slice(0, MAX))
}

export function forgetWorkspace(dir: string): RecentWorkspace[] {
  return save(loadRecent().filter((r) => r.dir !== dir))
}
