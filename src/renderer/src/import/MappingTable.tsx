/** The mapping step: every mask value and label name the preview found, with its counts, and the class each goes to. */
import type { ClassDef } from '../../../shared/contract'
import type { ImportPreviewResult } from '../../../shared/contract/namespaces/import'
import { CLASS_KINDS, type ClassKind } from '../../../shared/domain'
import type { Choice, MappingRow } from './mapping'

interface Props {
  preview: ImportPreviewResult
  rows: MappingRow[]
  classes: ClassDef[]
  onChange(key: string, choice: Choice): void
}

const NEW = '__new'
const SKIP = '__skip'

function choiceValue(c: Choice): string {
  if (c === null) return ''
  if (c.kind === 'existing') return String(c.classId)
  return c.kind === 'new' ? NEW : SKIP
}

export function MappingTable({ preview, rows, classes, onChange }: Props) {
  const pick = (row: MappingRow, value: string) => {
    if (value === '') onChange(row.key, null)
    else if (value === SKIP) onChange(row.key, { kind: 'skip' })
    else if (value === NEW) onChange(row.key, { kind: 'new', name: row.choice?.kind === 'new' ? row.choice.name : (row.name ?? ''), classKind: 'defect' })
    else onChange(row.key, { kind: 'existing', classId: Number(value) })
  }
  const sampled = preview.maskFolders.filter((f) => f.sampled)
  return (
    <div className="import-mapping" data-testid="import-mapping">
      <table className="mapping-table">
        <thead>
          <tr>
            <th>Found</th>
            <th className="num">Count</th>
            <th className="num">Files</th>
            <th>Class</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            // With several mask folders a value can appear in each: the folder's position keeps the ids apart.
            const folderIndex = preview.maskFolders.findIndex((f) => f.folder === row.folder)
            const id = row.source === 'label' ? `label-${row.name}` : preview.maskFolders.length > 1 ? `mask-${folderIndex + 1}-${row.value}` : `mask-${row.value}`
            return (
              <tr key={row.key} data-testid={`map-row-${id}`} className={row.choice === null ? 'unmapped' : undefined}>
                <td>
                  {row.source === 'mask' ? (
                    <>
                      value <b>{row.value}</b>
                      {row.name ? <span className="muted"> ({row.name})</span> : <span className="muted"> (no name)</span>}
                      {preview.maskFolders.length > 1 && <div className="muted small">{row.folder}</div>}
                    </>
                  ) : (
                    <b>{row.name}</b>
                  )}
                </td>
                <td className="num" title={row.source === 'mask' ? 'pixels' : 'shapes'}>
                  {row.amount.toLocaleString('en-US')} {row.source === 'mask' ? 'px' : row.amount === 1 ? 'shape' : 'shapes'}
                </td>
                <td className="num">{row.files}</td>
                <td className="mapping-choice">
                  <select data-testid={`map-choice-${id}`} value={choiceValue(row.choice)} onChange={(e) => pick(row, e.target.value)} aria-label={`Class for ${id}`}>
                    <option value="">— choose —</option>
                    {classes.map((c) => (
                      <option key={c.id} value={String(c.id)}>
                        {c.name} ({c.kind})
                      </option>
                    ))}
                    <option value={NEW}>New class…</option>
                    <option value={SKIP}>Skip (do not import)</option>
                  </select>
                  {row.choice?.kind === 'new' && (
                    <>
                      <input
                        type="text"
                        data-testid={`map-new-name-${id}`}
                        placeholder="new class name"
                        aria-label={`New class name for ${id}`}
                        value={row.choice.name}
                        maxLength={64}
                        onChange={(e) => onChange(row.key, { kind: 'new', name: e.target.value, classKind: (row.choice as { classKind: ClassKind }).classKind })}
                      />
                      <select
                        data-testid={`map-new-kind-${id}`}
                        aria-label={`Kind of the new class for ${id}`}
                        value={row.choice.classKind}
                        onChange={(e) => onChange(row.key, { kind: 'new', name: (row.choice as { name: string }).name, classKind: e.target.value as ClassKind })}
                      >
                        {CLASS_KINDS.map((k) => (
                          <option key={k} value={k}>
                            {k}
                          </option>
                        ))}
                      </select>
                    </>
                  )}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
      {sampled.map((f) => (
        <p key={f.folder} className="warn-text" data-testid="import-sampled">
          {f.folder}: {f.masks.toLocaleString('en-US')} masks, counted on an evenly spread sample of {f.read.toLocaleString('en-US')}. A value only
          the other masks hold is imported under the folder&apos;s own name, or reported and left out when it has none.
        </p>
      ))}
    </div>
  )
}
