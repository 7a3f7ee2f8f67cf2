/**
 * Hooks on window for the e2e spec and the benchmark: read the review's
 * state and wait until the panes have drawn a frame. They only read; every
 * action goes through the page (keys, clicks) and the contract.
 */
export interface ReviewTestHooks {
  snapshot(): unknown
  /** Resolves with performance.now() once the panes have drawn this frame. */
  whenDrawn(imageId: number): Promise<number>
}

declare global {
  interface Window {
    __reviewTest?: ReviewTestHooks
  }
}

export function installReviewHooks(hooks: ReviewTestHooks): () => void {
  window.__reviewTest = hooks
  return () => {
    if (window.__reviewTest === hooks) delete window.__reviewTest
  }
}
