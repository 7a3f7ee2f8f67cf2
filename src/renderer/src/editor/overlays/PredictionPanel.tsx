/**
 * Controls for the model overlay, and accepting predictions: each predicted
 * piece (as the accept service traces it) can be accepted on its own, from
 * its row or by clicking its dashed outline with the select tool, or all of
 * a class at once. Either way it is one undo step.
 */
import type { ClassDef, PredictedPiece } from '../../../../shared/contract'
import { Btn } from '../ui/Btn'
import type { OverlaySettings } from './OverlayLayer'
import { pieceKey } from './predictedPieces'
import type { FramePredictions } from './predictions'

interface Props {
  predictions: FramePredictions
  /** The service's pieces of the classes with a predicted mask; null while they load. */
  pieces: readonly PredictedPiece[] | null
  classes: readonly ClassDef[]
  settings: OverlaySettings
  onSettings(next: OverlaySettings): void
  /** Accepts pieces of a class: the listed indices, or every one not labelled yet. */
  onAccept(classId: number, pieces?: number[]): void
  onHover(key: string | null): void
}

const fmt = new Intl.NumberFormat('en-US')

export function PredictionPanel({ predictions, pieces, classes, settings, onSettings, onAccept, onHover }: Props) {
  const name = (id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`
  // A class the model has no output for (no labels when it trained) has no map: say so rather than show nothing.
  const mapped = new Set(predictions.heatmaps.map((h) => h.classId))
  const untrained = mapped.size > 0 ? classes.filter((c) => !mapped.has(c.id)) : []
  const byClass = predictions.masks.map((m) => ({ classId: m.classId, list: (pieces ?? []).filter((p) => p.classId === m.classId) }))
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
      {byClass.length > 0 && (
        <p className="muted piece-hint" data-testid="piece-hint">
          Accept one piece: its Accept below, or click its dashed outline with the select tool (V). Pieces already labelled are skipped.
        </p>
      )}
      {byClass.map(({ classId, list }) => {
        const open = list.filter((p) => !p.labelled)
        return (
          <div key={classId} className="piece-group" data-testid="piece-group" data-class-id={classId}>
            <Btn
              onClick={() => onAccept(classId)}
              data-testid="accept-prediction"
              disabled={pieces !== null && open.length === 0}
              title="Every predicted piece of this class that is not labelled yet, as one undo step"
            >
              Accept all {name(classId)}
              {pieces !== null ? ` (${open.length})` : ''}
            </Btn>
            {list.map((p) => (
              <div
                key={pieceKey(p)}
                className={p.labelled ? 'piece-row labelled' : 'piece-row'}
                data-testid="predicted-piece"
                data-class-id={p.classId}
                data-index={p.index}
                data-labelled={p.labelled}
                onMouseEnter={() => onHover(pieceKey(p))}
                onMouseLeave={() => onHover(null)}
              >
                <span className="muted">#{p.index + 1}</span>
                <span>{fmt.format(p.pixels)} px</span>
                {p.labelled ? (
                  <span className="muted">labelled</span>
                ) : (
                  <Btn className="piece-accept" data-testid="accept-piece" onClick={() => onAccept(p.classId, [p.index])}>
                    Accept
                  </Btn>
                )}
              </div>
            ))}
          </div>
        )
      })}
      {untrained.length > 0 && (
        <p style={{ color: 'var(--muted)', fontSize: 12, margin: '4px 0 0' }} data-testid="prediction-untrained">
          Not trained: {untrained.map((c) => c.name).join(', ')}
        </p>
      )}
    </section>
  )
}
