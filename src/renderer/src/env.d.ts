import type { StudioApi } from '../../shared/contract'

declare global {
  interface Window {
    /** Set by the preload in Electron, or by /__studio/api.js in the browser transport. */
    api: StudioApi
  }
}

export {}
