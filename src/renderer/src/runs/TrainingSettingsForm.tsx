/**
 * The workspace's training settings: preset, input size, network widths,
 * epochs, batch size and auto-promote. Retrain and Train use them.
 */
import { useEffect, useState, type FormEvent } from 'react'
import type { TrainingSettings } from '../../../shared/contract'
import { CPU_PRESET, GPU_PRESET } from '../../../shared/arcd/config'
import { api, describeError } from '../api'

type NumberKey = 'size' | 'reconBase' | 'discBase' | 'epochs1' | 'epochs2' | 'batchSize'

const FIELDS: { key: NumberKey; label: string; hint: string; testId: string }[] = [
  { key: 'size', label: 'Input size (px)', hint: 'square, a multiple of 16', testId: 'ts-size' },
  { key: 'reconBase', label: 'Reconstruction width', hint: 'base channels of stage 1', testId: 'ts-recon' },
  { key: 'discBase', label: 'Segmentation width', hint: 'base channels of stage 2', testId: 'ts-disc' },
  { key: 'epochs1', label: 'Stage 1 epochs', hint: 'reconstruction network', testId: 'ts-epochs1' },
  { key: 'epochs2', label: 'Stage 2 epochs', hint: 'segmentation network', testId: 'ts-epochs2' },
  { key: 'batchSize', label: 'Batch size', hint: '', testId: 'ts-batch' }
]

type Draft = Record<NumberKey, string> & { preset: TrainingSettings['preset']; autoPromote: boolean }

function toDraft(s: TrainingSettings): Draft {
  return {
    preset: s.preset,
    autoPromote: s.autoPromote,
    size: String(s.size),
    reconBase: String(s.reconBase),
    discBase: String(s.discBase),
    epochs1: String(s.epochs1),
    epochs2: String(s.epochs2),
    batchSize: String(s.batchSize)
  }
}

export function TrainingSettingsForm({ onSaved }: { onSaved?(s: TrainingSettings): void }) {
  const [draft, setDraft] = useState<Draft | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    let live = true
    api()
      .settings.getTraining({})
      .then(
        (s) => live && setDraft(toDraft(s)),
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
    change({ preset, size: String(p.size), reconBase: String(p.reconBase), discBase: String(p.discBase) })
  }

  const save = async (e: FormEvent) => {
    e.preventDefault()
    const numbers: Partial<Record<NumberKey, number>> = {}
    for (const f of FIELDS) {
      const v = Number(draft[f.key])
      if (draft[f.key].trim() === '' || !Number.isInteger(v)) {
        setError(`${f.label}: a whole number`)
        return
      }
      numbers[f.key] = v
    }
    setSaving(true)
    setError(null)
    try {
      const next = await api().settings.setTraining({ preset: draft.preset, autoPromote: draft.autoPromote, ...numbers })
      setDraft(toDraft(next))
      setSaved(true)
      onSaved?.(next)
    } catch (err) {
      setError(describeError(err).message)
    } finally {
      setSaving(false)
    }
  }

  return (
    <form className="training-settings" data-testid="training-settings" data-loaded="true" onSubmit={save}>
      <div className="ts-grid">
        <label className="field">
          <span>Preset</span>
          <select data-testid="ts-preset" value={draft.preset} onChange={(e) => pickPreset(e.target.value as Draft['preset'])}>
            <option value="cpu">CPU (small networks)</option>
            <option value="gpu">GPU (thesis-sized networks)</option>
          </select>
        </label>
        {FIELDS.map((f) => (
          <label key={f.key} className="field" title={f.hint}>
            <span>{f.label}</span>
            <input type="number" min={1} data-testid={f.testId} value={draft[f.key]} onChange={(e) => change({ [f.key]: e.target.value } as Partial<Draft>)} />
          </label>
        ))}
      </div>
      <div className="ts-actions">
        <label className="check">
          <input type="checkbox" data-testid="ts-auto-promote" checked={draft.autoPromote} onChange={(e) => change({ autoPromote: e.target.checked })} />
          Promote a retrained model by itself if its test MIoU does not drop
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
