/**
 * ROC and PR curves as SVG: the page draws them as React elements from
 * curvePoints; the exported report embeds curveSvg's markup.
 */
import type { ClassCurves } from './curves'

export type CurveKind = 'roc' | 'pr'

/** The curve as [x, y] in [0, 1]: ROC (fpr, tpr), PR (recall, precision), skipping undefined precision. */
export function curveXY(c: ClassCurves, kind: CurveKind): [number, number][] {
  if (kind === 'roc') return c.points.map((p) => [p.fpr, p.tpr])
  return c.points.filter((p) => p.precision !== null).map((p) => [p.tpr, p.precision!])
}

export function operatingXY(c: ClassCurves, kind: CurveKind): [number, number] | null {
  const o = c.operating
  if (kind === 'roc') return [o.fpr, o.tpr]
  return o.precision === null ? null : [o.tpr, o.precision]
}

/** Points for an SVG polyline in a w x h box (y up), with `pad` pixels around. */
export function polylinePoints(xy: [number, number][], w: number, h: number, pad = 0): string {
  return xy.map(([x, y]) => `${(pad + x * (w - 2 * pad)).toFixed(1)},${(h - pad - y * (h - 2 * pad)).toFixed(1)}`).join(' ')
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A self-contained SVG of one class's curve with its operating point marked. */
export function curveSvg(c: ClassCurves, kind: CurveKind, opts: { title: string; colour: string; size?: number }): string {
  const s = opts.size ?? 220
  const pad = 28
  const xy = curveXY(c, kind)
  const op = operatingXY(c, kind)
  const area = kind === 'roc' ? c.auroc : c.ap
  const label = `${kind === 'roc' ? 'AUROC' : 'AP'} ${area === null ? 'n/a' : area.toFixed(3)}`
  const at = (x: number, y: number): [string, string] => [(pad + x * (s - 2 * pad)).toFixed(1), (s - pad - y * (s - 2 * pad)).toFixed(1)]
  const [ox, oy] = op ? at(op[0], op[1]) : ['0', '0']
  const diag = kind === 'roc' ? `<line x1="${at(0, 0)[0]}" y1="${at(0, 0)[1]}" x2="${at(1, 1)[0]}" y2="${at(1, 1)[1]}" stroke="#bbb" stroke-dasharray="3 3"/>` : ''
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}" viewBox="0 0 ${s} ${s}" role="img" aria-label="${escapeXml(`${opts.title} ${kind.toUpperCase()}`)}">`,
    `<rect x="${pad}" y="${pad}" width="${s - 2 * pad}" height="${s - 2 * pad}" fill="#fff" stroke="#888"/>`,
    diag,
    xy.length > 1 ? `<polyline fill="none" stroke="${escapeXml(opts.colour)}" stroke-width="2" points="${polylinePoints(xy, s, s, pad)}"/>` : '',
    op ? `<circle cx="${ox}" cy="${oy}" r="4" fill="#000"><title>threshold ${c.operating.threshold.toFixed(3)}</title></circle>` : '',
    `<text x="${s / 2}" y="14" text-anchor="middle" font-size="12">${escapeXml(opts.title)}: ${kind === 'roc' ? 'ROC' : 'PR'} (${label})</text>`,
    `<text x="${s / 2}" y="${s - 6}" text-anchor="middle" font-size="10">${kind === 'roc' ? 'false positive rate' : 'recall'}</text>`,
    `<text x="10" y="${s / 2}" text-anchor="middle" font-size="10" transform="rotate(-90 10 ${s / 2})">${kind === 'roc' ? 'true positive rate' : 'precision'}</text>`,
    '</svg>'
  ].join('')
}
