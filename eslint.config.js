// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
);
