/** ROC and precision-recall curves of one class, with the operating point of the current threshold. */
import type { ReviewCurve } from '../../../shared/contract'
import { curveXY, operatingXY, polylinePoints, type CurveKind } from '../../../shared/review/svg'

const SIZE = 132
const PAD = 14

function Plot({ curve, kind, colour }: { curve: ReviewCurve; kind: CurveKind; colour: string }) {
  const xy = curveXY(curve, kind)
  const op = operatingXY(curve, kind)
  const area = kind === 'roc' ? curve.auroc : curve.ap
  const at = (x: number, y: number): [number, number] => [PAD + x * (SIZE - 2 * PAD), SIZE - PAD - y * (SIZE - 2 * PAD)]
  const [ox, oy] = op ? at(op[0], op[1]) : [0, 0]
  return (
    <figure className="review-curve" data-testid="review-curve" data-kind={kind} data-class-id={curve.classId}>
      <svg width={SIZE} height={SIZE} viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={`${curve.name} ${kind.toUpperCase()}`}>
        <rect x={PAD} y={PAD} width={SIZE - 2 * PAD} height={SIZE - 2 * PAD} className="curve-frame" />
        {kind === 'roc' && <line x1={at(0, 0)[0]} y1={at(0, 0)[1]} x2={at(1, 1)[0]} y2={at(1, 1)[1]} className="curve-diag" />}
        {xy.length > 1 && <polyline points={polylinePoints(xy, SIZE, SIZE, PAD)} fill="none" stroke={colour} strokeWidth={2} />}
        {op && (
          <circle cx={ox} cy={oy} r={4} className="curve-op" data-testid="operating-point" data-x={op[0].toFixed(4)} data-y={op[1].toFixed(4)}>
            <title>threshold {curve.operating.threshold.toFixed(3)}</title>
          </circle>
        )}
        <text x={SIZE / 2} y={SIZE - 2} textAnchor="middle" className="curve-axis">
          {kind === 'roc' ? 'FPR' : 'recall'}
        </text>
        <text x={4} y={SIZE / 2} textAnchor="middle" className="curve-axis" transform={`rotate(-90 4 ${SIZE / 2})`}>
          {kind === 'roc' ? 'TPR' : 'precision'}
        </text>
      </svg>
      <figcaption>
        {kind === 'roc' ? 'ROC' : 'PR'} · {kind === 'roc' ? 'AUROC' : 'AP'} {area === null ? '–' : area.toFixed(3)}
      </figcaption>
    </figure>
  )
}

export function ClassCurves({ curve, colour }: { curve: ReviewCurve; colour: string }) {
  return (
    <div className="review-curves">
      <Plot curve={curve} kind="roc" colour={colour} />
      <Plot curve={curve} kind="pr" colour={colour} />
    </div>
  )
}
