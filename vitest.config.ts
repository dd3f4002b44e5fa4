import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['contracts/**/*.spec.ts', 'libs/**/*.spec.ts', 'services/**/*.spec.ts', 'scripts/**/*.spec.ts', 'test/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '.cache/**'],
    globalSetup: ['libs/testkit/src/globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
