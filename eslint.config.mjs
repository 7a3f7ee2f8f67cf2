// Lint, including the layer rule: shared imports nothing of ours; main, ml,
// preload, renderer and e2e import shared and never each other; services, ml
// and shared never import electron. Per-layer tsconfigs enforce the same.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const layers = ['main', 'ml', 'preload', 'renderer']
// A relative import that climbs to src/ and enters another layer.
const into = (names) => ({
  regex: `^(\\.\\./)+(${names.join('|')})(/|$)`,
  message: 'Layers never import each other: go through src/shared (types, pure logic) or a message.'
})
const noElectron = { name: 'electron', message: 'Only src/main/index.ts, src/main/ipc and src/preload may import electron.' }
const nodeBuiltins = {
  regex: '^node:',
  message: 'src/shared and src/renderer are pure: no Node APIs.'
}

function layer(files, { forbidLayers = [], electron = true, node = true, ignores = [] } = {}) {
  const patterns = []
  if (forbidLayers.length) patterns.push(into(forbidLayers))
  if (!node) patterns.push(nodeBuiltins)
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { paths: electron ? [] : [noElectron], patterns }]
    }
  }
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tmp/**', 'bench/ml/_scratch/**', 'build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off'
    }
  },
  layer(['src/shared/**/*.ts'], { forbidLayers: layers, electron: false, node: false, ignores: ['**/*.test.ts'] }),
  layer(['src/shared/**/*.test.ts'], { forbidLayers: layers, electron: false }),
  layer(['src/main/**/*.ts'], { forbidLayers: ['ml', 'preload', 'renderer'] }),
  layer(['src/main/services/**/*.ts', 'src/main/app/**/*.ts', 'src/main/db/**/*.ts', 'src/main/cli/**/*.ts', 'src/main/transport/**/*.ts'], {
    forbidLayers: ['ml', 'preload', 'renderer'],
    electron: false
  }),
  layer(['src/ml/**/*.ts'], { forbidLayers: ['main', 'preload', 'renderer'], electron: false }),
  layer(['src/preload/**/*.ts'], { forbidLayers: ['main', 'ml', 'renderer'] }),
  layer(['src/renderer/**/*.{ts,tsx}'], { forbidLayers: ['main', 'ml', 'preload'], electron: false, node: false, ignores: ['**/*.test.ts'] }),
  {
    files: ['e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [{ regex: '^(\\.\\./)+src/(main|ml|preload|renderer)(/|$)', message: 'e2e drives the app from outside: import src/shared only.' }] }
      ]
    }
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } }
  }
)
