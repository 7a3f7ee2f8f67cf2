/**
 * A filter that names a class merged away or deleted since matches nothing
 * and shows a chip for a class that no longer exists: drop such ids. The same
 * object comes back when nothing changes, so React skips the re-render.
 */
export function dropMissingClasses<F extends { classIds?: number[] | undefined }>(filter: F, classes: readonly { id: number }[]): F {
  if (!filter.classIds) return filter
  const ids = filter.classIds.filter((id) => classes.some((c) => c.id === id))
  if (ids.length === filter.classIds.length) return filter
  const { classIds: _gone, ...rest } = filter
  return (ids.length > 0 ? { ...rest, classIds: ids } : rest) as F
}
