import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Vitest's default (CPUs - 1) runs the files one at a time on a 2-core machine, but most files
    // spend their time waiting on child processes (the aws CLI, git, builds, Lambda sandboxes) and
    // on their server's I/O: one file more than there are cores keeps both cores busy.
    maxWorkers: availableParallelism() + 1,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
