// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', '.data/**', 'node_modules/**', 'native-models/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['electron/core/**/*.ts'],
    rules: {
      // core/ is plain Node: the CLI and the tests use it without Electron.
      'no-restricted-imports': ['error', { paths: ['electron'] }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['renderer/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  ...svelte.configs.recommended,
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
    rules: {
      // TypeScript resolves names (GeoJSON's types included); ESLint's own check does not know them.
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The renderer reaches the main process through the contract only: it may import the
    // contract's modules and the shared plain-data module, never core/ (Node code) or the shells.
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)electron/(?!api/(contract|tile-url|web-token)$|shared/)',
              message:
                'The renderer imports only electron/api/contract, tile-url, web-token and electron/shared/.',
            },
          ],
        },
      ],
    },
  },
);
