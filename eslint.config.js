// A small type-aware pass for what Biome cannot see: floating promises and the layer rules of DESIGN §10.
import tseslint from 'typescript-eslint';

const layerBan = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.lev/**',
      'src/prover/gen/**',
      'bin/**',
      'scripts/*.js',
      'eslint.config.js',
    ],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // The core knows nothing of actors, read models, RPC or the CLI.
    files: ['src/**/*.ts'],
    ignores: ['src/rpc/**', 'src/cli/**'],
    rules: layerBan(
      ['**/actors/**', '**/projections/**', '**/rpc/**', '**/cli/**'],
      'src/ core must not depend on actors, projections, rpc or cli (DESIGN §10)',
    ),
  },
  {
    files: ['projections/**/*.ts'],
    rules: layerBan(['**/actors/**', '**/src/rpc/**', '**/src/cli/**'], 'projections build on the core only'),
  },
  {
    files: ['actors/**/*.ts'],
    rules: layerBan(['**/src/rpc/**', '**/src/cli/**'], 'actors must not depend on rpc or cli'),
  },
  {
    files: ['src/rpc/**/*.ts'],
    rules: layerBan(['**/actors/**', '**/src/cli/**'], 'rpc reads read models and appends through the core'),
  },
);
