#!/usr/bin/env node
// `npm run bench`: runs every benchmark under test/bench and prints their tables. Long-running
// (builds a full-size scene on first use): not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `npm run bench -- full-tile batch --baseline DIR`: names pick benchmarks; everything from the
// first option on goes to each of them.
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith('-'));
const only = firstOption < 0 ? args : args.slice(0, firstOption);
const options = firstOption < 0 ? [] : args.slice(firstOption);
const benches = readdirSync(join(root, 'test', 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
let failed = 0;
for (const file of benches) {
  console.log(`\n## ${file}\n`);
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join('test', 'bench', file), ...options],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
