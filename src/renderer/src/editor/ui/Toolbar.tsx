/** The editor's header: back to the grid, which frame, its status, save state, tools, zoom and frame actions. */
import type { ToolName } from '../model/types'
import type { EditorCore } from '../model/editorCore'
import type { EditorController, NavState } from './controller'
import { Btn } from './Btn'
import { useEditor } from './useEditor'

const TOOLS: { tool: ToolName; label: string; key: string }[] = [
  { tool: 'select', label: 'Select', key: 'V' },
  { tool: 'polygon', label: 'Polygon', key: 'P' },
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'eraser', label: 'Eraser', key: 'E' }
]

export function baseName(relPath: string): string {
  const cut = Math.max(relPath.lastIndexOf('/'), relPath.lastIndexOf('\\'))
  return cut >= 0 ? relPath.slice(cut + 1) : relPath
}

export function Toolbar({ core, controller, nav }: { core: EditorCore; controller: EditorController; nav: NavState }) {
  const tool = useEditor(core, (s) => s.tool)
  const canUndo = useEditor(core, (s) => s.canUndo)
  const canRedo = useEditor(core, (s) => s.canRedo)
  const scale = useEditor(core, (s) => s.view.scale)
  const status = useEditor(core, (s) => s.status)
  const dirty = useEditor(core, (s) => s.dirty)
  const saving = useEditor(core, (s) => s.saving)
  const saveError = useEditor(core, (s) => s.saveError)
  const brushRadius = useEditor(core, (s) => s.brushRadius)
  const total = controller.imageIds.length
  const saveState = saveError ? 'error' : saving ? 'saving' : dirty ? 'dirty' : 'saved'
  const saveText = { error: 'Not saved', saving: 'Saving…', dirty: '● Unsaved', saved: 'Saved' }[saveState]

  return (
    <header className="editor-header">
      <div className="editor-group">
        <Btn onClick={() => void controller.close()} title="Back to the grid (Esc)" data-testid="editor-close" disabled={nav.closing}>
          ← Grid
        </Btn>
        <Btn onClick={() => controller.prev()} title="Previous frame (A, ←)" data-testid="editor-prev" disabled={nav.index <= 0}>
          ‹
        </Btn>
        <span className="editor-frame" data-testid="editor-frame" data-image-id={nav.shownId ?? ''} data-index={nav.index}>
          <strong title={nav.detail?.relPath}>{nav.detail ? baseName(nav.detail.relPath) : '…'}</strong>
          <span className="muted">
            {' '}
            {nav.index + 1} / {total}
          </span>
          {nav.detail && <span className="tag">{nav.detail.view}</span>}
        </span>
        <Btn onClick={() => controller.next()} title="Next frame (D, →)" data-testid="editor-next" disabled={nav.index + 1 >= total}>
          ›
        </Btn>
        {status && (
          <span className={`badge status-${status}`} data-testid="editor-status" data-status={status}>
            {status}
          </span>
        )}
        <span className={`editor-save save-${saveState}`} data-testid="save-state" data-state={saveState} title={saveError ?? undefined}>
          {saveText}
        </span>
      </div>
      <div className="editor-group" role="toolbar" aria-label="Tools">
        {TOOLS.map((t) => (
          <Btn
            key={t.tool}
            className={tool === t.tool ? 'editor-tool active' : 'editor-tool'}
            aria-pressed={tool === t.tool}
            data-testid={`tool-${t.tool}`}
            title={`${t.label} (${t.key})`}
            onClick={() => core.setTool(t.tool)}
          >
            {t.label}
          </Btn>
        ))}
        {(tool === 'brush' || tool === 'eraser') && <span className="muted">r {brushRadius}px ([ ])</span>}
        <Btn onClick={() => core.command({ type: 'undo' })} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="editor-undo">
          Undo
        </Btn>
        <Btn onClick={() => core.command({ type: 'redo' })} disabled={!canRedo} title="Redo (Ctrl+Shift+Z, Ctrl+Y)" data-testid="editor-redo">
          Redo
        </Btn>
      </div>
      <div className="editor-group">
        <Btn onClick={() => core.fit()} title="Fit to window (F)">
          Fit
        </Btn>
        <Btn onClick={() => core.oneToOne()} title="One image pixel per screen pixel (O)" data-testid="editor-1to1">
          1:1
        </Btn>
        <span className="muted editor-zoom" data-testid="editor-zoom">
          {Math.round(scale * 100)}%
        </span>
        <Btn onClick={() => void controller.copyToNext()} title="Copy the selected polygon, or all, to the next frame of this view (C)" data-testid="editor-copy-next">
          Copy → next
        </Btn>
        <Btn onClick={() => void controller.setStatus('normal')} title="Mark normal: no defect (N)" data-testid="mark-normal">
          Normal
        </Btn>
        <Btn onClick={() => void controller.setStatus('needs-review')} title="Needs review" data-testid="mark-review">
          Review
        </Btn>
        <Btn className="primary" onClick={() => void controller.setStatus('labeled')} title="Mark done (M)" data-testid="mark-done">
          Done
        </Btn>
      </div>
    </header>
  )
}
