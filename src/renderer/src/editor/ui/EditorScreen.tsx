/**
 * The polygon mask editor, full screen over the workspace. Opens at
 * imageIds[startIndex] and moves within imageIds (the grid's current filter).
 * Edits autosave through labels.save; closing waits for the saves.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { ClassDef, PredictedPiece, ReviewVerdict } from '../../../../shared/contract'
import { errorMessage } from '../../../../shared/contract/errors'
import { api } from '../../api'
import { EditorCore } from '../model/editorCore'
import { commandFor } from '../model/keymap'
import { sessionFor, type EditorSession } from '../model/session'
import { DEFAULT_OVERLAY, type OverlaySettings } from '../overlays/OverlayLayer'
import { PredictionPanel } from '../overlays/PredictionPanel'
import { heldLabels, pieceAt, piecesAsPolygons } from '../overlays/predictedPieces'
import type { FramePredictions } from '../overlays/predictions'
import { Btn } from './Btn'
import { EditorController } from './controller'
import { EditorCanvas, isTextField, type CanvasHandle } from './EditorCanvas'
import { MessageLine } from './MessageLine'
import { PendingVerdicts } from './PendingVerdicts'
import { SidePanel } from './SidePanel'
import { installHooks } from './testHooks'
import { Toolbar } from './Toolbar'
import { useEditor } from './useEditor'
import './editor.css'

export interface EditorScreenProps {
  /** The current filter's ordered image ids; next/previous move within them. Read when the editor opens. */
  imageIds: number[]
  startIndex: number
  classes: ClassDef[]
  onClose(): void
  /** A frame's status or labels changed (the grid may refresh). */
  onStatusChanged?(): void
  /** Model output for a frame, when a source exists (the review issue adds one). */
  predictionsFor?(imageId: number): Promise<FramePredictions | null>
}

export function EditorScreen(props: EditorScreenProps) {
  const [workspace, setWorkspace] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    api()
      .app.info({})
      .then(
        (info) => live && setWorkspace(info.workspace?.dir ?? ''),
        (err: unknown) => live && setError(errorMessage(err))
      )
    return () => {
      live = false
    }
  }, [])
  if (error || workspace === null) {
    return (
      <div className="editor editor-blank" data-testid="editor">
        {error ? <p className="error-text">{error}</p> : <p className="muted">Loading…</p>}
        <Btn onClick={props.onClose}>Back</Btn>
      </div>
    )
  }
  return <EditorBody key={workspace} {...props} session={sessionFor(workspace, api())} />
}

function EditorBody(props: EditorScreenProps & { session: EditorSession }) {
  const { session, classes, onStatusChanged, predictionsFor } = props
  const [core] = useState(() => {
    const c = new EditorCore(session.edited, classes)
    c.setClassPrefs(session.classPrefs)
    return c
  })
  const [controller, setController] = useState<EditorController | null>(null)
  const canvas = useRef<CanvasHandle | null>(null)
  const root = useRef<HTMLDivElement>(null)
  const onHandle = useCallback((h: CanvasHandle | null) => (canvas.current = h), [])
  const opened = useRef({ imageIds: props.imageIds.slice(), startIndex: props.startIndex, onClose: props.onClose })
  const statusChanged = useRef(onStatusChanged)
  statusChanged.current = onStatusChanged
  opened.current.onClose = props.onClose

  useEffect(() => core.setClasses(classes), [core, classes])
  useEffect(() => session.onChange((f) => core.refresh(f)), [core, session])
  useEffect(() => core.subscribe(() => (session.classPrefs = core.getSnapshot().classPrefs)), [core, session])

  // Created in an effect so StrictMode's mount-unmount-mount disposes the copy it drops.
  useEffect(() => {
    const c = new EditorController({
      core,
      session,
      api: api(),
      imageIds: opened.current.imageIds,
      onClose: () => opened.current.onClose(),
      onStatusChanged: () => statusChanged.current?.()
    })
    setController(c)
    void c.go(Math.min(Math.max(0, opened.current.startIndex), opened.current.imageIds.length - 1))
    const uninstall = installHooks(core, c, session, () => canvas.current)
    return () => {
      uninstall()
      c.dispose()
    }
  }, [core, session])

  // The grid hears about label saves: tell the shell once per save.
  useEffect(() => {
    let saved = session.saveTimes.length
    return session.onChange(() => {
      if (session.saveTimes.length !== saved) {
        saved = session.saveTimes.length
        statusChanged.current?.()
      }
    })
  }, [session])

  useEffect(() => {
    if (!controller) return
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTextField(e.target)) return
      const cmd = commandFor(e)
      if (!cmd) return
      e.preventDefault()
      // Holding a key repeats moves and undo, never a toggle or a status change.
      if (e.repeat && !REPEATABLE.has(cmd.type) && !(cmd.type === 'key' && (cmd.key === 'Backspace' || cmd.key === 'Delete'))) return
      if (core.command(cmd) || controller.command(cmd)) return
      if (cmd.type === 'key' && cmd.key === 'Escape') void controller.close()
    }
    // Closing the window with a save pending waits for it, then closes. A save that keeps
    // failing does not hold the window hostage: its error has been on screen all along.
    const beforeUnload = (e: BeforeUnloadEvent) => {
      const pending = session.unsaved()
      if (pending.length === 0 || pending.some((f) => f.error !== null)) return
      e.preventDefault()
      void session.flushAll().then(() => {
        if (session.unsaved().length === 0) window.close()
      })
    }
    window.addEventListener('keydown', onKey)
    window.addEventListener('beforeunload', beforeUnload)
    return () => {
      window.removeEventListener('keydown', onKey)
      window.removeEventListener('beforeunload', beforeUnload)
    }
  }, [core, controller, session])

  const nav = useSyncExternalStore(controller?.subscribe ?? noSubscribe, () => controller?.getSnapshot() ?? null)
  const [predictions, setPredictions] = useState<FramePredictions | null>(null)
  const [overlay, setOverlay] = useState<OverlaySettings>(DEFAULT_OVERLAY)
  const shownId = nav?.shownId ?? null
  useEffect(() => {
    setPredictions(null)
    if (shownId === null || !predictionsFor) return
    let live = true
    predictionsFor(shownId).then(
      (p) => live && setPredictions(p),
      (err: unknown) => live && core.notify(`Could not load the model output: ${errorMessage(err)}`, 'error')
    )
    return () => {
      live = false
    }
  }, [shownId, predictionsFor, core])

  // The accept service's pieces of every class with a predicted mask, against the labels the editor holds now.
  const polygons = useEditor(core, (s) => s.polygons)
  const [pieces, setPieces] = useState<PredictedPiece[] | null>(null)
  const [hoverKey, setHoverKey] = useState<string | null>(null)
  const maskClassKey = predictions?.masks.map((m) => m.classId).join(',') ?? ''
  useEffect(() => setPieces(null), [shownId, maskClassKey])
  useEffect(() => {
    if (shownId === null || !maskClassKey) return
    let live = true
    const labels = heldLabels(polygons)
    const timer = setTimeout(() => {
      Promise.all(maskClassKey.split(',').map((id) => api().predictions.previewAccept({ imageId: shownId, classId: Number(id), labels })))
        .then((all) => live && setPieces(all.flatMap((p) => p.pieces)))
        .catch((err: unknown) => live && core.notify(`Could not trace the prediction: ${errorMessage(err)}`, 'error'))
    }, PIECES_DEBOUNCE_MS)
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [shownId, maskClassKey, polygons, core])

  const className = useCallback((id: number) => classes.find((c) => c.id === id)?.name ?? `class ${id}`, [classes])
  const accept = useCallback(
    async (classId: number, which?: number[]) => {
      const frame = core.getSnapshot().frame
      if (!frame) return
      try {
        const p = await api().predictions.previewAccept({
          imageId: frame.imageId,
          classId,
          ...(which ? { pieces: which } : {}),
          labels: heldLabels(core.getSnapshot().polygons)
        })
        // The frame changed while the service traced: the pieces belong to the other one.
        if (core.getSnapshot().frame?.imageId !== frame.imageId) return
        // Refused by the label budget: the editor has said why, and that message stays.
        if (p.add.length > 0 && !core.addPolygons(piecesAsPolygons(p.add))) return
        const n = p.add.length
        core.notify(n ? `Accepted ${n} predicted piece${n === 1 ? '' : 's'} of ${className(classId)} (one undo step)` : `Nothing new to accept for ${className(classId)}: it is labelled already`)
      } catch (err) {
        core.notify(`Could not accept the prediction: ${errorMessage(err)}`, 'error')
      }
    },
    [core, className]
  )
  const piecesRef = useRef(pieces)
  piecesRef.current = pieces
  const pickPiece = useCallback(
    (x: number, y: number): boolean => {
      const hit = piecesRef.current ? pieceAt(piecesRef.current, x, y) : null
      if (!hit) return false
      void accept(hit.classId, [hit.index])
      return true
    },
    [accept]
  )

  // Review verdicts on a test frame wait here for an inspector.
  const [pending, setPending] = useState<ReviewVerdict[]>([])
  const [resolving, setResolving] = useState(false)
  const loadPending = useCallback(() => {
    if (shownId === null) return setPending([])
    api()
      .review.pendingVerdicts({ imageId: shownId })
      .then(setPending, (err: unknown) => core.notify(`Could not read the pending verdicts: ${errorMessage(err)}`, 'error'))
  }, [shownId, core])
  useEffect(() => {
    setPending([])
    loadPending()
    return api().on('workspace.changed', (e) => (e.what === 'images' || e.what === 'labels') && loadPending())
  }, [loadPending])
  const resolve = useCallback(
    async (v: ReviewVerdict, action: 'confirm' | 'dismiss') => {
      if (!controller) return
      setResolving(true)
      try {
        // The server applies a confirmation to what it holds: send the editor's edits first.
        const fs = core.frameState
        if (fs) await session.flush(fs)
        const r = await api().review.resolveVerdict({ verdictId: v.id, action })
        // Reload the frame: its labels or status changed on the server.
        if (action === 'confirm') await controller.go(controller.getSnapshot().index)
        core.notify(
          action === 'dismiss'
            ? 'Verdict dismissed: the frame is unchanged'
            : v.verdict === 'true_defect'
              ? `Confirmed: ${r.labelsAdded} predicted piece${r.labelsAdded === 1 ? '' : 's'} added as labels`
              : `Confirmed: the frame is ${r.status}`
        )
        statusChanged.current?.()
        loadPending()
      } catch (err) {
        core.notify(`Could not ${action} the verdict: ${errorMessage(err)}`, 'error')
      } finally {
        setResolving(false)
      }
    },
    [controller, core, session, loadPending]
  )

  // Focus leaves the grid, so its arrow keys do not move the grid's selection behind the editor.
  useEffect(() => root.current?.focus(), [controller])

  if (!controller || !nav) return <div className="editor editor-blank" data-testid="editor" />
  return (
    <div ref={root} tabIndex={-1} className="editor" data-testid="editor" data-shown-id={nav.shownId ?? ''} data-loading={nav.loading}>
      <Toolbar core={core} controller={controller} nav={nav} />
      <div className="editor-main">
        <EditorCanvas
          core={core}
          image={nav.image}
          predictions={predictions}
          pieces={pieces}
          hoverKey={hoverKey}
          onPickPiece={pickPiece}
          overlay={overlay}
          onHandle={onHandle}
        />
        {nav.loading && <div className="editor-loading">Loading…</div>}
        {nav.error && (
          <div className="editor-error" role="alert">
            {nav.error} <Btn onClick={() => void controller.go(nav.index)}>Retry</Btn>
          </div>
        )}
      </div>
      <SidePanel core={core}>
        <PendingVerdicts verdicts={pending} classes={classes} busy={resolving} onResolve={(v, a) => void resolve(v, a)} />
        {predictions && (
          <PredictionPanel
            predictions={predictions}
            pieces={pieces}
            classes={classes}
            settings={overlay}
            onSettings={setOverlay}
            onAccept={(classId, which) => void accept(classId, which)}
            onHover={setHoverKey}
          />
        )}
      </SidePanel>
      <footer className="editor-footer">
        <MessageLine core={core} />
        {nav.closeError && (
          <span className="error-text" role="alert" data-testid="close-error">
            Not saved: {nav.closeError}{' '}
            <Btn onClick={() => void controller.close()}>Retry</Btn>{' '}
            <Btn onClick={() => controller.closeAnyway()}>Close anyway (keeps retrying)</Btn>
          </span>
        )}
      </footer>
    </div>
  )
}

const noSubscribe = () => () => undefined

/** Pieces are traced again this long after the last edit (what counts as labelled changes with the labels). */
const PIECES_DEBOUNCE_MS = 300

const REPEATABLE: ReadonlySet<string> = new Set(['next', 'prev', 'undo', 'redo', 'zoom', 'brushSize', 'cycleSelection'])
