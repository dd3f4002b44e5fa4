import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): its files one after the other, never beside other
 * tests, since each case measures delays and kills processes on a 2-core machine.
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.e2e.spec.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '.cache/**'],
    globalSetup: ['libs/testkit/src/globalSetup.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
