/**
 * Channel and event names as plain data. Kept free of the schema library so
 * the sandboxed preload, which may load no module but electron, can build
 * window.api from it.
 */
export const CHANNELS = [
  'app.info',
  'app.openPath',
  'workspace.create',
  'workspace.open',
  'workspace.close',
  'dialog.pickFolder',
  'classes.list',
  'classes.save',
  'classes.edit',
  'classes.usage',
  'classes.reorder',
  'classes.merge',
  'classes.delete',
  'classes.history',
  'classes.undo',
  'classes.sinceRun',
  'images.query',
  'images.ids',
  'images.get',
  'images.thumbnails',
  'images.stats',
  'images.setStatus',
  'images.frame',
  'images.bulkPreview',
  'images.bulk',
  'images.undoBulk',
  'images.bulkHistory',
  'import.preview',
  'import.start',
  'export.preview',
  'export.start',
  'jobs.cancel',
  'labels.list',
  'labels.save',
  'labels.history',
  'ml.backend',
  'runs.list',
  'runs.get',
  'runs.train',
  'runs.cancel',
  'runs.resume',
  'runs.compare',
  'runs.promote',
  'runs.decline',
  'retrain.status',
  'retrain.start',
  'settings.getTraining',
  'settings.setTraining',
  'predictions.get',
  'predictions.previewAccept',
  'predictions.acceptAsLabels',
  'review.models',
  'review.queue',
  'review.maps',
  'review.metrics',
  'review.infer',
  'review.setThresholds',
  'review.verdict',
  'review.undoVerdict',
  'review.pendingVerdicts',
  'review.resolveVerdict',
  'review.report'
] as const

export type Channel = (typeof CHANNELS)[number]

export const EVENT_NAMES = ['job.progress', 'job.state', 'workspace.changed', 'run.progress', 'run.epoch', 'run.state'] as const
export type EventName = (typeof EVENT_NAMES)[number]

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value)
}
