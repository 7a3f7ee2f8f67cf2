/** The last message (a refused edit, a copy done) for a few seconds, and a save error while it lasts. */
import { useEffect, useState } from 'react'
import type { EditorCore } from '../model/editorCore'
import { useEditor } from './useEditor'

const SHOW_MS = 5000

export function MessageLine({ core }: { core: EditorCore }) {
  const message = useEditor(core, (s) => s.message)
  const saveError = useEditor(core, (s) => s.saveError)
  const [shownId, setShownId] = useState<number | null>(null)
  useEffect(() => {
    if (!message) return
    setShownId(message.id)
    const t = setTimeout(() => setShownId(null), SHOW_MS)
    return () => clearTimeout(t)
  }, [message])
  return (
    <span className="editor-messages">
      {saveError && (
        <span className="error-text" role="alert" data-testid="save-error">
          Save failed, retrying: {saveError}
        </span>
      )}
      {message && shownId === message.id && (
        <span className={message.kind === 'error' ? 'error-text' : 'muted'} data-testid="editor-message" data-kind={message.kind}>
          {message.text}
        </span>
      )}
    </span>
  )
}
