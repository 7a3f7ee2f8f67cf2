// Types for scripts/fuses.mjs (the spec that tests it is TypeScript).
export declare const FUSE_SENTINEL: string
export declare const FUSES: Record<number, boolean>
export interface FuseContext {
  appOutDir: string
  electronPlatformName: string
  packager: { executableName?: string; appInfo: { productFilename: string } }
}
export declare function packagedExecutable(context: FuseContext): string
export declare function hasFuseWire(file: string): boolean
export declare function applyFuses(
  context: FuseContext,
  opts?: { standIn?: boolean; log?: (message: string) => void }
): Promise<{ status: 'applied' | 'skipped'; detail: string }>
