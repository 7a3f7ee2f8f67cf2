/** The editor commands that need no I/O, run against the core. */
import type { EditorCore } from './editorCore'
import type { Command } from './keymap'

export function runCommand(core: EditorCore, cmd: Command): boolean {
  switch (cmd.type) {
    case 'undo':
      // While drawing, undo takes back the last vertex.
      if (core.getSnapshot().tool === 'polygon' && core.activeTool.busy()) return core.activeTool.key('Backspace')
      return core.step('undo')
    case 'redo':
      return core.step('redo')
    case 'tool':
      core.setTool(cmd.tool)
      return true
    case 'class':
      return core.pickClass(cmd.index)
    case 'toggleHidden':
    case 'toggleLocked': {
      const id = cmd.index === undefined ? core.getSnapshot().activeClassId : core.getSnapshot().classes[cmd.index]?.id
      if (id === undefined || id === null) return false
      core.togglePref(id, cmd.type === 'toggleHidden' ? 'hidden' : 'locked')
      return true
    }
    case 'key':
      if (core.activeTool.key(cmd.key)) return true
      // Esc drops the selection whatever the tool, before it may close the editor.
      if (cmd.key === 'Escape' && core.getSnapshot().selectedKey !== null) {
        core.select(null)
        return true
      }
      return false
    case 'copy':
      core.clipboard = core.polygonsToCopy()
      core.notify(`Copied ${core.clipboard.length} polygon${core.clipboard.length === 1 ? '' : 's'}`)
      return true
    case 'paste':
      core.paste(core.clipboard)
      return true
    case 'brushSize':
      core.resizeBrush(cmd.factor)
      return true
    case 'cycleSelection': {
      const list = core.hittable().reverse()
      if (list.length === 0) return true
      const at = list.findIndex((p) => p.key === core.getSnapshot().selectedKey)
      const next = at < 0 ? (cmd.back ? list.length - 1 : 0) : (at + (cmd.back ? list.length - 1 : 1)) % list.length
      core.select(list[next]!.key)
      return true
    }
    case 'zoom': {
      const vp = core.getSnapshot().viewport
      core.zoomAt(vp.width / 2, vp.height / 2, cmd.factor)
      return true
    }
    case 'fit':
      core.fit()
      return true
    case 'oneToOne':
      core.oneToOne()
      return true
    default:
      return false
  }
}
