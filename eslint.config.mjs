// ESLint (flat config): typescript-eslint's type-checked recommended rules, and the import rules that
// keep the four rooms apart (see README "Repository layout"). Run by `npm test` and `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** `vscode` may only be imported by the VS Code glue (src/extension) and the in-editor tests. */
const noVscode = { name: 'vscode', message: 'Only src/extension (the VS Code glue) may import vscode.' };
const room = (message, group) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e-out/**', 'media/**', 'sample-workspace/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // `tf.tidy(() => …) as tf.Tensor3D` is how TF.js code names a result's rank; keep it.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // DebugSession's request handlers are declared void; ours are async and report their own errors.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { inheritedMethods: false } }],
      // Handlers that implement an async interface need not await anything themselves.
      '@typescript-eslint/require-await': 'off',
      // `import x = require()` keeps a real, patchable CommonJS module object where we need one.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^node:', '^@tensorflow/tfjs-core/dist/'] }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // node:test's test()/describe() and mocha's suite()/test() return promises the runner awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  // Tests read JSON files and DAP bodies whose shapes they assert on.
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowArray: true, allowNumber: true }],
    },
  },
  // Build and test scripts (plain JavaScript modules for Node): no type information.
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.node, ...globals.browser },
    },
  },
  // Room 1, the engine: no VS Code, and nothing from the other rooms.
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            room('The engine imports nothing from the debug session, the glue, the CLI or the webview.', [
              '**/debug/**',
              '**/extension/**',
              '**/cli/**',
              '**/webview/**',
              '**/protocol/**',
            ]),
          ],
        },
      ],
    },
  },
  // Room 2 (debug session), the protocol and the CLI: no VS Code.
  {
    files: ['src/debug/**/*.ts', 'src/protocol/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            room('These rooms do not import the VS Code glue or the webview.', ['**/extension/**', '**/webview/**']),
          ],
        },
      ],
    },
  },
  // Room 4, the webview: only itself, src/protocol and d3.
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            room('The webview imports only itself, src/protocol and d3.', [
              '**/src/engine/**',
              '**/src/debug/**',
              '**/src/extension/**',
              '**/src/cli/**',
              '@tensorflow/*',
              'node:*',
              'fs',
              'path',
            ]),
          ],
        },
      ],
    },
  },
);
