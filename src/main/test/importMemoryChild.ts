/**
 * Child process for contentChecks.test.ts: imports a folder with masks into
 * a new workspace and prints the summary's refusals and how far the
 * process's peak resident size grew during the import, as JSON.
 * Usage: node --import tsx importMemoryChild.ts <frames> <masks> <workspace>
 */
import sharp from 'sharp'
import { importFolder } from '../services/import/runImport'
import { Workspace } from '../services/workspace'

async function main(): Promise<void> {
  const [frames, masks, dir] = process.argv.slice(2)
  if (!frames || !masks || !dir) throw new Error('usage: importMemoryChild.ts <frames> <masks> <workspace>')
  const ws = Workspace.create(dir)
  // Warm up what every import loads anyway (libvips, its threads), so the baseline includes it.
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).png().toBuffer()
  const baseline = Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024)
  const s = await importFolder(ws, { folder: frames, masks: [masks], maskClasses: ['fold'] })
  const peak = process.resourceUsage().maxRSS * 1024
  ws.close()
  process.stdout.write(
    JSON.stringify({ imported: s.imported, failed: s.failed, labelFailed: s.labels.failed, peakGrowthMb: Math.round((peak - baseline) / 1e6) }) + '\n'
  )
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
