/** Top level: the start screen until a workspace is open, then the workspace view. */
import { Component, useCallback, useEffect, useState, type ErrorInfo, type ReactNode } from 'react'
import type { AppInfo, WorkspaceInfo } from '../../shared/contract'
import { api, describeError, hasApi } from './api'
import { jobStore } from './jobs'
import { rememberWorkspace } from './recentWorkspaces'
import { StartScreen } from './StartScreen'
import { ToastProvider, useToasts } from './toasts'
import { WorkspaceView } from './WorkspaceView'

export function App() {
  if (!hasApi()) {
    return (
      <main className="fatal" data-testid="fatal">
        <h1>Defect Studio cannot reach its backend</h1>
        <p>window.api is missing: open the app through Electron or the Studio web transport, not as a plain file.</p>
      </main>
    )
  }
  return (
    <ErrorBoundary>
      <ToastProvider>
        <Shell />
      </ToastProvider>
    </ErrorBoundary>
  )
}

function Shell() {
  const toasts = useToasts()
  const [info, setInfo] = useState<AppInfo | null>(null)
  const [workspace, setWorkspace] = useState<WorkspaceInfo | null>(null)

  const load = useCallback(() => {
    api()
      .app.info({})
      .then(
        (i) => {
          setInfo(i)
          setWorkspace(i.workspace)
          if (i.workspace) rememberWorkspace(i.workspace.dir, i.workspace.name)
        },
        (e: unknown) => toasts.error(e)
      )
  }, [toasts])

  useEffect(() => jobStore.attach(api()), [])

  // A promise nobody awaited still reaches the user instead of vanishing into the console.
  useEffect(() => {
    const onRejection = (e: PromiseRejectionEvent) => {
      e.preventDefault()
      toasts.error(e.reason)
    }
    window.addEventListener('unhandledrejection', onRejection)
    return () => window.removeEventListener('unhandledrejection', onRejection)
  }, [toasts])
  useEffect(load, [load])

  // A workspace opened or closed by someone else (another window, the CLI) replaces ours.
  useEffect(
    () =>
      api().on('workspace.changed', (e) => {
        if (e.what === 'workspace') load()
      }),
    [load]
  )

  useEffect(() => {
    document.title = workspace ? `${workspace.name} · Defect Studio` : 'Defect Studio'
  }, [workspace])

  const opened = useCallback((ws: WorkspaceInfo) => {
    rememberWorkspace(ws.dir, ws.name)
    setWorkspace(ws)
  }, [])

  if (!info) {
    return (
      <main className="loading" data-testid="app-loading">
        Loading…
      </main>
    )
  }
  if (!workspace) return <StartScreen info={info} onOpened={opened} />
  return <WorkspaceView key={workspace.dir} workspace={workspace} canBrowse={info.shell === 'electron'} onClose={() => setWorkspace(null)} />
}

/** A render error shows what happened and a way back, never a blank window. */
class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null }

  static getDerivedStateFromError(error: Error) {
    return { error }
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(error, info.componentStack)
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <main className="fatal" data-testid="fatal" role="alert">
        <h1>Something broke in the interface</h1>
        <p>{describeError(this.state.error).message}</p>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </main>
    )
  }
}
