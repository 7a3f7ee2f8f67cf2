/** One stage's loss curves in SVG: training loss and validation loss per epoch, and the running loss as it goes. */
import { epochTicks, linePath, toScreen, yDomain, type Frame, type StageCurves } from './curves'
import { formatTick, stageName } from './format'

const W = 360
const H = 170
const PAD = { left: 46, right: 10, top: 12, bottom: 28 }

export function LossChart({ curves }: { curves: StageCurves }) {
  const { stage, epochs, train, val, live } = curves
  const y = yDomain([...train, ...val, ...live].map((p) => p.y))
  const frame: Frame = { left: PAD.left, top: PAD.top, width: W - PAD.left - PAD.right, height: H - PAD.top - PAD.bottom, x: [0, epochs], y }
  const yTicks = [y[0], (y[0] + y[1]) / 2, y[1]]
  const dots = (points: StageCurves['train'], cls: string) =>
    points.map((p) => {
      const [cx, cy] = toScreen(frame, p)
      return <circle key={`${cls}-${p.x}`} className={cls} cx={cx} cy={cy} r={3} />
    })
  return (
    <figure
      className="loss-chart"
      data-testid="loss-chart"
      data-stage={stage}
      data-train-points={train.length}
      data-val-points={val.length}
      data-live-points={live.length}
    >
      <figcaption>
        {stageName(stage)}
        <span className="legend">
          <span className="key key-train" /> training
          <span className="key key-val" /> validation
          <span className="key key-live" /> running
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${stageName(stage)} loss per epoch`}>
        <rect className="plot" x={frame.left} y={frame.top} width={frame.width} height={frame.height} />
        {yTicks.map((v, i) => {
          const [, ty] = toScreen(frame, { x: 0, y: v })
          return (
            <g key={`y${i}`}>
              <line className="grid" x1={frame.left} x2={frame.left + frame.width} y1={ty} y2={ty} />
              <text className="tick" x={frame.left - 5} y={ty + 3} textAnchor="end">
                {formatTick(v, (y[1] - y[0]) / 2)}
              </text>
            </g>
          )
        })}
        {epochTicks(epochs).map((e) => {
          const [tx] = toScreen(frame, { x: e, y: y[0] })
          return (
            <text key={`x${e}`} className="tick" x={tx} y={H - PAD.bottom + 14} textAnchor="middle">
              {e}
            </text>
          )
        })}
        <text className="axis" x={frame.left + frame.width / 2} y={H - 3} textAnchor="middle">
          epoch
        </text>
        <path className="line-live" d={linePath(frame, live)} />
        <path className="line-train" d={linePath(frame, train)} />
        <path className="line-val" d={linePath(frame, val)} />
        {dots(train, 'dot-train')}
        {dots(val, 'dot-val')}
      </svg>
    </figure>
  )
}
