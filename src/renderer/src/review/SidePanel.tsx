/** Thresholds (a slider per class), frame counts per class and view, metrics and curves of the filtered set. */
import type { ClassDef, FrameCounts, ReviewMetrics, ReviewQueue, Thresholds } from '../../../shared/contract'
import type { Split } from '../../../shared/domain'
import { ClassCurves } from './Curves'
import { testInTuning, type TuneOn } from './tuning'
import { SLIDER_MAX, sliderStop, stopThreshold } from './thresholdSlider'
import { thresholdText } from '../../../shared/arcd/thresholdText'

interface Props {
  classes: ClassDef[]
  /** Classes the model has no output for (no labels in its training data). */
  untrained: ReadonlySet<number>
  queue: ReviewQueue | null
  thresholds: Thresholds
  /** The thresholds differ from the model's saved ones. */
  dirty: boolean
  metrics: ReviewMetrics | null
  metricsStale: boolean
  onThreshold(name: string, value: number): void
  onSave(): void
  onReset(): void
  saving: boolean
  /** The frames the metrics and curves are computed on: validation frames (default) or the queue's filter. */
  tuneOn: TuneOn
  onTuneOn(v: TuneOn): void
  /** Which splits the queue's filter takes (undefined: all). */
  filterSplits: readonly Split[] | undefined
}


const fmt = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3))

function CountsTable({ classes, untrained, queue }: { classes: ClassDef[]; untrained: ReadonlySet<number>; queue: ReviewQueue }) {
  const shown = classes.filter((c) => queue.counts[String(c.id)] && !untrained.has(c.id))
  const rows: [string, Record<string, FrameCounts>][] = [['all', queue.counts], ...Object.entries(queue.countsByView).sort(([a], [b]) => a.localeCompare(b))]
  return (
    <table className="review-table" data-testid="review-counts">
      <thead>
        <tr>
          <th>frames</th>
          {shown.map((c) => (
            <th key={c.id} colSpan={3}>
              {c.name}
            </th>
          ))}
        </tr>
        <tr>
          <th />
          {shown.map((c) => (
            <th key={c.id} colSpan={3} className="sub">
              TP · FP · FN
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map(([view, byClass]) => (
          <tr key={view} data-view={view}>
            <td>{view}</td>
            {shown.map((c) => {
              const k = byClass[String(c.id)] ?? { tp: 0, fp: 0, fn: 0, tn: 0 }
              return (
                <td key={c.id} colSpan={3} data-testid={`count-${view}-${c.name}`} data-tp={k.tp} data-fp={k.fp} data-fn={k.fn} data-tn={k.tn}>
                  <span className="c-tp">{k.tp}</span> · <span className="c-fp">{k.fp}</span> · <span className="c-fn">{k.fn}</span>
                </td>
              )
            })}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function MetricsTable({ metrics }: { metrics: ReviewMetrics }) {
  const groups = [['all', metrics.overall] as const, ...Object.entries(metrics.perView).sort(([a], [b]) => a.localeCompare(b))]
  return (
    <>
      <table className="review-table" data-testid="review-metrics">
        <thead>
          <tr>
            <th>view</th>
            <th>frames</th>
            <th>MPA</th>
            <th>MIoU</th>
          </tr>
        </thead>
        <tbody>
          {groups.map(([view, g]) => (
            <tr key={view}>
              <td>{view}</td>
              <td>{g.frames}</td>
              <td data-testid={view === 'all' ? 'metric-mpa' : undefined}>{fmt(g.mpa)}</td>
              <td data-testid={view === 'all' ? 'metric-miou' : undefined}>{fmt(g.miou)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="review-table" data-testid="review-class-metrics">
        <thead>
          <tr>
            <th>class</th>
            <th>F1</th>
            <th>precision</th>
            <th>recall</th>
            <th>IoU</th>
          </tr>
        </thead>
        <tbody>
          {metrics.overall.classes.map((c) => (
            <tr key={c.classId}>
              <td>{c.name}</td>
              <td data-testid={`metric-f1-${c.name}`}>{fmt(c.f1)}</td>
              <td>{fmt(c.precision)}</td>
              <td>{fmt(c.recall)}</td>
              <td>{fmt(c.iou)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

export function SidePanel(p: Props) {
  const biased = testInTuning(p.tuneOn, p.filterSplits)
  return (
    <aside className="review-side" data-testid="review-side">
      <section>
        <label className="review-tune-on">
          Tune on{' '}
          <select value={p.tuneOn} data-testid="tune-on" onChange={(e) => p.onTuneOn(e.currentTarget.value as TuneOn)}>
            <option value="val">validation frames</option>
            <option value="filter">the queue&apos;s filter</option>
          </select>
        </label>
        {biased && (
          <p className="review-warning" role="alert" data-testid="tune-test-warning">
            {biased === 'metrics'
              ? 'These metrics and curves include test frames. Tuning thresholds on test frames biases the test report: tune on validation frames.'
              : 'The filter includes test frames: tuning thresholds on test frames biases the test report, so their counts below are not for tuning. The metrics and curves use validation frames.'}
          </p>
        )}
      </section>
      <section>
        <h3>
          Thresholds{' '}
          <span className="muted" data-testid="threshold-revision">
            revision {p.queue?.thresholdRevision ?? '–'}
            {p.dirty ? ' · unsaved' : ''}
          </span>
        </h3>
        {p.classes.map((c) => {
          const t = p.thresholds[c.name] ?? 0.5
          if (p.untrained.has(c.id)) {
            return (
              <div key={c.id} className="review-threshold" data-testid={`threshold-untrained-${c.name}`} title="The model has no output for this class: it had no labels in its training data">
                <span className="dot" style={{ background: c.color }} />
                <span className="review-threshold-name">{c.name}</span>
                <span className="muted">not trained</span>
              </div>
            )
          }
          return (
            <label key={c.id} className="review-threshold">
              <span className="dot" style={{ background: c.color }} />
              <span className="review-threshold-name">{c.name}</span>
              <input
                type="range"
                min={0}
                max={SLIDER_MAX}
                step={1}
                value={sliderStop(t)}
                title="One stop per level of the stored maps: 1/8 logit, so finer near 0 and 1"
                data-testid={`threshold-${c.name}`}
                onChange={(e) => p.onThreshold(c.name, stopThreshold(Number(e.currentTarget.value)))}
              />
              <span className="review-threshold-value" data-testid={`threshold-value-${c.name}`}>
                {thresholdText(t)}
              </span>
            </label>
          )
        })}
        <div className="review-row">
          <button type="button" className="primary" disabled={!p.dirty || p.saving} data-testid="save-thresholds" onClick={p.onSave}>
            Save with the model
          </button>
          <button type="button" disabled={!p.dirty} data-testid="reset-thresholds" onClick={p.onReset}>
            Reset
          </button>
        </div>
      </section>
      <section>
        <h3>Frames: TP · FP · FN</h3>
        {p.queue ? <CountsTable classes={p.classes} untrained={p.untrained} queue={p.queue} /> : <p className="muted">…</p>}
      </section>
      <section className={p.metricsStale ? 'review-stale' : undefined}>
        <h3>
          Metrics <span className="muted">({p.tuneOn === 'val' ? 'validation frames of the filter' : 'filtered frames'}, full-resolution maps)</span>
        </h3>
        {p.tuneOn === 'val' && p.metrics && p.metrics.overall.frames === 0 && (
          <p className="muted" data-testid="no-val-frames">
            No validation frames with a prediction here: run the model on the validation split to tune on them.
          </p>
        )}
        {p.metrics ? <MetricsTable metrics={p.metrics} /> : <p className="muted">…</p>}
        {p.metrics?.curves.map((c) => (
          <div key={c.classId} className="review-curve-block">
            <div className="review-curve-title">{c.name}</div>
            <ClassCurves curve={c} colour={p.classes.find((k) => k.id === c.classId)?.color ?? '#ccc'} />
          </div>
        ))}
      </section>
    </aside>
  )
}
