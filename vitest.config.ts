import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two cores on CI: JP2 decode workers and GDAL oracles are CPU-heavy.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Tests that open ONNX Runtime directly send and store no telemetry either (core/models/telemetry.ts).
    env: { ORT_DISABLE_TELEMETRY: '1' },
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.e2e.test.ts', 'electron/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        // Renderer stores and components, in a simulated DOM with Svelte compiled for the browser.
        extends: true,
        plugins: [svelte({ configFile: 'renderer/svelte.config.js' })],
        resolve: { conditions: ['browser'] },
        test: {
          name: 'renderer',
          include: ['renderer/src/**/*.spec.ts'],
          environment: 'happy-dom',
          setupFiles: ['renderer/src/test-setup.ts'],
        },
      },
    ],
  },
});
