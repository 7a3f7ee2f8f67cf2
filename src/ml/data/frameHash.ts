/**
 * Training frames against the content hash stored at import. A frame file
 * replaced in place would otherwise train on new pixels with the old frame's
 * labels. The hash is the import's: SHA-256 of the file's bytes, hex
 * (src/main/services/import/runImport.ts, readAndHash; ml cannot import main,
 * so it is computed here the same way).
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { DatasetItem } from '../../shared/arcd/protocol'
import { badInput, CancelledError, log, type JobContext } from '../jobs/context'

/**
 * A run fails when more than this share of its checked frames changed: past
 * that the workspace no longer describes the files and a model trained on the
 * rest would mislead. Below it the changed frames are left out and named in
 * the run's warnings. One changed frame of fewer than ten is already over.
 */
export const MAX_CHANGED_SHARE = 0.1

/** Warnings that name frames one by one stop here; the rest is counted. */
const LISTED = 20

export async function fileHash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

export interface HashCheck {
  /** The items with the changed frames left out (frames without a stored hash are kept unchecked). */
  items: DatasetItem[]
  changed: DatasetItem[]
  warnings: string[]
}

export function changedReason(item: DatasetItem): string {
  return `frame file changed since import: ${item.path}; re-import it`
}

/**
 * Checks the frames `loads` selects (the ones the trainer will read). A file
 * that cannot be read is left to the loader, which reports it as it always
 * has. Throws bad-input when too many changed.
 */
export async function checkFrameHashes(items: DatasetItem[], loads: (item: DatasetItem) => boolean, ctx?: JobContext): Promise<HashCheck> {
  const checked = items.filter((it) => loads(it) && typeof it.hash === 'string' && it.hash !== '')
  const changed = new Set<DatasetItem>()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < checked.length) {
      if (ctx?.isCancelled()) throw new CancelledError()
      const item = checked[next++]!
      let actual: string
      try {
        actual = await fileHash(item.path)
      } catch {
        continue
      }
      if (actual !== item.hash!.toLowerCase()) changed.add(item)
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  const list = checked.filter((it) => changed.has(it))
  const reasons = list.map(changedReason)
  if (list.length > 0 && list.length > MAX_CHANGED_SHARE * checked.length) {
    throw badInput(
      `${list.length} of ${checked.length} training frames changed since import (more than ${MAX_CHANGED_SHARE * 100}%), so the run stopped: ` +
        reasons.slice(0, 5).join('; ') +
        (list.length > 5 ? `; and ${list.length - 5} more` : '')
    )
  }
  const warnings = reasons.slice(0, LISTED)
  if (list.length > LISTED) warnings.push(`and ${list.length - LISTED} more frame files changed since import; they were left out`)
  if (ctx) for (const w of warnings) log(ctx, 'warn', w)
  return { items: items.filter((it) => !changed.has(it)), changed: list, warnings }
}
