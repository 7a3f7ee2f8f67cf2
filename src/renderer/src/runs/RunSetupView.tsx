/**
 * What a training run did, beside its metrics: the settings it ran with, the
 * engine's plan (steps per stage, stage 1 reused or not), stage 1's
 * reconstruction quality, the classes it has no output for, and warnings.
 */
import type { RunDetail } from '../../../shared/contract'
import { formatMetric, planText, setupRows } from './format'

export function RunSetupView({ run }: { run: RunDetail }) {
  const { setup, outcome } = run
  if (!setup && !outcome) return null
  return (
    <section className="run-setup" data-testid="run-setup" data-input={setup?.input ?? ''}>
      {setup && (
        <dl className="run-facts run-setup-facts" data-testid="run-settings">
          {setupRows(setup, run.arch).map(([label, value]) => (
            <div key={label} className="run-fact" data-name={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      {outcome && (
        <div className="run-outcome" data-testid="run-outcome">
          {outcome.plan && (
            <p data-testid="run-plan" data-recon-reused={String(outcome.plan.reconReused)} data-steps1={outcome.plan.stage1Steps} data-steps2={outcome.plan.stage2Steps} data-simulated-steps={outcome.plan.stage2SimulatedSteps ?? 0}>
              <span className="muted">Plan: </span>
              {planText(outcome.plan, run.arch)}
            </p>
          )}
          {outcome.reconQuality && (
            <p data-testid="run-recon-quality">
              <span className="muted">Stage 1 on validation normal frames: </span>
              RA {formatMetric(outcome.reconQuality.ra)}, SSIM {formatMetric(outcome.reconQuality.ssim)}
            </p>
          )}
          {outcome.classes.length > 0 && (
            <p data-testid="run-classes">
              <span className="muted">Outputs: </span>
              {outcome.classes.map((c) => c.name).join(', ')}
            </p>
          )}
          {outcome.untrainedClasses.length > 0 && (
            <p data-testid="run-untrained" data-classes={outcome.untrainedClasses.join(',')}>
              <span className="muted">Not trained (no labels): </span>
              {outcome.untrainedClasses.join(', ')}
            </p>
          )}
          {outcome.warnings.length > 0 && (
            <ul className="run-warnings" data-testid="run-warnings">
              {outcome.warnings.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  )
}
