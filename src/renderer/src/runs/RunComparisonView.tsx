/**
 * Two runs side by side: metric deltas overall, per class and per view (B
 * minus A) on the same labels, the regression check, their settings with
 * differences marked, and how their data differ.
 */
import type { DataSnapshot, MetricDelta, RunComparison } from '../../../shared/contract'
import { deltaClass, formatDelta, formatDrop, formatMetric, formatPoints, formatShare } from './format'
import { RunSettingsDiff } from './RunSettingsDiff'

function Pair({ d, format = formatMetric }: { d: MetricDelta; format?: (v: number | null) => string }) {
  return (
    <td className="num">
      {format(d.a)} <span className="muted">→</span> {format(d.b)}
    </td>
  )
}

/** Normal frames marked: a change in shares, where fewer is better (the colour follows the drop). */
function MarkedDelta({ d }: { d: MetricDelta }) {
  // Coloured by the whole points it shows, so "±0 pts" is never red or green.
  const shown = d.delta === null ? null : -Math.round(100 * d.delta) / 100
  return (
    <td className={`num delta delta-${deltaClass(shown)}`} data-testid="cmp-marked-delta" data-delta={d.delta ?? ''}>
      {formatPoints(d.delta)}
    </td>
  )
}

function Delta({ d }: { d: MetricDelta }) {
  return (
    <td className={`num delta delta-${deltaClass(d.delta)}`} data-delta={d.delta ?? ''}>
      {formatDelta(d.delta)}
    </td>
  )
}

type Counts = DataSnapshot['counts']

function countRows(a: Counts | null, b: Counts | null): { label: string; a: number | null; b: number | null }[] {
  const rows: { label: string; a: number | null; b: number | null }[] = [
    { label: 'frames', a: a?.images ?? null, b: b?.images ?? null },
    { label: 'labelled', a: a?.labeled ?? null, b: b?.labeled ?? null },
    { label: 'normal', a: a?.normal ?? null, b: b?.normal ?? null }
  ]
  const classes = [...new Set([...Object.keys(a?.byClass ?? {}), ...Object.keys(b?.byClass ?? {})])].sort()
  for (const c of classes) rows.push({ label: `frames with ${c}`, a: a ? (a.byClass[c] ?? 0) : null, b: b ? (b.byClass[c] ?? 0) : null })
  return rows
}

/** "labels changed since run #3: 2 frames" for each run whose own test report predates the current labels. */
function changedLine(cmp: RunComparison): string | null {
  const { basis } = cmp
  const parts = (
    [
      [cmp.a.id, basis.changedSinceA],
      [cmp.b.id, basis.changedSinceB]
    ] as const
  )
    .filter(([, n]) => n !== null && n > 0)
    .map(([id, n]) => `labels changed since run #${id}: ${n} ${n === 1 ? 'frame' : 'frames'}`)
  return parts.length > 0 ? `${parts.join('; ')}; figures re-evaluated on current labels.` : null
}

export function RunComparisonView({ cmp, labelA = 'A', labelB = 'B' }: { cmp: RunComparison; labelA?: string; labelB?: string }) {
  const { overall, classes, views, data, basis, regression } = cmp
  const dropped = new Set(regression?.drops.map((d) => d.metric) ?? [])
  const changed = changedLine(cmp)
  return (
    <div
      className="run-comparison"
      data-testid="run-comparison"
      data-a={cmp.a.id}
      data-b={cmp.b.id}
      data-basis={basis.kind}
      data-frames={basis.frames}
      data-regressed={regression ? String(regression.regressed) : ''}
    >
      <p className="cmp-head">
        <span className="cmp-tag">{labelA}</span> run #{cmp.a.id}
        {cmp.a.active && <span className="tag">active</span>} <span className="muted">→</span> <span className="cmp-tag">{labelB}</span> run #{cmp.b.id}
        {cmp.b.active && <span className="tag">active</span>}
        <span className="muted"> · differences are {labelB} − {labelA}</span>
      </p>
      {basis.kind === 'current-labels' ? (
        <p className="muted" data-testid="cmp-basis" data-changed-a={basis.changedSinceA ?? ''} data-changed-b={basis.changedSinceB ?? ''}>
          Both models evaluated on the current labels of the same {basis.frames} test {basis.frames === 1 ? 'frame' : 'frames'}.
          {changed && (
            <span className="warn-text" data-testid="cmp-labels-changed">
              {' '}
              {changed[0]!.toUpperCase() + changed.slice(1)}
            </span>
          )}
        </p>
      ) : (
        <p className="warn-text" data-testid="cmp-basis">
          Stored test reports, not re-evaluated: {basis.note}
        </p>
      )}
      {basis.kind === 'stored' && !data.sameTestSet && (
        <p className="warn-text" data-testid="cmp-test-set-warning">
          The two runs were tested on different frames: the differences mix model and test set.
        </p>
      )}
      {regression?.regressed && (
        <div className="cmp-regression" role="alert" data-testid="cmp-regression">
          <strong>
            {labelB} is worse than {labelA} by more than {regression.margin}:
          </strong>
          <ul>
            {regression.drops.map((d) => (
              <li key={d.metric} data-testid="cmp-drop" data-metric={d.metric} data-drop={d.drop}>
                {d.metric}
                {formatDrop(d)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="cmp-body">
        <div className="cmp-metrics">
          <table className="metrics-table" data-testid="cmp-overall">
            <thead>
              <tr>
                <th>Overall</th>
                <th className="num">
                  {labelA} → {labelB}
                </th>
                <th className="num">Δ</th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  ['MIoU', overall.miou],
                  ['MPA', overall.mpa],
                  ['Image AUROC', overall.imageAuroc]
                ] as const
              ).map(([name, d]) => (
                <tr key={name} data-testid="cmp-metric" data-name={name} className={dropped.has(name) ? 'regressed' : undefined}>
                  <td>{name}</td>
                  <Pair d={d} />
                  <Delta d={d} />
                </tr>
              ))}
            </tbody>
          </table>
          {classes.length > 0 && (
            <table className="metrics-table" data-testid="cmp-classes">
              <thead>
                <tr>
                  <th>Class</th>
                  <th className="num">IoU</th>
                  <th className="num">Δ</th>
                  <th className="num">Pixel AP</th>
                  <th className="num">Δ</th>
                  <th className="num">Pixel AUROC</th>
                  <th className="num">Δ</th>
                  <th className="num" title="the share of normal test frames where the class's mask appears: fewer is better">
                    Normal frames marked
                  </th>
                  <th className="num">Δ</th>
                </tr>
              </thead>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.name} data-testid="cmp-class" data-name={c.name} className={dropped.has(`${c.name} pixel AP`) || dropped.has(`${c.name} normal frames marked`) ? 'regressed' : undefined}>
                    <td>{c.name}</td>
                    <Pair d={c.iou} />
                    <Delta d={c.iou} />
                    <Pair d={c.pixelAp} />
                    <Delta d={c.pixelAp} />
                    <Pair d={c.pixelAuroc} />
                    <Delta d={c.pixelAuroc} />
                    <Pair d={c.normalsMarked} format={formatShare} />
                    <MarkedDelta d={c.normalsMarked} />
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {views.length > 0 && (
            <table className="metrics-table" data-testid="cmp-views">
              <thead>
                <tr>
                  <th>View</th>
                  <th className="num">MIoU</th>
                  <th className="num">Δ</th>
                  <th className="num">MPA</th>
                  <th className="num">Δ</th>
                </tr>
              </thead>
              <tbody>
                {views.map((v) => (
                  <tr key={v.view} data-testid="cmp-view" data-name={v.view}>
                    <td>{v.view}</td>
                    <Pair d={v.miou} />
                    <Delta d={v.miou} />
                    <Pair d={v.mpa} />
                    <Delta d={v.mpa} />
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <RunSettingsDiff a={cmp.a} b={cmp.b} labelA={labelA} labelB={labelB} />
        <div className="cmp-data" data-testid="cmp-data" data-only-a={data.onlyA} data-only-b={data.onlyB} data-both={data.both} data-new-revisions={data.newRevisions}>
          <h4>Data</h4>
          <p>
            {data.both} frames in both · {data.onlyA} only in {labelA} · {data.onlyB} only in {labelB} · {data.newRevisions} label{' '}
            {data.newRevisions === 1 ? 'change' : 'changes'} {labelB} saw that {labelA} did not
          </p>
          <table className="metrics-table compact">
            <thead>
              <tr>
                <th />
                <th className="num">{labelA}</th>
                <th className="num">{labelB}</th>
              </tr>
            </thead>
            <tbody>
              {countRows(data.countsA, data.countsB).map((r) => (
                <tr key={r.label}>
                  <td>{r.label}</td>
                  <td className="num">{r.a ?? '–'}</td>
                  <td className="num">{r.b ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  )
}
