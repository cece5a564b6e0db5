import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The machine has 2 cores; lab and end-to-end tests spawn processes of their own.
    maxWorkers: 2,
  },
});
