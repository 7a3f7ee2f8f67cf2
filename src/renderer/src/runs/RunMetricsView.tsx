/** One run's test metrics: overall, per class and per view. */
import { normalImages, type EvalReport } from '../../../shared/arcd/metrics'
import { formatFrames, formatMetric } from './format'

export function RunMetricsView({ report, title = 'Test metrics' }: { report: EvalReport | null; title?: string }) {
  if (!report) {
    return (
      <p className="muted" data-testid="run-metrics-none">
        No test metrics: the run has not finished, or its data has no test frames.
      </p>
    )
  }
  const o = report.overall
  const views = Object.entries(report.perView).sort(([a], [b]) => a.localeCompare(b))
  const normals = normalImages(o)
  return (
    <div className="run-metrics" data-testid="run-metrics" data-miou={o.miou ?? ''}>
      <h4>
        {title} <span className="muted">on {o.images} frames</span>
      </h4>
      <div className="metric-cards">
        <div className="metric-card">
          <span className="muted">MIoU</span>
          <b>{formatMetric(o.miou)}</b>
        </div>
        <div className="metric-card">
          <span className="muted">MPA</span>
          <b>{formatMetric(o.mpa)}</b>
        </div>
        <div className="metric-card">
          <span className="muted">Image AUROC</span>
          <b>{formatMetric(o.imageAuroc)}</b>
        </div>
      </div>
      <table className="metrics-table">
        <thead>
          <tr>
            <th>Class</th>
            <th className="num">IoU</th>
            <th className="num">Pixel AP</th>
            <th className="num">Pixel AUROC</th>
            <th className="num">Threshold</th>
            <th className="num" title="frames where the class is labelled, and how many of them show its mask on at least one labelled pixel">
              Frames found
            </th>
            <th className="num" title="frames with no defect labelled that show a mask of the class anywhere: the false alarms an inspector meets">
              Normal frames marked
            </th>
          </tr>
        </thead>
        <tbody>
          {o.classes.map((c) => (
            <tr key={c.name} data-testid="metric-class" data-name={c.name}>
              <td>
                {c.name} {c.kind === 'region' && <span className="muted">(region)</span>}
              </td>
              <td className="num">{formatMetric(c.iou)}</td>
              <td className="num">{formatMetric(c.pixelAp)}</td>
              <td className="num">{formatMetric(c.pixelAuroc)}</td>
              <td className="num">{formatMetric(c.threshold)}</td>
              <td className="num" data-testid="metric-frames-found">
                {c.frames === undefined ? '–' : formatFrames(c.framesFound, c.frames)}
              </td>
              <td className="num" data-testid="metric-normals-marked">
                {formatFrames(c.normalsMarked, normals)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {views.length > 0 && (
        <table className="metrics-table">
          <thead>
            <tr>
              <th>View</th>
              <th className="num">Frames</th>
              <th className="num">MIoU</th>
              <th className="num">MPA</th>
            </tr>
          </thead>
          <tbody>
            {views.map(([v, g]) => (
              <tr key={v} data-testid="metric-view" data-name={v}>
                <td>{v}</td>
                <td className="num">{g.images}</td>
                <td className="num">{formatMetric(g.miou)}</td>
                <td className="num">{formatMetric(g.mpa)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}
