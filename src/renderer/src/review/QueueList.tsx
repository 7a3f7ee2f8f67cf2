/** The review queue: frames in the order that most needs a human, with why each is there. */
import { useEffect, useRef } from 'react'
import type { ClassDef, ReviewItem } from '../../../shared/contract'
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
