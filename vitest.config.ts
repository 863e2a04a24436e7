import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/e2e/**/*.e2e.test.ts', 'electron/**/*.test.ts'],
    // Two cores on CI: JP2 decode workers and GDAL oracles are CPU-heavy.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    globalSetup: ['test/global-setup.ts'],
    // Tests that open ONNX Runtime directly send and store no telemetry either (core/models/telemetry.ts).
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
