/**
 * Markdown renderings of evaluation and experiment results, for the CLI and
 * for reports. Figures are percentages with two decimals; an undefined
 * metric (e.g. AUROC of a class absent from the test set) shows as "n/a".
 */
import { meanDefectAp, normalImages, type EvalReport, type GroupMetrics } from './metrics'
import type { ExperimentResult, ExperimentRow } from './protocol'

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : (v * 100).toFixed(2)
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n')
}

function groupRow(name: string, g: GroupMetrics): string[] {
  return [
    name,
    String(g.images),
    pct(g.mpa),
    pct(g.miou),
    ...g.classes.flatMap((c) => [pct(c.pixelAuroc), pct(c.pixelAp), pct(c.iou)]),
    pct(g.imageAuroc),
    g.ra === null ? 'n/a' : g.ra.toExponential(3)
  ]
}

/** One table: overall then each view; columns MPA, MIoU, then AUROC/AP/IoU per class, image AUROC, RA; then regions, and frames per defect class. */
export function renderEvalMarkdown(report: EvalReport, title = 'Evaluation'): string {
  const header = [
    'Group',
    'Images',
    'MPA',
    'MIoU',
    ...report.classes.flatMap((c) => [`AUROC ${c.name}`, `AP ${c.name}`, `IoU ${c.name}`]),
    'Image AUROC',
    'RA'
  ]
  const rows = [groupRow('overall', report.overall), ...Object.entries(report.perView).map(([v, g]) => groupRow(v, g))]
  const parts = [`## ${title}`, '', table(header, rows)]
  if (report.overall.regions.length > 0) {
    parts.push(
      '',
      'Region classes (scored on their own, inside vs outside):',
      '',
      table(
        ['Region', 'MPA', 'MIoU'],
        report.overall.regions.map((r) => [r.name, pct(r.mpa), pct(r.miou)])
      )
    )
  }
  const counted = report.overall.classes.filter((c) => c.kind === 'defect' && c.frames !== undefined)
  if (counted.length > 0) {
    const normals = normalImages(report.overall)
    parts.push(
      '',
      `Frames (overall): where each defect class is labelled, those where its mask covers a labelled pixel, and of the ${normals} normal frames those it marks anywhere:`,
      '',
      table(
        ['Class', 'Labelled', 'Found', 'Normal frames marked'],
        counted.map((c) => [c.name, String(c.frames), String(c.framesFound ?? 'n/a'), normals > 0 ? `${c.normalsMarked ?? 'n/a'} (${pct((c.normalsMarked ?? Number.NaN) / normals)}%)` : 'n/a'])
      )
    )
  }
  parts.push(
    '',
    `Thresholds: ${Object.entries(report.thresholds)
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', ')}. MPA/MIoU over background + defect classes; percentages.`
  )
  return parts.join('\n') + '\n'
}

const ARCH_NAMES: Record<string, string> = { arcd: 'ARCD (U-Net)', unet: 'U-Net' }

/** How long each training ran: the budget, or the fixed steps or epochs. */
function trainingLength(result: ExperimentResult): string {
  const t = result.train
  if (result.model.input === 'letterbox') return `epochs ${t.stage1Epochs}/${t.stage2Epochs}`
  return t.budgetMinutes > 0 ? `${t.budgetMinutes} min per training` : `steps ${t.stage1Steps}/${t.stage2Steps}`
}

const byArchThenFraction = (a: ExperimentRow, b: ExperimentRow) => (a.arch === b.arch ? b.fraction - a.fraction : a.arch === 'unet' ? -1 : 1)
const fractionLabel = (f: number) => `${Math.round(f * 100)}%`

/** The label-fraction table (thesis Table 3.4 layout) plus the ARCD - U-Net gap per fraction. */
export function renderExperimentMarkdown(result: ExperimentResult): string {
  const classes = result.classes
  const header = [
    'Model',
    'Labels',
    'Train defects',
    'Steps',
    'MPA',
    'MIoU',
    'Mean AP',
    ...classes.map((c) => `AUROC ${c.name}`),
    ...classes.map((c) => `AP ${c.name}`),
    'Image AUROC'
  ]
  const rows = [...result.rows].sort(byArchThenFraction).map((r) => {
    const o = r.report.overall
    return [
      ARCH_NAMES[r.arch] ?? r.arch,
      fractionLabel(r.fraction),
      String(r.trainDefectImages),
      r.steps === null ? 'reused' : String(r.steps),
      pct(o.mpa),
      pct(o.miou),
      pct(meanDefectAp(o)),
      ...o.classes.map((c) => pct(c.pixelAuroc)),
      ...o.classes.map((c) => pct(c.pixelAp)),
      pct(o.imageAuroc)
    ]
  })
  const gaps: string[][] = []
  const fractions = [...new Set(result.rows.map((r) => r.fraction))].sort((a, b) => b - a)
  for (const f of fractions) {
    const a = result.rows.find((r) => r.arch === 'arcd' && r.fraction === f)?.report.overall
    const u = result.rows.find((r) => r.arch === 'unet' && r.fraction === f)?.report.overall
    if (!a || !u) continue
    const diff = (x: number | null, y: number | null) => (x === null || y === null ? 'n/a' : ((x - y) * 100).toFixed(2))
    gaps.push([fractionLabel(f), diff(a.mpa, u.mpa), diff(a.miou, u.miou), diff(meanDefectAp(a), meanDefectAp(u)), diff(a.imageAuroc, u.imageAuroc)])
  }
  const warnings = [...result.rows].sort(byArchThenFraction).flatMap((r) => r.warnings.map((w) => `- ${ARCH_NAMES[r.arch] ?? r.arch} ${fractionLabel(r.fraction)}: ${w}`))
  const s = result.split
  const m = result.model
  const t = result.train
  return [
    '## Label-fraction experiment: ARCD vs plain U-Net',
    '',
    `Test set: ${s.test} defect + ${s.normalTest} normal images; training pool ${s.train} defect images ` +
      `(validation ${s.val}), ${s.normalTrain} normal images for stage 1 and as negatives. ` +
      `Model ${m.size}px, widths recon ${m.reconBase}x${m.reconDepth}, disc ${m.discBase}x${m.discDepth}; ` +
      `${trainingLength(result)}, batch ${t.batchSize}, lr ${t.lr}, loss ${t.loss}; seed ${result.seed}, split seed ${result.splitSeed}; ` +
      `backend ${result.backend}; ${(result.seconds / 60).toFixed(1)} min.`,
    '',
    table(header, rows),
    '',
    'ARCD minus U-Net (percentage points):',
    '',
    table(['Labels', 'MPA', 'MIoU', 'Mean AP', 'Image AUROC'], gaps),
    '',
    ...(warnings.length > 0 ? ['Warnings from training:', '', ...warnings, ''] : [])
  ].join('\n')
}

/** Mean ± sample standard deviation of fractions, in percent; missing values are left out. */
export function meanSpread(values: (number | null | undefined)[]): string {
  const v = values.filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x))
  if (v.length === 0) return 'n/a'
  const mean = v.reduce((a, b) => a + b, 0) / v.length
  if (v.length === 1) return (mean * 100).toFixed(2)
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1))
  return `${(mean * 100).toFixed(2)} ± ${(sd * 100).toFixed(2)}`
}

/**
 * The same experiment over several training seeds: each figure as mean ±
 * standard deviation, and the ARCD - U-Net gap paired by seed. Seeds drawn on
 * different splits have different test sets and are refused.
 */
export function renderSeedSummary(results: ExperimentResult[]): string {
  if (results.length === 0) throw new Error('no experiment results to summarise')
  const splitSeeds = new Set(results.map((r) => r.splitSeed))
  if (splitSeeds.size > 1) throw new Error(`the results come from different splits (split seeds ${[...splitSeeds].join(', ')}) and cannot be averaged`)
  const classes = results[0]!.classes.filter((c) => c.kind === 'defect')
  const keys = [...new Map(results.flatMap((r) => r.rows).sort(byArchThenFraction).map((r) => [`${r.arch}@${r.fraction}`, r])).values()]
  const rowsOf = (arch: string, fraction: number) =>
    results.map((r) => r.rows.find((x) => x.arch === arch && x.fraction === fraction)?.report.overall ?? null)
  const rows = keys.map(({ arch, fraction }) => {
    const g = rowsOf(arch, fraction)
    const present = g.filter((x) => x !== null)
    return [
      ARCH_NAMES[arch] ?? arch,
      fractionLabel(fraction),
      String(present.length),
      meanSpread(present.map((x) => x.mpa)),
      meanSpread(present.map((x) => x.miou)),
      meanSpread(present.map(meanDefectAp)),
      ...classes.map((c) => meanSpread(present.map((x) => x.classes.find((m) => m.name === c.name)?.pixelAp))),
      meanSpread(present.map((x) => x.imageAuroc))
    ]
  })
  const gaps: string[][] = []
  for (const fraction of [...new Set(keys.map((k) => k.fraction))]) {
    const a = rowsOf('arcd', fraction)
    const u = rowsOf('unet', fraction)
    const pairs = a.flatMap((x, i) => (x && u[i] ? [[x, u[i]!] as const] : []))
    if (pairs.length === 0) continue
    const diff = (pick: (g: GroupMetrics) => number | null) =>
      meanSpread(pairs.map(([x, y]) => (pick(x) === null || pick(y) === null ? null : pick(x)! - pick(y)!)))
    const ahead = pairs.filter(([x, y]) => (meanDefectAp(x) ?? 0) > (meanDefectAp(y) ?? 0)).length
    gaps.push([fractionLabel(fraction), diff((g) => g.miou), diff(meanDefectAp), diff((g) => g.imageAuroc), `${ahead} of ${pairs.length}`])
  }
  const seeds = results.map((r) => r.seed)
  return [
    `## Label-fraction experiment over ${results.length} seeds`,
    '',
    `Mean ± sample standard deviation over training seeds ${seeds.join(', ')} on one split (split seed ${results[0]!.splitSeed}); percentages.`,
    '',
    table(['Model', 'Labels', 'Seeds', 'MPA', 'MIoU', 'Mean AP', ...classes.map((c) => `AP ${c.name}`), 'Image AUROC'], rows),
    '',
    'ARCD minus U-Net, paired by seed (percentage points):',
    '',
    table(['Labels', 'MIoU', 'Mean AP', 'Image AUROC', 'ARCD ahead on mean AP'], gaps),
    ''
  ].join('\n')
}
