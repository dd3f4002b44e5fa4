import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'contracts/**/*.spec.ts',
      'libs/**/*.spec.ts',
      'services/**/*.spec.ts',
      'scripts/**/*.spec.ts',
      'test/**/*.spec.ts',
    ],
    // The fault suite runs on its own (npm run test:faults, test/faults/vitest.config.ts).
    exclude: ['**/node_modules/**', '.tools/**', '.cache/**', 'test/faults/**'],
    globalSetup: ['libs/testkit/src/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
