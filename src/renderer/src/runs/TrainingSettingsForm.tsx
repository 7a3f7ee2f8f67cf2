/**
 * The workspace's training settings. The time budget is the one control most
 * people need; sizes, input mode, loss and the fixed step counts sit under
 * "Advanced". Retrain, Train and the CLI use them. Ranges are checked by
 * main (the contract's schema), whose messages are shown as they are.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import type { TrainingLoss, TrainingSettings } from '../../../shared/contract'
import { CPU_PRESET, GPU_PRESET } from '../../../shared/arcd/config'
import { api, describeError } from '../api'
import { trainingSettingsLine } from './format'

type NumberKey =
  | 'budgetMinutes'
  | 'size'
  | 'maxShortSide'
  | 'reconBase'
  | 'discBase'
  | 'reconDepth'
  | 'discDepth'
  | 'batchSize'
  | 'lr'
  | 'ssimWeight'
  | 'pretrainShare'
  | 'maxNormalMarked'
  | 'steps1'
  | 'steps2'
  | 'evalRounds'
  | 'epochs1'
  | 'epochs2'
  | 'regressionMargin'

interface NumberField {
  key: NumberKey
  label: string
  hint: string
  testId: string
  /** Decimals allowed (minutes, rates, weights); the rest are counts. */
  decimal?: boolean
  /** Shown only for this input mode. */
  only?: TrainingSettings['input']
}

const BUDGET: NumberField = { key: 'budgetMinutes', label: 'Training time (min)', hint: 'for the whole run, both stages; 0: the fixed step counts under Advanced', testId: 'ts-budget', decimal: true }

const ADVANCED: { title: string; fields: NumberField[] }[] = [
  {
    title: 'Input',
    fields: [
      { key: 'size', label: 'Crop and tile side (px)', hint: 'training crops; inference tiles are twice that, at most 256 px ("letterbox": the whole frame squeezed to this square, 256 suits it); a multiple of 16', testId: 'ts-size' },
      { key: 'maxShortSide', label: 'Max short side (px)', hint: 'frames with a longer short side are shrunk once to fit; smaller frames stay native', testId: 'ts-max-short-side', only: 'tiles' }
    ]
  },
  {
    title: 'Networks',
    fields: [
      { key: 'reconBase', label: 'Reconstruction width', hint: 'base channels of stage 1; doubles per level', testId: 'ts-recon' },
      { key: 'reconDepth', label: 'Reconstruction depth', hint: 'down-sampling levels of stage 1', testId: 'ts-recon-depth' },
      { key: 'discBase', label: 'Segmentation width', hint: 'base channels of stage 2 (and of the U-Net baseline)', testId: 'ts-disc' },
      { key: 'discDepth', label: 'Segmentation depth', hint: 'down-sampling levels of stage 2', testId: 'ts-disc-depth' }
    ]
  },
  {
    title: 'Optimisation',
    fields: [
      { key: 'batchSize', label: 'Batch size', hint: 'crops (or frames) per step', testId: 'ts-batch' },
      { key: 'lr', label: 'Learning rate', hint: 'peak rate of Adam, after warm-up', testId: 'ts-lr', decimal: true },
      { key: 'ssimWeight', label: 'SSIM weight', hint: 'stage-1 loss: L2 + weight x (1 - SSIM)', testId: 'ts-ssim', decimal: true },
      {
        key: 'pretrainShare',
        label: 'Simulated-anomaly share',
        hint: "ARCD: this share of stage 2, at its start, learns anomalies simulated on normal frames before the labels (0: none, at most 0.9; the thesis's option). On magnetic-tile with 30% of the labels it made no clear difference over two seeds, and in a fixed time it costs labelled steps: compare runs on your own frames",
        testId: 'ts-pretrain',
        decimal: true,
        only: 'tiles'
      },
      {
        key: 'maxNormalMarked',
        label: 'Normal frames a class may mark',
        hint: 'share of the validation normal frames (up to 40) a defect class’s mask may show on: a best-F1 threshold that marks more is raised until it does not, which trades a few found defects for far fewer false alarms (1: best-F1 thresholds as they are)',
        testId: 'ts-max-normal',
        decimal: true,
        only: 'tiles'
      },
      { key: 'evalRounds', label: 'Validation rounds', hint: 'per stage: each is a checkpoint and a point on the curves', testId: 'ts-eval-rounds', only: 'tiles' },
      { key: 'steps1', label: 'Stage 1 steps', hint: 'with a training time of 0', testId: 'ts-steps1', only: 'tiles' },
      { key: 'steps2', label: 'Stage 2 steps', hint: 'with a training time of 0', testId: 'ts-steps2', only: 'tiles' },
      { key: 'epochs1', label: 'Stage 1 epochs', hint: 'letterbox input: passes over the frames', testId: 'ts-epochs1', only: 'letterbox' },
      { key: 'epochs2', label: 'Stage 2 epochs', hint: 'letterbox input: passes over the frames', testId: 'ts-epochs2', only: 'letterbox' }
    ]
  }
]

const MARGIN: NumberField = {
  key: 'regressionMargin',
  label: 'Regression margin',
  hint: 'a retrain whose MIoU or any defect class’s pixel AP is lower than the active model’s by more than this, or whose mask of a class shows on a share of normal test frames higher by more than this, is a regression: Decline comes first and auto-promote refuses it',
  testId: 'ts-regression-margin',
  decimal: true
}

const ALL_FIELDS = [BUDGET, ...ADVANCED.flatMap((g) => g.fields), MARGIN]

const LOSSES: { value: TrainingLoss; label: string }[] = [
  { value: 'bce-dice', label: 'Cross-entropy + Dice (default)' },
  { value: 'focal-dice', label: 'Focal + Dice' },
  { value: 'focal-batch', label: "Focal, per-batch balance (thesis)" }
]

type Draft = Record<NumberKey, string> & Pick<TrainingSettings, 'preset' | 'input' | 'loss' | 'rotate90' | 'inferFlips' | 'autoPromote'>

function toDraft(s: TrainingSettings): Draft {
  const numbers = Object.fromEntries(ALL_FIELDS.map((f) => [f.key, String(s[f.key])])) as Record<NumberKey, string>
  return { ...numbers, preset: s.preset, input: s.input, loss: s.loss, rotate90: s.rotate90, inferFlips: s.inferFlips, autoPromote: s.autoPromote }
}

export function TrainingSettingsForm({ onSaved }: { onSaved?(s: TrainingSettings): void }) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [stored, setStored] = useState<TrainingSettings | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    let live = true
    api()
      .settings.getTraining({})
      .then(
        (s) => {
          if (!live) return
          setDraft(toDraft(s))
          setStored(s)
        },
        (e: unknown) => live && setError(describeError(e).message)
      )
    return () => {
      live = false
    }
  }, [])

  if (!draft) {
    return (
      <div className="training-settings" data-testid="training-settings" data-loaded="false">
        {error ? <p className="error-text">{error}</p> : <p className="muted">Loading…</p>}
      </div>
    )
  }

  const change = (patch: Partial<Draft>) => {
    setDraft({ ...draft, ...patch })
    setSaved(false)
  }

  // A preset sets the sizes; they stay editable after.
  const pickPreset = (preset: Draft['preset']) => {
    const p = preset === 'gpu' ? GPU_PRESET : CPU_PRESET
    change({ preset, size: String(p.size), reconBase: String(p.reconBase), discBase: String(p.discBase), reconDepth: String(p.reconDepth), discDepth: String(p.discDepth) })
  }

  const save = async (e: FormEvent) => {
    e.preventDefault()
    const numbers: Partial<Record<NumberKey, number>> = {}
    for (const f of ALL_FIELDS) {
      const text = draft[f.key].trim()
      const v = Number(text)
      if (text === '' || !Number.isFinite(v) || (!f.decimal && !Number.isInteger(v))) {
        setError(`${f.label}: ${f.decimal ? 'a number' : 'a whole number'}`)
        return
      }
      numbers[f.key] = v
    }
    setSaving(true)
    setError(null)
    try {
      const next = await api().settings.setTraining({
        preset: draft.preset,
        input: draft.input,
        loss: draft.loss,
        rotate90: draft.rotate90,
        inferFlips: draft.inferFlips,
        autoPromote: draft.autoPromote,
        ...numbers
      })
      setDraft(toDraft(next))
      setStored(next)
      setSaved(true)
      onSaved?.(next)
    } catch (err) {
      setError(describeError(err).message)
    } finally {
      setSaving(false)
    }
  }

  const numberInput = (f: NumberField): ReactNode => (
    <label key={f.key} className="field" title={f.hint} data-field={f.key}>
      <span>{f.label}</span>
      <input
        type="number"
        min={0}
        step={f.decimal ? 'any' : 1}
        data-testid={f.testId}
        value={draft[f.key]}
        onChange={(e) => change({ [f.key]: e.target.value } as Partial<Draft>)}
      />
    </label>
  )

  return (
    <form className="training-settings" data-testid="training-settings" data-loaded="true" onSubmit={save}>
      <div className="ts-main">
        <label className="field">
          <span>Preset</span>
          <select data-testid="ts-preset" value={draft.preset} onChange={(e) => pickPreset(e.target.value as Draft['preset'])}>
            <option value="cpu">CPU (small networks)</option>
            <option value="gpu">GPU (thesis-sized networks)</option>
          </select>
        </label>
        {numberInput(BUDGET)}
        <p className="muted ts-summary" data-testid="ts-summary">
          {stored ? `Saved: ${trainingSettingsLine(stored)}` : ''}
          {draft.input === 'letterbox' ? ' With letterbox input the epochs set the length, not the time.' : ''}
        </p>
      </div>
      <details className="ts-advanced" data-testid="ts-advanced">
        <summary>Advanced</summary>
        <div className="ts-grid">
          <label className="field" title="tiles: crops at the analysis scale and tiled inference; letterbox: the thesis's whole frame in one small square">
            <span>Input</span>
            <select data-testid="ts-input" value={draft.input} onChange={(e) => change({ input: e.target.value as Draft['input'] })}>
              <option value="tiles">Tiles at the analysis scale</option>
              <option value="letterbox">Letterbox (whole frame)</option>
            </select>
          </label>
          {ADVANCED.flatMap((g) => g.fields)
            .filter((f) => !f.only || f.only === draft.input)
            .map(numberInput)}
          <label className="field" title="stage-2 loss">
            <span>Loss</span>
            <select data-testid="ts-loss" value={draft.loss} onChange={(e) => change({ loss: e.target.value as TrainingLoss })}>
              {LOSSES.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </label>
          <label className="check ts-check" title="flips are always on; turn this off where a view has a direction that matters">
            <input type="checkbox" data-testid="ts-rotate" checked={draft.rotate90} onChange={(e) => change({ rotate90: e.target.checked })} />
            90° turns
          </label>
          {draft.input === 'tiles' && (
            <label className="check ts-check" title="each tile is also read mirrored left-right, top-bottom and both, and the four maps averaged: steadier maps and fewer false alarms, two to three times the inference time">
              <input type="checkbox" data-testid="ts-infer-flips" checked={draft.inferFlips} onChange={(e) => change({ inferFlips: e.target.checked })} />
              Average mirrored tiles at inference
            </label>
          )}
        </div>
      </details>
      <div className="ts-actions">
        <label className="check">
          <input type="checkbox" data-testid="ts-auto-promote" checked={draft.autoPromote} onChange={(e) => change({ autoPromote: e.target.checked })} />
          Promote a retrained model by itself if its test MIoU does not drop and nothing regressed
        </label>
        <label className="ts-margin" title={MARGIN.hint}>
          {MARGIN.label}
          <input type="number" min={0} max={1} step="any" style={{ width: '5em' }} data-testid={MARGIN.testId} value={draft.regressionMargin} onChange={(e) => change({ regressionMargin: e.target.value })} />
        </label>
        <span className="ts-spacer" />
        {error && (
          <span className="error-text" role="alert" data-testid="ts-error">
            {error}
          </span>
        )}
        {saved && !error && (
          <span className="muted" data-testid="ts-saved">
            Saved: the next training uses these settings.
          </span>
        )}
        <button type="submit" className="primary" data-testid="ts-save" disabled={saving}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  )
}
