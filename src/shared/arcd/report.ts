/**
 * Markdown renderings of evaluation and experiment results, for the CLI and
 * for reports. Figures are percentages with two decimals; an undefined
 * metric (e.g. AUROC of a class absent from the test set) shows as "n/a".
 */
import type { EvalReport, GroupMetrics } from './metrics'
import type { ExperimentResult } from './protocol'

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

/** One table: overall then each view; columns MPA, MIoU, then AUROC/AP/IoU per class, image AUROC, RA. */
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
  parts.push(
    '',
    `Thresholds: ${Object.entries(report.thresholds)
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', ')}. MPA/MIoU over background + defect classes; percentages.`
  )
  return parts.join('\n') + '\n'
}

const ARCH_NAMES: Record<string, string> = { arcd: 'ARCD (U-Net)', unet: 'U-Net' }

/** The label-fraction table (thesis Table 3.4 layout) plus the ARCD - U-Net gap per fraction. */
export function renderExperimentMarkdown(result: ExperimentResult): string {
  const classes = result.classes
  const header = [
    'Model',
    'Labels',
    'Train defects',
    'MPA',
    'MIoU',
    ...classes.map((c) => `AUROC ${c.name}`),
    ...classes.map((c) => `AP ${c.name}`),
    'Image AUROC'
  ]
  const rows = [...result.rows]
    .sort((a, b) => (a.arch === b.arch ? b.fraction - a.fraction : a.arch === 'unet' ? -1 : 1))
    .map((r) => {
      const o = r.report.overall
      return [
        ARCH_NAMES[r.arch] ?? r.arch,
        `${Math.round(r.fraction * 100)}%`,
        String(r.trainDefectImages),
        pct(o.mpa),
        pct(o.miou),
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
    gaps.push([`${Math.round(f * 100)}%`, diff(a.mpa, u.mpa), diff(a.miou, u.miou)])
  }
  const s = result.split
  const m = result.model
  const t = result.train
  return [
    '## Label-fraction experiment: ARCD vs plain U-Net',
    '',
    `Test set: ${s.test} defect + ${s.normalTest} normal images; training pool ${s.train} defect images ` +
      `(validation ${s.val}), ${s.normalTrain} normal images for stage 1 and as negatives. ` +
      `Model ${m.size}px, widths recon ${m.reconBase}x${m.reconDepth}, disc ${m.discBase}x${m.discDepth}; ` +
      `epochs ${t.stage1Epochs}/${t.stage2Epochs}, batch ${t.batchSize}, lr ${t.lr}; seed ${result.seed}; ` +
      `backend ${result.backend}; ${(result.seconds / 60).toFixed(1)} min.`,
    '',
    table(header, rows),
    '',
    'ARCD minus U-Net (percentage points):',
    '',
    table(['Labels', 'MPA', 'MIoU'], gaps),
    ''
  ].join('\n')
}
