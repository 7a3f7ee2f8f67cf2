/** Shown when no workspace is open: open or create one, or pick a recent one. */
import { useState, type FormEvent } from 'react'
import type { AppInfo, WorkspaceInfo } from '../../shared/contract'
import { api, describeError } from './api'
import { PathField } from './PathField'
import { forgetWorkspace, loadRecent, type RecentWorkspace } from './recentWorkspaces'

interface Props {
  info: AppInfo
  onOpened(workspace: WorkspaceInfo): void
}

export function StartScreen({ info, onOpened }: Props) {
  const notice = info.startNotice ?? null
  const [dir, setDir] = useState(notice && notice.state !== 'file' ? notice.dir : '')
  const [name, setName] = useState('')
  const [busy, setBusy] = useState<'open' | 'create' | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [recent, setRecent] = useState<RecentWorkspace[]>(loadRecent)
  const canBrowse = info.shell === 'electron'

  const run = async (kind: 'open' | 'create', path: string) => {
    const target = path.trim()
    if (!target) {
      setError('Type the workspace folder path first.')
      return
    }
    setBusy(kind)
    setError(null)
    try {
      const ws =
        kind === 'open'
          ? await api().workspace.open({ dir: target })
          : await api().workspace.create(name.trim() ? { dir: target, name: name.trim() } : { dir: target })
      onOpened(ws)
    } catch (e) {
      const view = describeError(e)
      setError(`${view.message} (${view.code})`)
    } finally {
      setBusy(null)
    }
  }

  const submit = (e: FormEvent) => {
    e.preventDefault()
    void run('open', dir)
  }

  return (
    <main className="start" data-testid="start-screen">
      <div className="start-card">
        <h1>Defect Studio</h1>
        <p className="muted">
          Label steel-surface defects and train the model that finds them. Version {info.version}
          {info.shell === 'web' ? ' · browser' : ''}
        </p>
        {notice && (
          <div className="start-notice" role="status" data-testid="start-notice">
            <p>{notice.message}</p>
            {notice.state !== 'file' && (
              <button type="button" className="primary" data-testid="start-notice-create" disabled={busy !== null} onClick={() => void run('create', notice.dir)}>
                {busy === 'create' ? 'Creating…' : 'Create a workspace there'}
              </button>
            )}
          </div>
        )}
        <form onSubmit={submit} className="form">
          <PathField id="workspace-path" label="Workspace folder" value={dir} onChange={setDir} canBrowse={canBrowse} browseTitle="Workspace folder" />
          <label className="field">
            <span>Name for a new workspace (optional)</span>
            <input type="text" data-testid="workspace-name-input" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Line 3 cold mill" />
          </label>
          {error && (
            <p className="error-text" role="alert" data-testid="start-error">
              {error}
            </p>
          )}
          <div className="start-actions">
            <button type="submit" className="primary" data-testid="workspace-open" disabled={busy !== null}>
              {busy === 'open' ? 'Opening…' : 'Open workspace'}
            </button>
            <button type="button" data-testid="workspace-create" disabled={busy !== null} onClick={() => void run('create', dir)}>
              {busy === 'create' ? 'Creating…' : 'Create workspace'}
            </button>
          </div>
        </form>
        {recent.length > 0 && (
          <section className="recent" aria-label="Recent workspaces">
            <h2>Recent</h2>
            <ul>
              {recent.map((r) => (
                <li key={r.dir}>
                  <button type="button" className="recent-open" data-testid="recent-workspace" data-dir={r.dir} disabled={busy !== null} onClick={() => void run('open', r.dir)}>
                    <span className="recent-name">{r.name}</span>
                    <span className="recent-dir muted">{r.dir}</span>
                  </button>
                  <button type="button" className="icon-button" aria-label={`Forget ${r.name}`} onClick={() => setRecent(forgetWorkspace(r.dir))}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </main>
  )
}
