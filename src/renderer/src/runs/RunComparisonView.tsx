/** Two runs side by side: metric deltas overall, per class and per view (B minus A), and how their data differ. */
import type { DataSnapshot, MetricDelta, RunComparison } from '../../../shared/contract'
import { deltaClass, formatDelta, formatMetric } from './format'

function Pair({ d }: { d: MetricDelta }) {
  return (
    <td className="num">
      {formatMetric(d.a)} <span className="muted">→</span> {formatMetric(d.b)}
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

export function RunComparisonView({ cmp, labelA = 'A', labelB = 'B' }: { cmp: RunComparison; labelA?: string; labelB?: string }) {
  const { overall, classes, views, data } = cmp
  return (
    <div className="run-comparison" data-testid="run-comparison" data-a={cmp.a.id} data-b={cmp.b.id}>
      <p className="cmp-head">
        <span className="cmp-tag">{labelA}</span> run #{cmp.a.id}
        {cmp.a.active && <span className="tag">active</span>} <span className="muted">→</span> <span className="cmp-tag">{labelB}</span> run #{cmp.b.id}
        {cmp.b.active && <span className="tag">active</span>}
        <span className="muted"> · test metrics, differences are {labelB} − {labelA}</span>
      </p>
      {!data.sameTestSet && (
        <p className="warn-text" data-testid="cmp-test-set-warning">
          The two runs were tested on different frames: the differences mix model and test set.
        </p>
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
                <tr key={name} data-testid="cmp-metric" data-name={name}>
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
                </tr>
              </thead>
              <tbody>
                {classes.map((c) => (
                  <tr key={c.name} data-testid="cmp-class" data-name={c.name}>
                    <td>{c.name}</td>
                    <Pair d={c.iou} />
                    <Delta d={c.iou} />
                    <Pair d={c.pixelAp} />
                    <Delta d={c.pixelAp} />
                    <Pair d={c.pixelAuroc} />
                    <Delta d={c.pixelAuroc} />
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
