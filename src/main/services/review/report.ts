/**
 * The review report: one self-contained HTML file (inline CSS, SVG curves,
 * images as data: URIs, no external reference) with the metrics per class
 * and view, the frame counts, the ROC and PR curves, and the worst
 * false-positive and false-negative frames as strips of
 * frame | reconstruction | heatmap | TP/FP/FN.
 * Written to <workspace>/reports/review-model-<id>-<time>.html.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp, { type Sharp } from 'sharp'
import type { ClassDef, FrameCounts, ReviewGroupMetrics, ReviewItem, ReviewMetrics, ReviewQueue, ReviewReport } from '../../../shared/contract'
import { heatColour, heatLut, hex, OUTCOME_COLOURS } from '../../../shared/review/colors'
import { curveSvg, escapeXml } from '../../../shared/review/svg'
import { predictedMasks } from '../../../shared/review/predicted'
import { getImage } from '../images'
import { openImage } from '../../../shared/node/imaging/decode'
import { listLabels } from '../labels'
import type { Workspace } from '../workspace'
import { classMasks } from './labelMasks'
import { predictionRef, probFile, readProb, reconFile, reducedSize } from './mapFiles'
import type { ModelInfo } from './models'

const STRIP_MAX_SIDE = 220
export const DEFAULT_WORST = 6

interface Strip {
  item: ReviewItem
  cells: { title: string; uri: string | null }[]
}

async function pngUri(rgb: Uint8Array, width: number, height: number): Promise<string> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer()
  return `data:image/png;base64,${png.toString('base64')}`
}

async function jpegUri(pipeline: Sharp, size: { width: number; height: number }): Promise<{ uri: string; rgb: Uint8Array }> {
  const { data } = await pipeline.resize({ width: size.width, height: size.height, fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const jpg = await sharp(rgb, { raw: { width: size.width, height: size.height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer()
  return { uri: `data:image/jpeg;base64,${jpg.toString('base64')}`, rgb }
}

async function stripOf(ws: Workspace, modelId: number, item: ReviewItem, classes: ClassDef[], thresholds: Record<string, number>): Promise<Strip> {
  const detail = getImage(ws, item.imageId)
  const size = reducedSize(detail.width, detail.height, STRIP_MAX_SIDE)
  const n = size.width * size.height
  const ref = predictionRef(ws, modelId, item.imageId)
  let frameRgb: Uint8Array | null = null
  let frameUri: string | null = null
  try {
    const img = await openImage(await readFile(detail.absPath))
    const f = await jpegUri(img.pipeline(), size)
    frameRgb = f.rgb
    frameUri = f.uri
  } catch {
    // The source moved: the strip shows the maps without the frame.
  }
  const recon = reconFile(ref)
  const reconUri = recon ? (await jpegUri(sharp(recon), size)).uri : null
  const defects = classes.filter((c) => c.kind === 'defect')
  const masks = classMasks(listLabels(ws, item.imageId), defects.map((c) => c.id), detail, size)
  const heat = new Uint8Array(n)
  const outcome = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) {
    const g = frameRgb ? Math.round((frameRgb[3 * i]! * 0.3 + frameRgb[3 * i + 1]! * 0.59 + frameRgb[3 * i + 2]! * 0.11) * 0.45) : 0
    outcome.fill(g, 3 * i, 3 * i + 3)
  }
  const paint = (i: number, c: readonly number[]): void => outcome.set(c, 3 * i)
  // The defect classes' masks under the one threshold rule, so a pixel two classes fire on is painted once.
  const probs = await Promise.all(
    defects.map(async (c) => {
      const src = probFile(ref, c)
      return src ? (await readProb(src, size)).data : null
    })
  )
  const predicted = predictedMasks(probs, defects, thresholds)
  defects.forEach((c, k) => {
    const prob = probs[k]
    const pred = predicted[k]
    if (!prob || !pred) return
    const truth = masks.get(c.id)!
    for (let i = 0; i < n; i++) {
      const p = prob[i]!
      if (p > heat[i]!) heat[i] = p
      if (pred[i] && truth[i]) paint(i, OUTCOME_COLOURS.tp)
    }
    for (let i = 0; i < n; i++) if (truth[i] && !pred[i]) paint(i, OUTCOME_COLOURS.fn)
    for (let i = 0; i < n; i++) if (!truth[i] && pred[i]) paint(i, OUTCOME_COLOURS.fp)
  })
  const lut = heatLut()
  const heatRgb = new Uint8Array(n * 3)
  for (let i = 0; i < n; i++) heatRgb.set(lut.subarray(heat[i]! * 3, heat[i]! * 3 + 3), 3 * i)
  return {
    item,
    cells: [
      { title: 'frame', uri: frameUri },
      { title: 'reconstruction', uri: reconUri },
      { title: 'heatmap', uri: await pngUri(heatRgb, size.width, size.height) },
      { title: 'TP / FP / FN', uri: await pngUri(outcome, size.width, size.height) }
    ]
  }
}

const pct = (v: number | null): string => (v === null ? '–' : (v * 100).toFixed(1))

function metricsTable(metrics: ReviewMetrics, classes: ClassDef[]): string {
  const groups: [string, ReviewGroupMetrics][] = [['all views', metrics.overall], ...Object.entries(metrics.perView)]
  const head = `<tr><th>view</th><th>frames</th><th>MPA</th><th>MIoU</th>${classes
    .map((c) => `<th>${escapeXml(c.name)} F1</th><th>P</th><th>R</th><th>IoU</th>`)
    .join('')}</tr>`
  const rows = groups
    .map(
      ([v, g]) =>
        `<tr><td>${escapeXml(v)}</td><td>${g.frames}</td><td>${pct(g.mpa)}</td><td>${pct(g.miou)}</td>${g.classes
          .map((c) => `<td>${pct(c.f1)}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.iou)}</td>`)
          .join('')}</tr>`
    )
    .join('')
  return `<table>${head}${rows}</table>`
}

function countsTable(queue: ReviewQueue, classes: ClassDef[]): string {
  const groups: [string, Record<string, FrameCounts>][] = [['all views', queue.counts], ...Object.entries(queue.countsByView).sort(([a], [b]) => a.localeCompare(b))]
  const shown = classes.filter((c) => queue.counts[String(c.id)])
  const head = `<tr><th>view</th>${shown.map((c) => `<th colspan="4">${escapeXml(c.name)}</th>`).join('')}</tr><tr><th></th>${shown
    .map(() => '<th>TP</th><th>FP</th><th>FN</th><th>TN</th>')
    .join('')}</tr>`
  const rows = groups
    .map(([v, byClass]) => {
      const cells = shown.map((c) => {
        const k = byClass[String(c.id)] ?? { tp: 0, fp: 0, fn: 0, tn: 0 }
        return `<td>${k.tp}</td><td>${k.fp}</td><td>${k.fn}</td><td>${k.tn}</td>`
      })
      return `<tr><td>${escapeXml(v)}</td>${cells.join('')}</tr>`
    })
    .join('')
  return `<table>${head}${rows}</table>`
}

function stripHtml(s: Strip, classes: ClassDef[]): string {
  const it = s.item
  const names = new Map(classes.map((c) => [c.id, c.name]))
  const facts = [
    `${escapeXml(it.relPath)}`,
    `${it.view} · ${it.split} · ${it.status}`,
    `score ${it.evidence.score.toFixed(3)}`,
    `FP px ${it.evidence.fpPixels}`,
    `missed px ${it.evidence.missedPixels}`,
    it.verdict ? `verdict: ${it.verdict.verdict.replace('_', ' ')}${it.verdict.classId ? ` (${escapeXml(names.get(it.verdict.classId) ?? '')})` : ''}` : ''
  ].filter(Boolean)
  const cells = s.cells
    .map((c) => `<figure>${c.uri ? `<img src="${c.uri}" alt="${c.title}">` : '<div class="missing">n/a</div>'}<figcaption>${c.title}</figcaption></figure>`)
    .join('')
  return `<div class="strip"><div class="facts">${facts.map((f) => `<span>${f}</span>`).join('')}</div><div class="cells">${cells}</div></div>`
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ccc;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;background:#fff}th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}th:first-child,td:first-child{text-align:left}
.muted{color:#666}.curves{display:flex;flex-wrap:wrap;gap:12px}.curves svg{background:#fff;border:1px solid #ddd}
.strip{background:#fff;border:1px solid #ddd;margin:10px 0;padding:8px}.facts{display:flex;flex-wrap:wrap;gap:14px;margin-bottom:6px;font-size:13px}
.cells{display:flex;gap:8px;flex-wrap:wrap}figure{margin:0}figure img{display:block;image-rendering:pixelated;border:1px solid #ccc}
figcaption{font-size:12px;color:#555;text-align:center}.missing{width:120px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee;color:#888}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px;border:1px solid #999}
.ramp{display:inline-block;width:160px;height:12px;vertical-align:middle;border:1px solid #999}
`

export interface ReportInput {
  ws: Workspace
  model: ModelInfo
  queue: ReviewQueue
  metrics: ReviewMetrics
  classes: ClassDef[]
  filterText: string
  worst?: number
}

export async function writeReviewReport(input: ReportInput): Promise<ReviewReport> {
  const { ws, model, queue, metrics, classes } = input
  const worst = input.worst ?? DEFAULT_WORST
  const thresholds = queue.thresholds
  const fpFrames = queue.items.filter((i) => i.evidence.fpPixels > 0).slice(0, worst)
  const fnFrames = queue.items
    .filter((i) => i.evidence.missedPixels > 0)
    .sort((a, b) => b.evidence.missedShare - a.evidence.missedShare || b.evidence.missedPixels - a.evidence.missedPixels || a.imageId - b.imageId)
    .slice(0, worst)
  const fpStrips = await Promise.all(fpFrames.map((i) => stripOf(ws, model.id, i, classes, thresholds)))
  const fnStrips = await Promise.all(fnFrames.map((i) => stripOf(ws, model.id, i, classes, thresholds)))
  const ramp = Array.from({ length: 11 }, (_, k) => `${hex(heatColour(k / 10))} ${k * 10}%`).join(',')
  const curves = metrics.curves
    .map((c) => {
      const colour = classes.find((k) => k.id === c.classId)?.color ?? '#333'
      // Inline SVG in HTML needs no namespace; leaving it out keeps the file free of any URL.
      const svg = (kind: 'roc' | 'pr'): string => curveSvg(c, kind, { title: c.name, colour }).replace(' xmlns="http://www.w3.org/2000/svg"', '')
      return svg('roc') + svg('pr')
    })
    .join('')
  const at = new Date()
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Review report: model ${model.id}</title><style>${CSS}</style></head>
<body>
<h1>Review report: model ${model.id} (run ${model.runId})</h1>
<p class="muted">Written ${escapeXml(at.toISOString())} · workspace ${escapeXml(ws.info().name)} · ${queue.items.length} frames reviewed (${escapeXml(input.filterText)})${queue.pending ? ` · ${queue.pending} frames still being computed were left out` : ''}</p>
<p>Thresholds (revision ${queue.thresholdRevision}${Object.keys(thresholds).some((k) => thresholds[k] !== model.thresholds[k]) ? ', unsaved changes in use' : ''}): ${classes
    .map((c) => `${escapeXml(c.name)} ${thresholds[c.name]!.toFixed(3)}`)
    .join(' · ')}</p>
<p class="legend"><span><i class="sw" style="background:${hex(OUTCOME_COLOURS.tp)}"></i>TP: predicted and labelled</span><span><i class="sw" style="background:${hex(
    OUTCOME_COLOURS.fp
  )}"></i>FP: predicted, not labelled</span><span><i class="sw" style="background:${hex(OUTCOME_COLOURS.fn)}"></i>FN: labelled, not predicted</span><span>heatmap 0 <i class="ramp" style="background:linear-gradient(to right,${ramp})"></i> 1</span></p>
<h2>Metrics per class and view</h2>
<p class="muted">Percentages. MPA and MIoU over background and the defect classes (one class per pixel, as in training); F1, precision (P), recall (R) and IoU per class against its own labels. Computed from the stored maps at full resolution (up to ${metrics.maxSide} px a side).</p>
${metricsTable(metrics, classes)}
<h2>Frames per class and view</h2>
<p class="muted">TP: labelled and the prediction touches the label; FN: labelled, not found; FP: not labelled, predicted; TN: neither.</p>
${countsTable(queue, classes)}
<h2>ROC and precision-recall curves</h2>
<p class="muted">Pixel level, from full-resolution histograms; the dot is the threshold in use.</p>
<div class="curves">${curves}</div>
<h2>Worst false positives</h2>
${fpStrips.length ? fpStrips.map((s) => stripHtml(s, classes)).join('') : '<p class="muted">None at these thresholds.</p>'}
<h2>Worst false negatives</h2>
${fnStrips.length ? fnStrips.map((s) => stripHtml(s, classes)).join('') : '<p class="muted">None at these thresholds.</p>'}
</body></html>
`
  const dir = join(ws.dir, 'reports')
  mkdirSync(dir, { recursive: true })
  const stamp = at.toISOString().replace(/[:.]/g, '-')
  const path = join(dir, `review-model-${model.id}-${stamp}.html`)
  const tmp = `${path}.tmp-${process.pid}`
  writeFileSync(tmp, html)
  renameSync(tmp, path)
  return { path, bytes: Buffer.byteLength(html), frames: queue.items.length }
}
