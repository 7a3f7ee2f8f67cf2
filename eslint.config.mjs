// Lint, including the layer rule: shared imports nothing of ours; main, ml,
// preload, renderer and e2e import shared and never each other; services, ml
// and shared never import electron. Per-layer tsconfigs enforce the same.
import js from '@eslint/js'
import path from 'node:path'
import tseslint from 'typescript-eslint'

const LAYERS = ['shared', 'main', 'ml', 'preload', 'renderer']
const SRC = path.resolve(import.meta.dirname, 'src')
const E2E = path.resolve(import.meta.dirname, 'e2e')
// Shared code that needs Node (sharp-based imaging): for main and ml only.
const SHARED_NODE = path.join(SRC, 'shared', 'node')

/** Which layer a file is in: a folder under src/, or e2e. */
function layerOf(file) {
  if (file.startsWith(E2E + path.sep)) return 'e2e'
  const rel = path.relative(SRC, file)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null
  const top = rel.split(path.sep)[0]
  return LAYERS.includes(top) ? top : null
}

const inSharedNode = (file) => file === SHARED_NODE || file.startsWith(SHARED_NODE + path.sep)

/**
 * The layer rule, on resolved paths (a relative path alone can't tell a
 * folder inside src/shared from a layer): shared imports nothing of ours; main, ml,
 * preload, renderer and e2e import shared and never each other. src/shared/node
 * is shared for the Node layers only: the renderer, the preload and the pure rest
 * of src/shared must not import it (it would pull sharp and Node into them).
 */
const layerRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const from = layerOf(context.filename)
    if (!from) return {}
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const target = path.resolve(path.dirname(context.filename), source)
      const to = layerOf(target)
      if (to === 'shared' && inSharedNode(target) && !inSharedNode(context.filename) && ['renderer', 'preload', 'shared'].includes(from)) {
        context.report({
          node,
          message: `${from === 'shared' ? 'pure src/shared' : from} must not import src/shared/node (${source}): it is Node-only, for main and ml.`
        })
        return
      }
      if (!to || to === from || to === 'shared') return
      context.report({
        node,
        message: `${from} must not import ${to} (${source}): layers meet only in src/shared, or talk by messages.`
      })
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value)
    }
  }
}

const noElectron = { name: 'electron', message: 'Only src/main/index.ts, src/main/ipc and src/preload may import electron.' }
const nodeBuiltins = {
  regex: '^(node:|sharp$)',
  message: 'src/shared (but src/shared/node) and src/renderer are pure: no Node APIs, no sharp.'
}

/**
 * The contract's schemas pull zod into the page, and zod probes `new Function`
 * as it loads, which the renderer's CSP refuses: the renderer takes only types
 * from them, and values from the zod-free modules (types, errors, channels...).
 */
const contractSchemas = {
  regex: '(/shared/contract(/(index|map|schemas|namespaces/[^/]+))?|^zod)$',
  allowTypeImports: true,
  message: 'The renderer imports only types from the contract index, map, schemas and namespaces (they load zod, which the CSP refuses): take values from contract/types, errors or channels.'
}

function layer(files, { electron = true, node = true, ignores = [], patterns = [] } = {}) {
  return {
    files,
    ignores,
    rules: {
      'no-restricted-imports': ['error', { paths: electron ? [] : [noElectron], patterns: [...(node ? [] : [nodeBuiltins]), ...patterns] }]
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
  {
    files: ['src/**/*.{ts,tsx}', 'e2e/**/*.ts'],
    plugins: { layers: { rules: { 'no-cross-layer': layerRule } } },
    rules: { 'layers/no-cross-layer': 'error' }
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      // Spreading an input-sized array into call arguments overflows the stack past ~100k items (src/shared/arrays.ts).
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^(push|unshift)$/] > SpreadElement",
          message: 'push(...items) overflows the stack on large inputs: use appendAll from src/shared/arrays.ts.'
        },
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(min|max)$/] > SpreadElement",
          message: 'Math.min/max(...values) overflows the stack on large inputs: use extent from src/shared/arrays.ts.'
        }
      ]
    }
  },
  layer(['src/shared/**/*.ts'], { electron: false, node: false, ignores: ['**/*.test.ts', 'src/shared/node/**'] }),
  layer(['src/shared/node/**/*.ts'], { electron: false }),
  layer(['src/main/services/**/*.ts', 'src/main/app/**/*.ts', 'src/main/db/**/*.ts', 'src/main/cli/**/*.ts', 'src/main/transport/**/*.ts'], {
    electron: false
  }),
  layer(['src/ml/**/*.ts'], { electron: false }),
  layer(['src/renderer/**/*.{ts,tsx}'], { electron: false, node: false, ignores: ['**/*.test.ts'], patterns: [contractSchemas] }),
  layer(['e2e/**/*.ts'], { electron: false }),
  {
    files: ['**/*.mjs', '**/*.cjs', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } }
  }
)
