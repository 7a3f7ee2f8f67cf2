/** Two runs' settings and data side by side; rows that differ are marked. */
import type { RunDetail } from '../../../shared/contract'
import { runSettingsRows, settingsDiff } from './settingsDiff'

export function RunSettingsDiff({ a, b, labelA, labelB }: { a: RunDetail; b: RunDetail; labelA: string; labelB: string }) {
  const rows = settingsDiff(runSettingsRows(a), runSettingsRows(b))
  const differing = rows.filter((r) => r.differs).length
  return (
    <details className="cmp-settings" data-testid="cmp-settings" data-differing={differing} open={differing > 0}>
      <summary>
        Settings and data{' '}
        <span className="muted">· {differing === 0 ? 'the same' : `${differing} ${differing === 1 ? 'difference' : 'differences'}`}</span>
      </summary>
      <table className="metrics-table compact">
        <thead>
          <tr>
            <th />
            <th>{labelA} (run #{a.id})</th>
            <th>{labelB} (run #{b.id})</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label} data-testid="cmp-setting" data-name={r.label} data-differs={String(r.differs)} className={r.differs ? 'setting-differs' : undefined}>
              <td>
                {r.label}
                {r.differs && <span className="setting-mark" title="differs"> ≠</span>}
              </td>
              <td>{r.a ?? '–'}</td>
              <td>{r.b ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  )
}
