// The unit project only collects src/ and scripts/; the bench's pure parts are tested from here:
// npx vitest run --config bench/quality/vitest.config.mts
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: { include: ['bench/quality/**/*.test.ts'], root: new URL('../..', import.meta.url).pathname, environment: 'node' }
})
