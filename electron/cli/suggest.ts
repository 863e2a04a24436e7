import { resolve } from 'node:path';
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import type { Resolution } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatSeconds } from './progress.js';

/** `s2cloud suggest`'s usage, for the lead's COMMANDS list in main.ts. */
export const SUGGEST_USAGE = `suggest <product> --out points.geojson [--count N] [--model ID]
        [--resolution 10|20|60] [--no-fmask] [--no-product-mask] [--granule ID]
    Where to label next: the places where the model's mask is least certain (fused probability
    near the threshold, disagreement with the built-in Fmask and the product's own mask, cloud
    edges), spread over the scene, written as GeoJSON points in the product's CRS with their
    rank, score and reasons (default 50 places). Label them (class attribute) and teach.`;

/** `s2cloud suggest <product> --out FILE [--count N] ...`: see SUGGEST_USAGE. */
export async function runSuggestCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        count: { type: 'string', default: '50' },
        model: { type: 'string' },
        resolution: { type: 'string' },
        'no-fmask': { type: 'boolean', default: false },
        'no-product-mask': { type: 'boolean', default: false },
        granule: { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud suggest: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write('s2cloud suggest: give exactly one product (.SAFE folder, .zip or MTD xml).\n');
    return 2;
  }
  if (values.out === undefined || !/\.(geo)?json$/i.test(values.out)) {
    io.stderr.write('s2cloud suggest: give the output with --out FILE.geojson.\n');
    return 2;
  }
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 10000) {
    io.stderr.write(
      `s2cloud suggest: --count must be a whole number from 1 to 10000 (got ${values.count}).\n`,
    );
    return 2;
  }
  const resolution = values.resolution === undefined ? undefined : Number(values.resolution);
  if (resolution !== undefined && ![10, 20, 60].includes(resolution)) {
    io.stderr.write(`s2cloud suggest: --resolution must be 10, 20 or 60 (got ${values.resolution}).\n`);
    return 2;
  }
  const out = resolve(values.out);
  const ac = new AbortController();
  // Every band read of the run listens to this one signal: more than Node's default ten.
  setMaxListeners(0, ac.signal);
  const onSigint = (): void => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    // Loaded here, not at the top: main.ts imports this file for its usage text alone.
    const { suggestPlaces, writeSuggestionsGeoJson } = await import('../core/suggest/index.js');
    io.stderr.write('suggest: running the network, Fmask and reading the product mask\n');
    const r = await suggestPlaces({
      product: positionals[0]!,
      ...(values.model !== undefined ? { modelId: values.model } : {}),
      count,
      fmask: !values['no-fmask'],
      productMask: !values['no-product-mask'],
      signal: ac.signal,
      ...(resolution !== undefined ? { resolution: resolution as Resolution } : {}),
      ...(values.granule !== undefined ? { granule: values.granule } : {}),
    });
    await writeSuggestionsGeoJson(out, r);
    const reasons = new Map<string, number>();
    for (const s of r.suggestions) for (const why of s.reasons) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    io.stdout.write(
      `${out}\n  ${r.suggestions.length} places to label on ${r.productName} (${r.modelId}, ${r.resolution} m)\n` +
        `  compared with: ${r.compared.join(', ') || 'nothing else (probability and edges only)'}\n` +
        `  reasons: ${[...reasons].map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}\n` +
        r.notes.map((n) => `  note: ${n}\n`).join('') +
        `  time ${formatSeconds(r.seconds)}\n`,
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
