/**
 * The polygon mask editor, full screen over the workspace. Opens at
 * imageIds[startIndex] and moves within imageIds (the grid's current filter).
 * Edits autosave through labels.save; closing waits for the saves.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react'
import type { ClassDef } from '../../../../shared/contract'
import { errorMessage } from '../../../../shared/contract/errors'
import { api } from '../../api'
import { EditorCore } from '../model/editorCore'
import { commandFor } from '../model/keymap'
import { sessionFor, type EditorSession } from '../model/session'
import { DEFAULT_OVERLAY, type OverlaySettings } from '../overlays/OverlayLayer'
import { PredictionPanel } from '../overlays/PredictionPanel'
import type { FramePredictions } from '../overlays/predictions'
import { Btn } from './Btn'
import { EditorController } from './controller'
import { EditorCanvas, isTextField, type CanvasHandle } from './EditorCanvas'
import { MessageLine } from './MessageLine'
import { SidePanel } from './SidePanel'
import { installHooks } from './testHooks'
import { Toolbar } from './Toolbar'
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

  // Focus leaves the grid, so its arrow keys do not move the grid's selection behind the editor.
  useEffect(() => root.current?.focus(), [controller])

  if (!controller || !nav) return <div className="editor editor-blank" data-testid="editor" />
  return (
    <div ref={root} tabIndex={-1} className="editor" data-testid="editor" data-shown-id={nav.shownId ?? ''} data-loading={nav.loading}>
      <Toolbar core={core} controller={controller} nav={nav} />
      <div className="editor-main">
        <EditorCanvas core={core} image={nav.image} predictions={predictions} overlay={overlay} onHandle={onHandle} />
        {nav.loading && <div className="editor-loading">Loading…</div>}
        {nav.error && (
          <div className="editor-error" role="alert">
            {nav.error} <Btn onClick={() => void controller.go(nav.index)}>Retry</Btn>
          </div>
        )}
      </div>
      <SidePanel core={core}>
        {predictions && (
          <PredictionPanel core={core} predictions={predictions} classes={classes} settings={overlay} onSettings={setOverlay} />
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

const REPEATABLE: ReadonlySet<string> = new Set(['next', 'prev', 'undo', 'redo', 'zoom', 'brushSize', 'cycleSelection'])
