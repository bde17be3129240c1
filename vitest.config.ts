import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 ships CJS (main) and ESM (module) builds without an exports map: Node loads the
  // CJS one for yoga while Vite would pick the ESM one for our code, giving two GraphQLError
  // classes. Resolve it the way Node does so the tests run what production runs.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    globalSetup: ['./test/helpers/leftovers.ts', './test/helpers/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: 'test' },
  },
});
