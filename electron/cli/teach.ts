import { basename, extname, resolve } from 'node:path';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import type { Resolution } from '../core/scene/types.js';
import type { TeachResult } from '../core/teach/index.js';
import type { CliIo } from './main.js';
import { formatSeconds } from './progress.js';

/** `s2cloud teach`'s usage, for the lead's COMMANDS list in main.ts. */
export const TEACH_USAGE = `teach <product> --labels FILE.gpkg|.geojson [--name NAME] [--model ID]
        [--resolution 10|20|60] [--held-out 0.25] [--seed N] [--granule ID] [--threads N]
    Refit the model's fused cloud decision on your labels of this product (points and polygons
    with a "class" attribute: 1 clear, 2 cloud, 3 semi-transparent, 4 shadow, 0 ignore, or
    those names), the model's own coefficients acting as the prior, so a few labels move it a
    little. A quarter of the labels is held out and scored before and after; the refit is kept
    only if it does better there (else the default coefficients are kept, and said).
    Writes a new model <model>-taught-<NAME> (default NAME: the label file's name) beside the
    others, never over an existing one; use it with predict --model, batches and the Run panel.`;

const pct = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '—');
const points = (x: number): string => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;

/** The before/after table and the verdict, as `teach` prints them. */
export function formatTeachResult(r: TeachResult): string {
  const by = Object.entries(r.labels.byClass)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `Taught ${r.id.replace(/-taught-.*$/, '')}'s fused cloud decision on ${r.labels.used} labels of ${r.productName} at ${r.resolution} m`,
    `  labels: ${r.labels.total} in ${basename(r.labels.file)}; ${r.labels.fitted} fitted (${r.labels.pixelsFitted} px), ${r.labels.heldOut} held out (${r.labels.pixelsHeldOut} px); pixels by class: ${by}`,
    `  prior strength: ${r.lambda === Infinity ? 'the default itself (cross-validation preferred it)' : `lambda ${r.lambda} (cross-validated over the fitted labels)`}`,
    '',
    `  held-out labels           before    after`,
    `  accuracy (cloud vs not)   ${pct(r.before.accuracy).padStart(6)}   ${pct(r.after.accuracy).padStart(6)}`,
    `  cloud F1                  ${pct(r.before.cloud.f1).padStart(6)}   ${pct(r.after.cloud.f1).padStart(6)}`,
    `  cloud precision           ${pct(r.before.cloud.precision).padStart(6)}   ${pct(r.after.cloud.precision).padStart(6)}`,
    `  cloud recall              ${pct(r.before.cloud.recall).padStart(6)}   ${pct(r.after.cloud.recall).padStart(6)}`,
    `  accuracy change ${points(r.difference.accuracy)} points (95 % bootstrap interval over labels ${points(r.difference.low)} to ${points(r.difference.high)})`,
    '',
    `  ${r.verdict}`,
    `  time: ${formatSeconds(r.seconds.inputs)} network and bands, ${(1000 * r.seconds.refit).toFixed(0)} ms refit`,
  ];
  if (r.cardFile !== undefined) lines.push(`model: ${r.id}`, `  card: ${r.cardFile}`);
  return `${lines.join('\n')}\n`;
}

/** The label file's name as a model name: lower case, letters, digits, '-', '_' and '.'. */
function nameFromFile(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 48);
  return stem || 'labels';
}

/** `s2cloud teach <product> --labels FILE [--name NAME] ...`: see TEACH_USAGE. */
export async function runTeachCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        labels: { type: 'string' },
        name: { type: 'string' },
        model: { type: 'string' },
        resolution: { type: 'string' },
        'held-out': { type: 'string', default: '0.25' },
        seed: { type: 'string', default: '1' },
        granule: { type: 'string' },
        threads: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud teach: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write('s2cloud teach: give exactly one product (.SAFE folder, .zip or MTD xml).\n');
    return 2;
  }
  if (values.labels === undefined) {
    io.stderr.write('s2cloud teach: give the label file with --labels FILE.gpkg|.geojson.\n');
    return 2;
  }
  const resolution = values.resolution === undefined ? undefined : Number(values.resolution);
  if (resolution !== undefined && ![10, 20, 60].includes(resolution)) {
    io.stderr.write(`s2cloud teach: --resolution must be 10, 20 or 60 (got ${values.resolution}).\n`);
    return 2;
  }
  const heldOut = Number(values['held-out']);
  if (!(heldOut >= 0.1 && heldOut <= 0.5)) {
    io.stderr.write(
      `s2cloud teach: --held-out must be a share between 0.1 and 0.5 (got ${values['held-out']}).\n`,
    );
    return 2;
  }
  const seed = Number(values.seed);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (!Number.isInteger(seed) || (threads !== undefined && !(Number.isInteger(threads) && threads > 0))) {
    io.stderr.write('s2cloud teach: --seed and --threads must be whole numbers.\n');
    return 2;
  }
  const labels = resolve(values.labels);
  const ac = new AbortController();
  // Every band read of the run listens to this one signal: more than Node's default ten.
  setMaxListeners(0, ac.signal);
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    // Loaded here, not at the top: main.ts imports this file for its usage text alone.
    const { teach } = await import('../core/teach/index.js');
    io.stderr.write('teach: running the network and reading the bands\n');
    const r = await teach({
      product: positionals[0]!,
      labels,
      name: values.name ?? nameFromFile(labels),
      ...(values.model !== undefined ? { baseModelId: values.model } : {}),
      heldOutFraction: heldOut,
      seed,
      signal: ac.signal,
      ...(resolution !== undefined ? { resolution: resolution as Resolution } : {}),
      ...(values.granule !== undefined ? { granule: values.granule } : {}),
      ...(threads !== undefined ? { threads } : {}),
    });
    io.stdout.write(formatTeachResult(r));
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
