/**
 * Review verdicts on this frame that wait for an inspector: a test frame's
 * true defect or false positive changes nothing until confirmed here.
 */
import type { ClassDef, ReviewVerdict } from '../../../../shared/contract'
import { Btn } from './Btn'

interface Props {
  verdicts: readonly ReviewVerdict[]
  classes: readonly ClassDef[]
  busy: boolean
  onResolve(v: ReviewVerdict, action: 'confirm' | 'dismiss'): void
}

function summary(v: ReviewVerdict, classes: readonly ClassDef[]): { title: string; effect: string } {
  const cls = v.classId !== null ? (classes.find((c) => c.id === v.classId)?.name ?? `class ${v.classId}`) : 'every defect class'
  if (v.verdict === 'true_defect') {
    return { title: `True defect (${cls})`, effect: `Confirm adds the model's unlabelled pieces of ${cls} at the thresholds of the verdict, as labels.` }
  }
  return { title: 'False positive', effect: 'Confirm marks the frame normal (when it has no defect label).' }
}

export function PendingVerdicts({ verdicts, classes, busy, onResolve }: Props) {
  if (verdicts.length === 0) return null
  return (
    <section className="editor-section" data-testid="pending-verdicts">
      <h3>Waiting for confirmation</h3>
      <p className="muted piece-hint">A test frame: review verdicts change its labels or status only when confirmed here.</p>
      {verdicts.map((v) => {
        const d = summary(v, classes)
        return (
          <div key={v.id} className="pending-verdict" data-testid="pending-verdict" data-verdict={v.verdict} data-id={v.id}>
            <strong>{d.title}</strong>
            <span className="muted">
              by {v.author}, {new Date(v.at).toLocaleString()}
              {v.modelId !== null ? ` · model #${v.modelId}` : ''}
            </span>
            <span>{d.effect}</span>
            <div className="pending-verdict-actions">
              <Btn data-testid="pending-confirm" disabled={busy} onClick={() => onResolve(v, 'confirm')}>
                Confirm
              </Btn>
              <Btn data-testid="pending-dismiss" disabled={busy} onClick={() => onResolve(v, 'dismiss')}>
                Dismiss
              </Btn>
            </div>
          </div>
        )
      })}
    </section>
  )
}
