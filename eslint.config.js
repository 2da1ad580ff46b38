// One lint setup for the whole monorepo: ESLint flat config with typescript-eslint, type-aware
// for TypeScript (promises that float or are passed where a callback returns void are errors).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/cdktf.out/**', '**/.turbo/**', '**/.tap/**', '**/coverage/**', 'benchmarks/results/**', '**/artifact/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  {
    // Type-aware rules: each .ts file belongs to its workspace's tsconfig.json (src and test).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // tap runs a test file's top-level t.test() calls itself, in order: not floating promises.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', name: ['test'], package: '@tapjs/core' }, { from: 'package', name: ['test'], package: '@tapjs/test' }, { from: 'package', name: ['test'], package: 'tap' }],
      }],
    },
  },
  {
    // Libraries never log: they report through return values, events, errors and diagnostics_channel.
    files: ['packages/*/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
