/**
 * Side panel: the classes (pick, hide, lock), the frame's polygons grouped by
 * class with their area and source, and the key help. Area is the pixel
 * count by the shared rasteriser (rasterArea's rule, computed over the
 * polygon's window): the pixels the mask, export and training will use.
 */
import { memo, useMemo, useState, type ReactNode } from 'react'
import type { ClassDef } from '../../../../shared/contract'
import type { EditorCore } from '../model/editorCore'
import { findPolygon, removeChange, updateChange } from '../model/document'
import { KEY_HELP } from '../model/keymap'
import type { ClassPref, EditorPolygon, FrameSize } from '../model/types'
import { Btn } from './Btn'
import { fillMaskOf } from './fillCache'
import { useEditor } from './useEditor'

const fmt = new Intl.NumberFormat('en-US')
const NO_PREF: ClassPref = { hidden: false, locked: false }

export function SidePanel({ core, children }: { core: EditorCore; children?: ReactNode }) {
  const [help, setHelp] = useState(false)
  return (
    <aside className="editor-side" data-testid="editor-side">
      <ClassList core={core} />
      <PolygonList core={core} />
      {children}
      <section className="editor-section">
        <Btn className="editor-link" onClick={() => setHelp(!help)}>
          {help ? 'Hide keys' : 'Keys…'}
        </Btn>
        {help && (
          <dl className="editor-help">
            {KEY_HELP.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>
    </aside>
  )
}

function ClassList({ core }: { core: EditorCore }) {
  const classes = useEditor(core, (s) => s.classes)
  const prefs = useEditor(core, (s) => s.classPrefs)
  const active = useEditor(core, (s) => s.activeClassId)
  return (
    <section className="editor-section">
      <h3>Classes</h3>
      {classes.map((c, i) => {
        const pref = prefs.get(c.id) ?? NO_PREF
        return (
          <div
            key={c.id}
            className={c.id === active ? 'class-row active' : 'class-row'}
            data-testid="class-row"
            data-class-id={c.id}
            data-active={c.id === active}
            data-hidden={pref.hidden}
            data-locked={pref.locked}
          >
            <Btn className="class-pick" onClick={() => core.setActiveClass(c.id)} title={i < 9 ? `Pick (${i + 1})` : 'Pick'}>
              <span className="class-key">{i < 9 ? i + 1 : ''}</span>
              <span className="dot" style={{ backgroundColor: c.color }} />
              <span className="class-name">{c.name}</span>
              {c.kind === 'region' && <span className="tag">region</span>}
            </Btn>
            <Btn
              className={pref.hidden ? 'class-toggle on' : 'class-toggle'}
              aria-pressed={pref.hidden}
              data-testid="class-hide"
              title={`${pref.hidden ? 'Show' : 'Hide'} (Shift+${i + 1})`}
              onClick={() => core.togglePref(c.id, 'hidden')}
            >
              {pref.hidden ? 'hidden' : 'hide'}
            </Btn>
            <Btn
              className={pref.locked ? 'class-toggle on' : 'class-toggle'}
              aria-pressed={pref.locked}
              data-testid="class-lock"
              title={`${pref.locked ? 'Unlock' : 'Lock'} (Alt+${i + 1})`}
              onClick={() => core.togglePref(c.id, 'locked')}
            >
              {pref.locked ? 'locked' : 'lock'}
            </Btn>
          </div>
        )
      })}
    </section>
  )
}

function PolygonList({ core }: { core: EditorCore }) {
  const polygons = useEditor(core, (s) => s.polygons)
  const classes = useEditor(core, (s) => s.classes)
  const selectedKey = useEditor(core, (s) => s.selectedKey)
  const frame = useEditor(core, (s) => s.frame)
  const groups = useMemo(() => {
    const byClass = new Map<number, EditorPolygon[]>()
    for (const p of polygons) {
      let list = byClass.get(p.classId)
      if (!list) byClass.set(p.classId, (list = []))
      list.push(p)
    }
    const known = classes.filter((c) => byClass.has(c.id)).map((c) => ({ cls: c as ClassDef | undefined, id: c.id }))
    const unknown = [...byClass.keys()].filter((id) => !classes.some((c) => c.id === id)).map((id) => ({ cls: undefined, id }))
    return [...known, ...unknown].map((g) => ({ ...g, list: byClass.get(g.id)! }))
  }, [polygons, classes])
  const selected = findPolygon(polygons, selectedKey)
  return (
    <section className="editor-section editor-polygons">
      <h3>
        Polygons <span className="muted" data-testid="polygon-count">{polygons.length}</span>
      </h3>
      {polygons.length === 0 && <p className="muted">None yet. Draw with P, paint with B.</p>}
      {frame &&
        groups.map((g) => (
          <div key={g.id} className="polygon-group">
            <div className="polygon-group-head">
              <span className="dot" style={{ backgroundColor: g.cls?.color ?? '#888' }} />
              {g.cls?.name ?? `class ${g.id}`} <span className="muted">{g.list.length}</span>
            </div>
            {g.list.map((p) => (
              <PolygonRow
                key={p.key}
                core={core}
                poly={p}
                frame={frame}
                selected={p.key === selectedKey}
                serverId={core.frameState?.serverIds.get(p.key)}
              />
            ))}
          </div>
        ))}
      {selected && (
        <div className="polygon-edit" data-testid="polygon-edit">
          <label>
            Class{' '}
            <select
              value={selected.classId}
              data-testid="polygon-class"
              onChange={(e) => {
                const change = updateChange(core.getSnapshot().polygons, { ...selected, classId: Number(e.target.value) })
                if (change) core.commit([change])
              }}
            >
              {classes.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <Btn
            className="danger"
            data-testid="polygon-delete"
            onClick={() => {
              const change = removeChange(core.getSnapshot().polygons, selected.key)
              if (change) core.commit([change])
              core.select(null)
            }}
          >
            Delete
          </Btn>
        </div>
      )}
    </section>
  )
}

interface RowProps {
  core: EditorCore
  poly: EditorPolygon
  frame: FrameSize
  selected: boolean
  serverId: number | undefined
}

const PolygonRow = memo(function PolygonRow({ core, poly, frame, selected, serverId: id }: RowProps) {
  const area = fillMaskOf(poly, frame)?.area ?? 0
  return (
    <div
      className={selected ? 'polygon-row selected' : 'polygon-row'}
      data-testid="polygon-row"
      data-key={poly.key}
      data-selected={selected}
      data-area={area}
      data-source={poly.source}
      onClick={() => core.select(poly.key)}
    >
      <span className="polygon-id">{id !== undefined ? `#${id}` : 'new'}</span>
      <span className="polygon-area">{fmt.format(area)} px</span>
      <span className={`polygon-source source-${poly.source}`}>{poly.source}</span>
      <span className="muted">{poly.points.length / 2} v</span>
    </div>
  )
})
