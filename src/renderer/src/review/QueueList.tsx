/** The review queue: frames in the order that most needs a human, with why each is there, and the column that holds them. */
import { useEffect, useRef } from 'react'
import type { ClassDef, ReviewItem, ReviewQueue } from '../../../shared/contract'
import { VERDICT_LABELS } from './ReviewFilters'

const TIER_LABELS = { fp: 'FP evidence', missed: 'missed', uncertain: 'uncertain', rest: 'rest' } as const

function why(item: ReviewItem): string {
  const e = item.evidence
  if (e.tier === 'fp') return e.normal ? `normal frame, score ${e.score.toFixed(2)}` : `${e.fpPixels} px outside labels`
  if (e.tier === 'missed') return `${e.missedPixels} labelled px missed`
  if (e.tier === 'uncertain') return `score ${e.score.toFixed(2)}, ${e.margin.toFixed(2)} from threshold`
  return `score ${e.score.toFixed(2)}`
}

export function QueueList({ items, currentId, classes, onSelect }: { items: ReviewItem[]; currentId: number | null; classes: ClassDef[]; onSelect(id: number): void }) {
  const listRef = useRef<HTMLOListElement>(null)
  useEffect(() => {
    listRef.current?.querySelector<HTMLElement>('[aria-current="true"]')?.scrollIntoView({ block: 'nearest' })
  }, [currentId, items])
  const colour = new Map(classes.map((c) => [c.id, c.color]))
  return (
    <ol className="review-queue-list" ref={listRef} data-testid="review-queue">
      {items.map((it, i) => (
        <li
          key={it.imageId}
          className={`review-item tier-${it.evidence.tier}`}
          aria-current={it.imageId === currentId}
          data-testid="review-item"
          data-image-id={it.imageId}
          data-index={i}
          data-tier={it.evidence.tier}
          data-verdict={it.verdict?.verdict ?? ''}
          onClick={() => onSelect(it.imageId)}
        >
          <div className="review-item-top">
            <span className="review-item-name" title={it.relPath}>
              {it.relPath.split('/').pop()}
            </span>
            <span className={`review-tier tier-${it.evidence.tier}`}>{TIER_LABELS[it.evidence.tier]}</span>
          </div>
          <div className="review-item-meta">
            <span>
              {it.view} · {it.split} · <span className={`status-${it.status}`}>{it.status}</span>
            </span>
            <span className="review-item-outcomes">
              {it.classes
                .filter((c) => c.outcome !== 'tn')
                .map((c) => (
                  <span key={c.classId} className={`outcome outcome-${c.outcome}`} style={{ borderColor: colour.get(c.classId) }}>
                    {c.outcome.toUpperCase()}
                  </span>
                ))}
            </span>
          </div>
          <div className="review-item-why muted">
            {why(it)}
            {it.verdict && <span className={`review-verdict verdict-${it.verdict.verdict}`}> · {VERDICT_LABELS[it.verdict.verdict]}</span>}
          </div>
        </li>
      ))}
    </ol>
  )
}

/**
 * The queue's column: its count, the list, or why it is empty. `held`: the
 * list is shown in the order it had when the pointer came onto it.
 */
export function QueuePane(props: {
  queue: ReviewQueue | null
  items: ReviewItem[]
  held: boolean
  currentId: number | null
  classes: ClassDef[]
  onSelect(id: number): void
  onPointerOn(on: boolean): void
}) {
  const { queue, items, held, onPointerOn } = props
  return (
    <aside className="review-queue" onPointerEnter={() => onPointerOn(true)} onPointerLeave={() => onPointerOn(false)}>
      <div className="review-queue-head muted" data-testid="review-queue-count" data-count={items.length} data-pending={queue?.pending ?? ''}>
        {queue ? `${items.length} frames${queue.pending ? ` · ${queue.pending} being counted` : ''}` : '…'}
        {held && (
          <span data-testid="review-queue-held" title="The list re-ranks when the pointer leaves it">
            {' '}
            · order held
          </span>
        )}
      </div>
      {queue && items.length === 0 ? (
        <p className="muted review-queue-empty" data-testid="review-queue-empty">
          {queue.withoutPredictions > 0
            ? `No predictions here yet: run the model on these ${queue.withoutPredictions} frames.`
            : queue.pending > 0
              ? 'Counting the maps…'
              : 'No frames match these filters.'}
        </p>
      ) : (
        <QueueList items={items} currentId={props.currentId} classes={props.classes} onSelect={props.onSelect} />
      )}
    </aside>
  )
}
