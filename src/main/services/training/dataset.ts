import type { DataSnapshot } from '../../../shared/contract'
import type { ClassSpec, DatasetItem } from '../../../shared/arcd/protocol'
import type { ImageStatus } from '../../../shared/domain'
import { listClasses } from '../classes'
import type { Workspace } from '../workspace'

export interface WorkspaceDataset {
  classes: ClassSpec[]
  /** Database class id of each model output channel, in order. */
  classIds: number[]
  items: DatasetItem[]
  /** Counts for the run's data snapshot. */
  counts: { images: number; normal: number; labeled: number; byView: Record<string, number>; bySplit: Record<string, number>; byClass: Record<string, number> }
  /** Latest label revision id included, so a later retrain can tell what is new. */
  maxRevision: number
}

/**
 * What the model learns from: frames an inspector has labelled or marked
 * normal. Unlabelled and needs-review frames are left out. Model output
 * channels follow the workspace's class order.
 */
export function buildDataset(ws: Workspace, statuses: ImageStatus[] = ['labeled', 'normal']): WorkspaceDataset {
  const classes = listClasses(ws)
  const indexOf = new Map(classes.map((c, i) => [c.id, i]))
  const rows = ws.db
    .prepare(
      `SELECT i.id, i.root_id, i.rel_path, i.width, i.height, i.view, i.split, i.status, i.hash
       FROM images i WHERE i.status IN (${statuses.map(() => '?').join(', ')}) ORDER BY i.id`
    )
    .all(...statuses) as {
    id: number
    root_id: number
    rel_path: string
    width: number
    height: number
    view: string
    split: DatasetItem['split']
    status: ImageStatus
    hash: string
  }[]
  const labelsOf = ws.db.prepare('SELECT class_id, points FROM labels WHERE image_id = ? AND deleted_at IS NULL ORDER BY id')
  const roots = new Map<number, string>()
  const counts: WorkspaceDataset['counts'] = { images: 0, normal: 0, labeled: 0, byView: {}, bySplit: {}, byClass: {} }
  const items: DatasetItem[] = rows.map((r) => {
    if (!roots.has(r.root_id)) roots.set(r.root_id, ws.rootPath(r.root_id))
    const polygons = (labelsOf.all(r.id) as { class_id: number; points: string }[]).map((l) => ({
      classIndex: indexOf.get(l.class_id)!,
      points: JSON.parse(l.points) as number[]
    }))
    counts.images++
    if (r.status === 'normal') counts.normal++
    else counts.labeled++
    counts.byView[r.view] = (counts.byView[r.view] ?? 0) + 1
    counts.bySplit[r.split] = (counts.bySplit[r.split] ?? 0) + 1
    for (const name of new Set(polygons.map((p) => classes[p.classIndex]!.name))) counts.byClass[name] = (counts.byClass[name] ?? 0) + 1
    return {
      id: r.id,
      path: `${roots.get(r.root_id)}/${r.rel_path}`,
      width: r.width,
      height: r.height,
      view: r.view,
      split: r.split,
      normal: r.status === 'normal',
      polygons,
      hash: r.hash
    }
  })
  const maxRevision = (ws.db.prepare('SELECT coalesce(max(id), 0) FROM label_revisions').pluck().get() as number) ?? 0
  return { classes: classes.map((c) => ({ name: c.name, kind: c.kind })), classIds: classes.map((c) => c.id), items, counts, maxRevision }
}

/** The run's record of its data; testIds fixes the test set (a retrain reuses its parent's). */
export function snapshotOf(data: WorkspaceDataset, testIds?: number[]): DataSnapshot {
  const testImageIds = testIds ?? data.items.filter((i) => i.split === 'test').map((i) => Number(i.id))
  const test = new Set(testImageIds)
  return {
    counts: data.counts,
    maxRevision: data.maxRevision,
    imageIds: data.items.map((i) => Number(i.id)),
    testImageIds,
    // Recorded so a frame the run validated on keeps its split (splits/restratify.ts).
    valImageIds: data.items.filter((i) => i.split === 'val' && !test.has(Number(i.id))).map((i) => Number(i.id))
  }
}
