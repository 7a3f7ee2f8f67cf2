import { createHash } from 'node:crypto'
import type { ClassSpec, DatasetItem } from '../../../shared/arcd/protocol'
import type { Workspace } from '../workspace'
import { buildDataset } from './dataset'

/**
 * The ground truth of a fixed set of test frames as it is now: what an eval
 * job scores against. Its key names the label state, so an evaluation of a
 * model is reused only while not one of those frames' labels or statuses has
 * changed.
 */
export interface LabelState {
  /** Frames with ground truth now (labelled or normal), split set to 'test' so the eval job scores every one. */
  items: DatasetItem[]
  classes: ClassSpec[]
  /** Per frame id, a hash of its status and labels. */
  frames: Record<string, string>
  key: string
  /** Asked-for frames left out: deleted, or no longer labelled or normal (no ground truth). */
  dropped: number
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

/** Class names, not indices: a class added to the workspace does not change a frame's labels. */
export function frameFingerprint(item: DatasetItem, classes: ClassSpec[]): string {
  const polygons = item.polygons.map((p) => `${classes[p.classIndex]?.name ?? '?'}:${p.points.join(',')}`).sort()
  return hash(JSON.stringify({ normal: item.normal, polygons, file: item.hash ?? null }))
}

export function labelStateOf(ws: Workspace, frameIds: readonly number[]): LabelState {
  const wanted = new Set(frameIds)
  const data = buildDataset(ws)
  // Frames moved out of the test split since stay in: the frame set is the runs' test set, fixed by id.
  const items = data.items.filter((i) => wanted.has(Number(i.id))).map((i): DatasetItem => ({ ...i, split: 'test' }))
  const frames = Object.fromEntries(items.map((i) => [String(i.id), frameFingerprint(i, data.classes)]))
  const classes = data.classes.map((c) => `${c.name}:${c.kind}`).join('|')
  const body = Object.entries(frames)
    .sort(([x], [y]) => Number(x) - Number(y))
    .map(([id, fp]) => `${id}=${fp}`)
    .join(';')
  return { items, classes: data.classes, frames, key: hash(`${classes}#${body}`), dropped: wanted.size - items.length }
}

/**
 * Of the frames compared (`ids`), how many have other ground truth now than
 * in `then` (a run's record of its own test report): labels or status
 * changed, ground truth gained or lost.
 */
export function changedFrames(then: Record<string, string>, now: Record<string, string>, ids: readonly number[]): number {
  return ids.filter((id) => then[String(id)] !== now[String(id)]).length
}
