import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers point one way, along the data flow sources -> snapshot -> stores -> render -> server
 * (docs: /work/shared/STYLE.md). Each folder of src/ lists the folders it must not import; the
 * `no-restricted-imports` patterns match the import path as written (relative), so `**\/x/**`
 * catches `../x/...` and `../../x/...` alike. Production code never imports the repository's
 * fixtures, tests, benchmarks or scripts.
 */
const NOT_PRODUCTION = {
  group: ['**/fixtures/**', '**/test/**', '**/bench/**', '**/scripts/**'],
  message: 'Production code never imports fixtures/, test/, bench/ or scripts/ (the image ships only dist/).',
};
const LAYERS = {
  // The snapshot owns the contract with the sources (snapshot/source-results.ts) and imports no stage.
  snapshot: ['sources', 'stores', 'collector', 'render', 'server', 'metrics', 'privacy', 'publish', 'posters'],
  sources: ['stores', 'collector', 'render', 'server', 'metrics', 'privacy', 'publish', 'posters'],
  metrics: ['server', 'render', 'collector', 'publish', 'posters'],
  stores: ['sources', 'collector', 'render', 'server', 'metrics', 'publish', 'posters'],
  collector: ['render', 'server', 'publish', 'posters'],
  render: ['sources', 'stores', 'collector', 'server', 'metrics', 'publish'],
  privacy: ['sources', 'stores', 'collector', 'server', 'publish'],
  config: ['sources', 'stores', 'collector', 'render', 'server', 'publish', 'posters'],
};
const layerRule = (forbidden) => [
  'error',
  {
    patterns: [
      NOT_PRODUCTION,
      ...forbidden.map((folder) => ({
        group: [`**/${folder}/**`, `./${folder}/**`],
        message: `This layer does not import ${folder}/: layers point one way (sources -> snapshot -> stores -> render -> server).`,
      })),
    ],
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'bench/.cache/', 'data/', 'node_modules/', 'test-output/', 'coverage/', 'public/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/ban-ts-comment': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config reads the environment; inject values instead.' },
      ],
    },
  },
  {
    // Plain JavaScript run by Node (the metrics query process, oracles, build scripts).
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/config/**', 'test/**', 'bench/**', 'fixtures/**', 'scripts/**', 'vitest*.config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  { files: ['src/**'], rules: { 'no-restricted-imports': ['error', { patterns: [NOT_PRODUCTION] }] } },
  ...Object.entries(LAYERS).map(([folder, forbidden]) => ({
    files: [`src/${folder}/**`],
    rules: { 'no-restricted-imports': layerRule(forbidden) },
  })),
);
