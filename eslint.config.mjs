import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
  { ignores: ['dist/**', 'node_modules/**', 'test/**', 'scripts/**', 'dev/**', 'coverage/**', '.data/**', 'gulpfile.js', 'jest*.config.js'] },
  ...configWithoutCloudSupport,
  {
    files: ['package.json'],
    rules: {
      // The nodes talk to Postgres (pg, pg-boss) and share the runtime's modules, so this package ships runtime
      // dependencies; it is a self-hosted, unverified community package by design (DESIGN §5).
      '@n8n/community-nodes/no-runtime-dependencies': 'off',
      // npm honours overrides only in the root package.json, which is this package: they pin rrule-temporal
      // (missing 2.2.8 on this registry) and stub isolated-vm, reachable only through dev dependencies.
      '@n8n/community-nodes/no-overrides-field': 'off',
    },
  },
];
