/**
 * `npm run studio -- <command>`: the headless CLI. It drives the same
 * services as the app, so anything done here is what the app would do.
 */
import { resolve } from 'node:path'
import { StudioError, type ClassMapping, type ImportIssue, type ImportOptions, type ImportSummary } from '../../shared/contract'
import type { ImportPreviewResult } from '../../shared/contract/namespaces/import'
import { SPLITS, UNASSIGNED_VIEW, VIEWS, type Split, type ViewOrUnassigned } from '../../shared/domain'
import { createDemoWorkspace, DEMO_DEFAULTS } from '../services/demo/demoWorkspace'
import { importFolder } from '../services/import/runImport'
import { previewImport } from '../services/formats/preview'
import { isWorkspace, Workspace } from '../services/workspace'
import { setLockOwner } from '../services/workspaceLock'
import { imageStats } from '../services/images'
import { listClasses } from '../services/classes'
import { intFlag, parseArgs, stringFlag, UsageError, type ParsedArgs } from './args'
import { ProgressBar } from './progress'
import { parseMaskValues } from './importFlags'
import { evalCmd, experimentCmd, inferCmd, trainCmd } from './mlCommands'
import { EXPORT_BOOLEANS, EXPORT_USAGE, exportCmd } from './exportCommand'
import { TRAIN_BOOLEANS, TRAIN_USAGE } from './trainFlags'

const USAGE = `Usage: npm run studio -- <command> [options]

Commands:
  demo <dir> [--frames-per-view 12] [--size 1440x2560] [--seed 7]
      Write a synthetic demo workspace (views D01-D04, ground truth included).
  import <folder> --workspace <dir> [--masks <folder>[,<folder>]] [--mask-classes a,b,c] [--mask-values 1=a,4=]
         [--labelme] [--coco <file.json>] [--split train|val|test] [--view D01..D04] [--normal] [--create]
         [--map old=new,old2=] [--create-classes] [--trace-tolerance 1] [--group-pattern <regex>|batch|none] [--dry-run]
  import --mvtec <category folder> --workspace <dir> [same options]
      Import images (JPEG, PNG, BMP, TIFF) recursively, with optional labels. Label classes the
      workspace lacks must be mapped (--map) or allowed (--create-classes); --dry-run lists them.
      --group-pattern: frames whose paths give the same key (the regex's first group; default a
      coil<digits> token) share one split; batch = the whole import, none = each frame alone.
      --mask-values: the class of single mask values (4= skips value 4), over --mask-classes and
      classes.txt; --dry-run lists every value the masks hold with its pixels.
  info --workspace <dir>
      Counts per view, split, status and class.
${EXPORT_USAGE}${TRAIN_USAGE}  eval --workspace <dir> [--model <run id>] [--split test] [--json]
      Every metric (MPA, MIoU, pixel AUROC/AP per class, image AUROC, RA), overall and per view.
  infer --workspace <dir> [--model <run id>] [--out <dir>] [--split s] [--limit n] [--json]
      Reconstructions, heatmaps and masks as PNG files.
  experiment magnetic-tile [--budget 6] [--seed 1 | --seeds 1,2,3] [--split-seed 1] [--size 256] [--width 8] [--depth 4] [--batch 8] [--lr 2e-3] [--fractions 1,0.5,0.3] [--input letterbox --size 64 --epochs1 4 --epochs2 12] [--out docs/experiments-latest.md]
      ARCD against the plain U-Net on ../shared/datasets/magnetic-tile at several label fractions; --seeds repeats it
      per training seed on one split and adds mean ± standard deviation. Writes the tables and a .json beside them.
`

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, new Set(['labelme', 'normal', 'create', 'json', 'help', 'create-classes', ...TRAIN_BOOLEANS, ...EXPORT_BOOLEANS]))
  const [command, ...rest] = args.positionals
  if (!command || args.flags.help) {
    process.stdout.write(USAGE)
    return command ? 0 : 1
  }
  setLockOwner(`Defect Studio CLI \`${command}\``)
  switch (command) {
    case 'demo':
      return demo(rest[0], args)
    case 'import':
      return importCmd(rest[0], args)
    case 'info':
      return info(args)
    case 'export':
      return exportCmd(args)
    case 'train':
      return trainCmd(args)
    case 'eval':
      return evalCmd(args)
    case 'infer':
      return inferCmd(args)
    case 'experiment':
      return experimentCmd(rest[0], args)
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

async function demo(dir: string | undefined, args: ParsedArgs): Promise<number> {
  if (!dir) throw new UsageError('demo needs a folder: npm run studio -- demo <dir>')
  const size = stringFlag(args, 'size')
  let width = DEMO_DEFAULTS.width
  let height = DEMO_DEFAULTS.height
  if (size) {
    const m = /^(\d+)x(\d+)$/.exec(size)
    if (!m) throw new UsageError(`--size must look like 1440x2560, got "${size}"`)
    width = Number(m[1])
    height = Number(m[2])
  }
  const bar = new ProgressBar('frames')
  const { workspace, summary } = await createDemoWorkspace(
    resolve(dir),
    { framesPerView: intFlag(args, 'frames-per-view', DEMO_DEFAULTS.framesPerView), width, height, seed: intFlag(args, 'seed', DEMO_DEFAULTS.seed) },
    (d, t) => bar.update(d, t)
  )
  bar.finish()
  printSummary(summary)
  process.stdout.write(`Demo workspace written to ${workspace.dir}\n`)
  workspace.close()
  return 0
}

async function importCmd(positional: string | undefined, args: ParsedArgs): Promise<number> {
  const mvtec = stringFlag(args, 'mvtec')
  if (mvtec && positional && resolve(positional) !== resolve(mvtec)) {
    throw new UsageError('import --mvtec <folder> reads that folder: give no other folder, or the same one')
  }
  const folder = mvtec ?? positional
  if (!folder) throw new UsageError('import needs a folder: npm run studio -- import <folder> --workspace <dir>')
  const wsDir = stringFlag(args, 'workspace')
  if (!wsDir) throw new UsageError('import needs --workspace <dir>')
  const split = stringFlag(args, 'split')
  if (split && !(SPLITS as readonly string[]).includes(split)) throw new UsageError(`--split must be one of ${SPLITS.join(', ')}`)
  const view = stringFlag(args, 'view')
  if (view && ![...VIEWS, UNASSIGNED_VIEW].includes(view as ViewOrUnassigned)) {
    throw new UsageError(`--view must be one of ${VIEWS.join(', ')}`)
  }
  const masks = stringFlag(args, 'masks')
  const maskClasses = stringFlag(args, 'mask-classes')
  const maskValues = stringFlag(args, 'mask-values')
  const coco = stringFlag(args, 'coco')
  const map = stringFlag(args, 'map')
  const tolerance = stringFlag(args, 'trace-tolerance')
  const groupPattern = stringFlag(args, 'group-pattern')
  if (tolerance !== undefined && !(Number(tolerance) >= 0 && Number(tolerance) <= 8)) {
    throw new UsageError(`--trace-tolerance must be a number of pixels from 0 to 8, got "${tolerance}"`)
  }
  const opts: ImportOptions = {
    folder: resolve(folder),
    ...(masks ? { masks: masks.split(',').map((m) => resolve(m.trim())) } : {}),
    ...(maskClasses ? { maskClasses: maskClasses.split(',').map((s) => s.trim()) } : {}),
    ...(maskValues ? { valueMap: parseMaskValues(maskValues) } : {}),
    ...(args.flags.labelme ? { labelme: true } : {}),
    ...(coco ? { coco: resolve(coco) } : {}),
    ...(mvtec ? { mvtec: true } : {}),
    ...(split ? { split: split as Split } : {}),
    ...(view ? { view: view as ViewOrUnassigned } : {}),
    ...(args.flags.normal ? { normal: true } : {}),
    ...(map ? { classMap: parseClassMap(map) } : {}),
    // The CLI asks before inventing classes: a typo in a label file must not become a class.
    createClasses: Boolean(args.flags['create-classes']),
    ...(tolerance !== undefined ? { traceTolerance: Number(tolerance) } : {}),
    ...(groupPattern !== undefined ? { groupPattern } : {})
  }
  const ws = args.flags.create && !isWorkspace(wsDir) ? Workspace.create(resolve(wsDir)) : Workspace.open(resolve(wsDir))
  if (args.flags['dry-run']) {
    try {
      const preview = await previewImport(ws, opts)
      process.stdout.write(args.flags.json ? JSON.stringify(preview, null, 2) + '\n' : formatImportPreview(preview))
      return 0
    } finally {
      ws.close()
    }
  }
  const controller = new AbortController()
  const onSigint = (): void => {
    process.stderr.write('\nCancelling: finishing the images in flight...\n')
    controller.abort()
  }
  process.once('SIGINT', onSigint)
  const bar = new ProgressBar('import')
  try {
    const summary = await importFolder(ws, opts, { signal: controller.signal, onProgress: (p) => bar.update(p.done, p.total) })
    bar.finish()
    if (args.flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
    else printSummary(summary)
    return summary.cancelled ? 130 : 0
  } catch (err) {
    // The message (a full disk, say) starts on a line of its own, not after the bar.
    bar.finish()
    throw err
  } finally {
    process.off('SIGINT', onSigint)
    ws.close()
  }
}

/** "old=new,old2=" -> mappings; an empty target drops that class. */
function parseClassMap(text: string): ClassMapping[] {
  return text.split(',').map((pair) => {
    const eq = pair.indexOf('=')
    const from = eq < 0 ? '' : pair.slice(0, eq).trim()
    if (!from) throw new UsageError(`--map takes old=new pairs separated by commas (old= drops a class), got "${pair}"`)
    return { from, to: pair.slice(eq + 1).trim() }
  })
}

function formatImportPreview(p: ImportPreviewResult): string {
  const lines = [
    `Would import ${p.images} images from ${p.folder}, with ${p.labelFiles} label files`,
    ...p.maskFolders.flatMap((m) => [
      `  mask values in ${m.folder} (${m.sampled ? `a sample of ${m.read} of ${m.masks} masks` : `${m.read} masks`}; names from ${m.namesFrom ?? 'nowhere: give --mask-classes'}):`,
      ...m.values.map((v) => `    ${v.value}: ${v.pixels} px in ${v.files} mask${v.files === 1 ? '' : 's'} -> ${v.name ?? 'no name'}`)
    ]),
    '  classes in the labels:',
    ...p.classes.map(
      (c) => `    ${c.name}${c.labels !== undefined ? ` (${c.labels})` : ''} -> ${c.target === null ? 'dropped' : `${c.target}${c.exists ? '' : ' (new class)'}`}`
    ),
    ...(p.unknownClasses.length ? [`  not in the workspace: ${p.unknownClasses.join(', ')} (map them with --map, or allow them with --create-classes)`] : []),
    `  problems: ${p.issues.length}`,
    ...p.issues.slice(0, 50).map((i) => `    ${i.path}: ${i.reason}`)
  ]
  return lines.join('\n') + '\n'
}

function info(args: ParsedArgs): number {
  const wsDir = stringFlag(args, 'workspace')
  if (!wsDir) throw new UsageError('info needs --workspace <dir>')
  const ws = Workspace.open(resolve(wsDir))
  try {
    const stats = imageStats(ws)
    const classes = listClasses(ws)
    const out = {
      workspace: ws.info(),
      ...stats,
      byClass: Object.fromEntries(classes.map((c) => [c.name, stats.byClass[String(c.id)] ?? 0]))
    }
    process.stdout.write(JSON.stringify(out, null, 2) + '\n')
    return 0
  } finally {
    ws.close()
  }
}

function printSummary(s: ImportSummary): void {
  const lines = [
    `Imported ${s.imported} of ${s.found} images in ${s.seconds.toFixed(1)} s` + (s.cancelled ? ' (cancelled)' : ''),
    `  duplicates skipped: ${s.duplicates}`,
    ...(s.replaced ? [`  replaced in place (labels kept, sent to review): ${s.replaced}`] : []),
    `  failed: ${s.failed.length}`,
    ...s.failed.slice(0, 50).map((f) => `    ${f.path}: ${f.reason}`),
    ...(s.failed.length > 50 ? [`    ... and ${s.failed.length - 50} more`] : []),
    ...issueLines('skipped', s.skipped ?? []),
    ...issueLines('notes', s.notes ?? []),
    `  by view: ${fmt(s.byView)}`,
    `  by split: ${fmt(s.bySplit)}`,
    `  labels: ${s.labels.imported} from ${s.labels.files} files` +
      (s.labels.createdClasses.length ? `; new classes: ${s.labels.createdClasses.join(', ')}` : '') +
      (s.labels.dropped ? `; ${s.labels.dropped} dropped by the class mapping` : ''),
    ...s.labels.failed.slice(0, 50).map((f) => `    ${f.path}: ${f.reason}`)
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

function issueLines(title: string, issues: ImportIssue[]): string[] {
  if (issues.length === 0) return []
  return [
    `  ${title}: ${issues.length}`,
    ...issues.slice(0, 50).map((f) => `    ${f.path}: ${f.reason}`),
    ...(issues.length > 50 ? [`    ... and ${issues.length - 50} more`] : [])
  ]
}

function fmt(r: Record<string, number>): string {
  const entries = Object.entries(r)
  return entries.length ? entries.map(([k, v]) => `${k} ${v}`).join(', ') : '-'
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`studio: ${err.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else if (err instanceof StudioError) {
      process.stderr.write(`studio: ${err.message}\n`)
      process.exitCode = 1
    } else {
      process.stderr.write(`studio: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 1
    }
  }
)
