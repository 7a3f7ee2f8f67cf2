/**
 * What the export dialog asks main for, from what the user chose: the CLI's
 * options (filter, split, class, copy images, overwrite) on top of the grid's
 * filter or selection. Pure, so the rules are tested without a browser.
 */
import type { ArgsOf, ExportFormat, ImageFilter, ImportIssue } from '../../../shared/contract'
import { EXPORT_MAX_IDS } from '../../../shared/contract/types'
import type { Split } from '../../../shared/domain'

export const FORMAT_INFO: Record<ExportFormat, { label: string; reads: string }> = {
  coco: { label: 'COCO', reads: 'One annotations.json of instance polygons, read by detectron2, MMDetection, CVAT and Label Studio.' },
  labelme: { label: 'labelme', reads: 'One labelme JSON per image beside a copy of it; opens in labelme and X-AnyLabeling.' },
  masks: { label: 'Class masks', reads: 'One 8-bit PNG per frame, value k = line k of classes.txt (0 = background), for segmentation trainers.' },
  mvtec: { label: 'MVTec AD', reads: 'train/good, test/<defect> and ground_truth/ folders, as anomalib and other anomaly detectors read them.' }
}

/** Which frames: every frame, the grid's current filter, or an explicit selection. */
export type ExportScope = 'all' | 'filter' | 'selection'

export interface ExportChoices {
  format: ExportFormat
  out: string
  scope: ExportScope
  /** Only this split ('' = any). */
  split: Split | ''
  /** Only frames carrying this class (null = any). */
  classId: number | null
  /** null: the format's own default (the preview says which). */
  copyImages: boolean | null
  overwrite: boolean
}

export type ExportArgs = ArgsOf<'export.start'>

export type RequestOrProblem = { request: ExportArgs } | { problem: string }

/**
 * The request for these choices, or why there is none. The split and class
 * narrow the grid's filter, never widen it: a split the filter leaves out
 * selects nothing, and is said so rather than sent (an empty list would mean
 * "any" to main).
 */
export function exportRequest(c: ExportChoices, gridFilter: ImageFilter, selection?: readonly number[]): RequestOrProblem {
  const out = c.out.trim()
  if (!out) return { problem: 'Choose the folder to export to.' }
  const base: ImageFilter = c.scope === 'filter' ? gridFilter : {}
  const filter: ImageFilter = { ...base }
  if (c.split) {
    if (base.splits?.length && !base.splits.includes(c.split)) {
      return { problem: `The grid filter shows only ${base.splits.join(', ')} frames, so none of them is in ${c.split}.` }
    }
    filter.splits = [c.split]
  }
  if (c.classId !== null) {
    if (base.classIds?.length && !base.classIds.includes(c.classId)) {
      return { problem: 'The grid filter already picks other classes: clear its class filter, or export all frames with this class.' }
    }
    filter.classIds = [c.classId]
  }
  let ids: number[] | undefined
  if (c.scope === 'selection') {
    if (!selection?.length) return { problem: 'No frames are selected in the grid.' }
    if (selection.length > EXPORT_MAX_IDS) {
      return { problem: `${selection.length} frames are selected; a selection exports up to ${EXPORT_MAX_IDS}. Export the grid's filter instead.` }
    }
    ids = [...selection]
  }
  const cleaned = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0))) as ImageFilter
  return {
    request: {
      format: c.format,
      out,
      ...(Object.keys(cleaned).length ? { filter: cleaned } : {}),
      ...(ids ? { ids } : {}),
      ...(c.copyImages !== null ? { copyImages: c.copyImages } : {}),
      ...(c.overwrite ? { overwrite: true } : {})
    }
  }
}

export interface SkipGroup {
  /** The reason with its paths and numbers blanked, shared by every item of the group. */
  reason: string
  items: ImportIssue[]
}

/**
 * Skipped frames and labels grouped by why, largest group first: 600
 * unlabelled frames read as one line, not 600. Paths become "…" and numbers
 * "#", so "label 12 (fold) covers no pixel centre" and "label 40 (fold) ..."
 * fall in one group.
 */
export function groupSkipped(skipped: readonly ImportIssue[]): SkipGroup[] {
  const groups = new Map<string, ImportIssue[]>()
  for (const s of skipped) {
    const key = s.reason
      .replace(/(?:[A-Za-z]:)?[\\/][^\s;,:]+/g, '…')
      .replace(/\d+/g, '#')
      .trim()
    const list = groups.get(key)
    if (list) list.push(s)
    else groups.set(key, [s])
  }
  return [...groups.entries()].map(([reason, items]) => ({ reason, items })).sort((a, b) => b.items.length - a.items.length)
}

/** Files an export writes, from its per-folder counts. */
export function fileCount(files: Record<string, number>): number {
  return Object.values(files).reduce((a, b) => a + b, 0)
}
