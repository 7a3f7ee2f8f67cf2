/** Transient messages at the bottom right: every failed call ends up here instead of crashing the page. */
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react'
import { describeError } from './api'

interface Toast {
  id: number
  kind: 'error' | 'info'
  code: string
  message: string
}

interface ToastApi {
  error(error: unknown): void
  info(message: string): void
}

const ToastContext = createContext<ToastApi | null>(null)

const LIFETIME_MS = { error: 9000, info: 4000 }
const MAX_TOASTS = 5

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(1)

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), [])

  const push = useCallback(
    (kind: Toast['kind'], code: string, message: string) => {
      const id = next.current++
      setToasts((list) => {
        // The same failure repeating (a page query during a fling) shows once.
        const same = list.find((t) => t.kind === kind && t.code === code && t.message === message)
        if (same) return list
        return [...list, { id, kind, code, message }].slice(-MAX_TOASTS)
      })
      setTimeout(() => dismiss(id), LIFETIME_MS[kind])
    },
    [dismiss]
  )

  const value = useMemo<ToastApi>(
    () => ({
      error: (error) => {
        const view = describeError(error)
        console.error(error)
        push('error', view.code, view.message)
      },
      info: (message) => push('info', 'info', message)
    }),
    [push]
  )

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast" data-code={t.code}>
            {t.kind === 'error' && <span className="toast-code">{t.code}</span>}
            <span className="toast-message">{t.message}</span>
            <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  )
}

export function useToasts(): ToastApi {
  const ctx = useContext(ToastContext)
  if (!ctx) throw new Error('useToasts outside ToastProvider')
  return ctx
}
