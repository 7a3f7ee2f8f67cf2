import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { parseLabelme } from '../import/labelme'
import { LABEL_LIMITS } from '../../../shared/limits'
import { addCount, addFileCounts, clipLabels, tooManyShapes, type LabelSource, type SourceScan } from './source'

function jsonBeside(rel: string): string {
  return rel.slice(0, rel.length - extname(rel).length) + '.json'
}

/** labelme JSON files beside the images (`<image stem>.json`). */
export function openLabelmeSource(folder: string): LabelSource {
  return {
    async labelsFor(rel, frame) {
      const path = jsonBeside(rel)
      const file = join(folder, path)
      if (!existsSync(file)) return null
      let parsed
      try {
        parsed = parseLabelme(await readFile(file, 'utf8'))
      } catch (err) {
        // A malformed file still counts as read: it was there and was looked at.
        return { path, labels: [], issues: [(err as Error).message] }
      }
      // Refused before any per-shape work: 200,000 shapes took minutes to clip for a frame that could never be saved.
      if (parsed.shapes.length > LABEL_LIMITS.labelsPerFrame) {
        return { path, labels: [], failed: true, issues: [tooManyShapes(parsed.shapes.length)] }
      }
      const issues = [...parsed.skipped]
      const { width, height } = frame
      if (parsed.imageWidth !== undefined && parsed.imageHeight !== undefined && (parsed.imageWidth !== width || parsed.imageHeight !== height)) {
        issues.push(`labelme says the image is ${parsed.imageWidth}x${parsed.imageHeight}, the file is ${width}x${height}; points kept as they are`)
      }
      const labels = clipLabels(
        parsed.shapes.map((s) => ({ className: s.label, points: s.points })),
        width,
        height,
        issues
      )
      return { path, labels, issues }
    },
    async scan(files) {
      const scan: SourceScan = { files: 0, classes: new Map(), issues: [] }
      for (const rel of files) {
        const path = jsonBeside(rel)
        const file = join(folder, path)
        if (!existsSync(file)) continue
        scan.files += 1
        try {
          const parsed = parseLabelme(await readFile(file, 'utf8'))
          for (const s of parsed.shapes) addCount(scan.classes, s.label, 1)
          addFileCounts(scan, parsed.shapes.map((s) => s.label))
          for (const reason of parsed.skipped) scan.issues.push({ path, reason })
        } catch (err) {
          scan.issues.push({ path, reason: (err as Error).message })
        }
      }
      return scan
    }
  }
}
