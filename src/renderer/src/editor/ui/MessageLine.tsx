/** The last message (a refused edit, a copy done) for a few seconds, a save error while it lasts, and an open question. */
import { useEffect, useState } from 'react'
import type { EditorCore } from '../model/editorCore'
import { Btn } from './Btn'
import { useEditor } from './useEditor'

const SHOW_MS = 5000

export function MessageLine({ core }: { core: EditorCore }) {
  const message = useEditor(core, (s) => s.message)
  const saveError = useEditor(core, (s) => s.saveError)
  const confirm = useEditor(core, (s) => s.confirm)
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
      {confirm && (
        <span className="editor-confirm" role="alertdialog" aria-label={confirm.text} data-testid="editor-confirm">
          {confirm.text}{' '}
          <Btn onClick={() => core.answer(true)} data-testid="editor-confirm-yes">
            {confirm.yes}
          </Btn>{' '}
          <Btn onClick={() => core.answer(false)} data-testid="editor-confirm-no">
            Cancel
          </Btn>
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
