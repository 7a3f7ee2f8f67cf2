/**
 * `studio export`: the same export as the app's, with its dry-run summary
 * printed first. `--dry-run` stops there.
 */
import { resolve } from 'node:path'
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  type ExportPreview,
  type ExportSummary,
  type ImageFilter
} from '../../shared/contract'
import { IMAGE_STATUSES, SPLITS, UNASSIGNED_VIEW, VIEWS, type ImageStatus, type Split, type ViewOrUnassigned } from '../../shared/domain'
import { listClasses } from '../services/classes'
import { previewExport, runExport } from '../services/export/runExport'
import { Workspace } from '../services/workspace'
import { stringFlag, UsageError, type ParsedArgs } from './args'
import { ProgressBar } from './progress'

export const EXPORT_USAGE = `  export --workspace <dir> --format coco|masks|labelme|mvtec --out <dir>
         [--view D01,D02] [--split test] [--class fold] [--status labeled]
         [--copy-images | --no-copy-images] [--overwrite] [--dry-run] [--json]
      Write the frames and labels in a format other tools read unchanged; prints what it will write first.
`

/** Boolean flags of the export command, for the argv parser. */
export const EXPORT_BOOLEANS = ['dry-run', 'overwrite', 'copy-images', 'no-copy-images'] as const

function list(args: ParsedArgs, key: string): string[] | undefined {
  const v = stringFlag(args, key)
  if (v === undefined) return undefined
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new UsageError(`--${key} needs at least one value`)
  return items
}

function oneOf<T extends string>(key: string, values: string[] | undefined, allowed: readonly T[]): T[] | undefined {
  if (!values) return undefined
  for (const v of values) if (!allowed.includes(v as T)) throw new UsageError(`--${key}: "${v}" is not one of ${allowed.join(', ')}`)
  return values as T[]
}

export function exportOptions(args: ParsedArgs, ws: Workspace): ExportOptions {
  const format = stringFlag(args, 'format')
  if (!format) throw new UsageError(`export needs --format ${EXPORT_FORMATS.join('|')}`)
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got "${format}"`)
  const out = stringFlag(args, 'out')
  if (!out) throw new UsageError('export needs --out <dir>')
  if (args.flags['copy-images'] && args.flags['no-copy-images']) throw new UsageError('--copy-images and --no-copy-images contradict each other')
  const filter: ImageFilter = {}
  const views = oneOf<ViewOrUnassigned>('view', list(args, 'view')?.map((v) => (v.toLowerCase() === UNASSIGNED_VIEW ? v.toLowerCase() : v.toUpperCase())), [...VIEWS, UNASSIGNED_VIEW])
  if (views) filter.views = views
  const splits = oneOf<Split>('split', list(args, 'split'), SPLITS)
  if (splits) filter.splits = splits
  const statuses = oneOf<ImageStatus>('status', list(args, 'status'), IMAGE_STATUSES)
  if (statuses) filter.statuses = statuses
  const classNames = list(args, 'class')
  if (classNames) {
    const classes = listClasses(ws)
    filter.classIds = classNames.map((name) => {
      const cls = classes.find((c) => c.name.toLowerCase() === name.toLowerCase())
      if (!cls) throw new UsageError(`--class: no class "${name}" in this workspace (classes: ${classes.map((c) => c.name).join(', ')})`)
      return cls.id
    })
  }
  return {
    format: format as ExportFormat,
    out: resolve(out),
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(args.flags['copy-images'] ? { copyImages: true } : args.flags['no-copy-images'] ? { copyImages: false } : {}),
    ...(args.flags.overwrite ? { overwrite: true } : {})
  }
}

export async function exportCmd(args: ParsedArgs): Promise<number> {
  const wsDir = stringFlag(args, 'workspace')
  if (!wsDir) throw new UsageError('export needs --workspace <dir>')
  const ws = Workspace.open(resolve(wsDir))
  try {
    const opts = exportOptions(args, ws)
    const preview = previewExport(ws, opts)
    const json = Boolean(args.flags.json)
    if (args.flags['dry-run'] || preview.outProblem) {
      if (json) process.stdout.write(JSON.stringify(preview, null, 2) + '\n')
      else process.stdout.write(formatPreview(preview, true))
      if (preview.outProblem) process.stderr.write(`studio: ${preview.outProblem}\n`)
      return preview.outProblem ? 1 : 0
    }
    if (!json) process.stdout.write(formatPreview(preview, false))
    const controller = new AbortController()
    const onSigint = (): void => {
      process.stderr.write('\nCancelling: finishing the frame being written, then removing what was written...\n')
      controller.abort()
    }
    process.once('SIGINT', onSigint)
    const bar = new ProgressBar('export')
    try {
      const summary = await runExport(ws, opts, { signal: controller.signal, onProgress: (p) => bar.update(p.done, p.total) })
      bar.finish()
      process.stdout.write(json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary))
      return summary.cancelled ? 130 : 0
    } catch (err) {
      // The message goes on a line of its own, not after the bar.
      bar.finish()
      throw err
    } finally {
      process.off('SIGINT', onSigint)
    }
  } finally {
    ws.close()
  }
}

export function formatPreview(p: ExportPreview, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'Would export' : 'Exporting'} ${p.frames} of ${p.selected} selected frames as ${p.format} to ${p.out}` +
      ` (images ${p.copyImages ? 'copied' : 'not copied'})`,
    `  labels: ${p.labels}`,
    `  by view: ${fmt(p.byView)}`,
    `  by split: ${fmt(p.bySplit)}`,
    `  by class: ${fmt(p.byClass)}`,
    `  files by folder: ${fmt(p.files)}`,
    `  left out: ${p.skipped.length}`,
    ...p.skipped.slice(0, 30).map((s) => `    ${s.path}: ${s.reason}`),
    ...(p.skipped.length > 30 ? [`    ... and ${p.skipped.length - 30} more (--json lists them all)`] : []),
    ...p.warnings.map((w) => `  warning: ${w}`),
    ...(p.outProblem ? [`  refused: ${p.outProblem}`] : [])
  ]
  return lines.join('\n') + '\n'
}

function formatSummary(s: ExportSummary): string {
  if (s.cancelled) return `Cancelled after ${s.frames} frames: nothing was written to ${s.out}, and what was there before is unchanged\n`
  return (
    `Wrote ${s.frames} frames (${s.labels} labels, ${s.written} files) to ${s.out} in ${s.seconds.toFixed(1)} s; see manifest.json\n` +
    (s.skipped.length ? `  left out: ${s.skipped.length} (listed in manifest.json)\n` : '') +
    s.warnings.filter((w) => /^(removed|kept) /.test(w)).map((w) => `  ${w}\n`).join('')
  )
}

function fmt(r: Record<string, number>): string {
  const entries = Object.entries(r)
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : '-'
}
