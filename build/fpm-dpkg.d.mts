// Types for build/fpm-dpkg.mjs (the spec that tests it is TypeScript).
export interface FpmOptions {
  depends: string[]
  recommends: string[]
  mappings: { from: string; to: string }[]
  [key: string]: unknown
}
export declare function parseArgs(argv: string[]): FpmOptions
export declare function controlDescription(text: string | undefined): string
export declare function buildDeb(options: FpmOptions): string
