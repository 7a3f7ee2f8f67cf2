export { ExportDialog } from './ExportDialog'
export { useExportNotices } from './exportNotices'
