/** Controls for the model overlay, and "accept prediction": a predicted mask becomes editable polygons. */
import type { ClassDef } from '../../../../shared/contract'
import type { EditorCore } from '../model/editorCore'
import { Btn } from '../ui/Btn'
import type { OverlaySettings } from './OverlayLayer'
import { acceptMask, type FramePredictions } from './predictions'

interface Props {
  core: EditorCore
  predictions: FramePredictions
  classes: readonly ClassDef[]
  settings: OverlaySettings
  onSettings(next: OverlaySettings): void
}

export function PredictionPanel({ core, predictions, classes, settings, onSettings }: Props) {
  const name = (id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`
  // A class the model has no output for (no labels when it trained) has no map: say so rather than show nothing.
  const mapped = new Set(predictions.heatmaps.map((h) => h.classId))
  const untrained = mapped.size > 0 ? classes.filter((c) => !mapped.has(c.id)) : []
  const accept = (index: number) => {
    const frame = core.getSnapshot().frame
    const mask = predictions.masks[index]
    if (!frame || !mask) return
    const polys = acceptMask(mask, frame)
    core.addPolygons(polys)
    core.notify(polys.length ? `Accepted ${polys.length} predicted polygon${polys.length === 1 ? '' : 's'} of ${name(mask.classId)}` : 'The predicted mask is empty')
  }
  return (
    <section className="editor-section" data-testid="prediction-panel">
      <h3>Model</h3>
      <label className="editor-check">
        <input type="checkbox" checked={settings.showHeatmap} onChange={(e) => onSettings({ ...settings, showHeatmap: e.target.checked })} /> Heatmap
      </label>
      {predictions.heatmaps.length > 1 && (
        <select
          value={settings.heatmapClassId ?? ''}
          onChange={(e) => onSettings({ ...settings, heatmapClassId: e.target.value === '' ? null : Number(e.target.value) })}
        >
          <option value="">all classes</option>
          {predictions.heatmaps.map((h) => (
            <option key={h.classId} value={h.classId}>
              {name(h.classId)}
            </option>
          ))}
        </select>
      )}
      <label className="editor-check">
        Opacity{' '}
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={settings.heatmapOpacity}
          data-testid="heatmap-opacity"
          onChange={(e) => onSettings({ ...settings, heatmapOpacity: Number(e.target.value) })}
        />
      </label>
      <label className="editor-check">
        <input type="checkbox" checked={settings.showMasks} onChange={(e) => onSettings({ ...settings, showMasks: e.target.checked })} /> Predicted outlines
      </label>
      {predictions.masks.map((m, i) => (
        <Btn key={i} onClick={() => accept(i)} data-testid="accept-prediction">
          Accept {name(m.classId)}
        </Btn>
      ))}
      {untrained.length > 0 && (
        <p style={{ color: 'var(--muted)', fontSize: 12, margin: '4px 0 0' }} data-testid="prediction-untrained">
          Not trained: {untrained.map((c) => c.name).join(', ')}
        </p>
      )}
    </section>
  )
}
