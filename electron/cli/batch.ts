import { parseArgs } from 'node:util';
import { BatchRun } from '../core/batch/index.js';
import type { BatchOptions, BatchSceneState, BatchSnapshot } from '../core/batch/index.js';
import { S2Error } from '../core/errors.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import type { Resolution } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatSeconds } from './progress.js';

type Stream = { write(s: string): unknown; isTTY?: boolean };

/**
 * `s2cloud batch <folder> --out <dir> [--jobs N] [--model ID] [--resolution 10|20|60] [--probabilities]
 * [--product-masks] [--fmask] [--cloud-only] [--no-metrics] [--no-quicklook] [--reference PATH]
 * [--skip-existing | --no-skip-existing] [--restart]`: runs a model over every product under a
 * folder, with a journal in the output folder so that a rerun resumes. Ctrl+C cancels cleanly.
 */
export async function runBatchCommand(args: string[], io: CliIo): Promise<number> {
  // node:util parseArgs of Node 20 has no --no-<flag>: take the negations out first.
  const negated = new Set<string>();
  const rest = args.filter((a) => {
    const m = /^--no-(skip-existing|metrics|quicklook)$/.exec(a);
    if (m) negated.add(m[1]!);
    return !m;
  });
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        jobs: { type: 'string', short: 'j' },
        model: { type: 'string' },
        resolution: { type: 'string' },
        probabilities: { type: 'boolean', default: false },
        'product-masks': { type: 'boolean', default: false },
        fmask: { type: 'boolean', default: false },
        'cloud-only': { type: 'boolean', default: false },
        'skip-existing': { type: 'boolean' },
        restart: { type: 'boolean', default: false },
        reference: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud batch: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write('s2cloud batch: give exactly one folder to search for products.\n');
    return 2;
  }
  if (!values.out) {
    io.stderr.write('s2cloud batch: --out <dir> is required (outputs, journal and reports go there).\n');
    return 2;
  }
  const resolution = values.resolution === undefined ? undefined : Number(values.resolution);
  if (resolution !== undefined && ![10, 20, 60].includes(resolution)) {
    io.stderr.write(`s2cloud batch: --resolution must be 10, 20 or 60 (got ${values.resolution}).\n`);
    return 2;
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) {
    io.stderr.write(`s2cloud batch: --jobs must be a whole number of at least 1 (got ${values.jobs}).\n`);
    return 2;
  }
  const opts: BatchOptions = {
    folder: positionals[0]!,
    outDir: values.out,
    ...(values.model ? { modelId: values.model } : {}),
    ...(resolution ? { resolution: resolution as Resolution } : {}),
    outputs: {
      probabilities: values.probabilities,
      productMasks: values['product-masks'],
      fmask: values.fmask,
      metrics: !negated.has('metrics'),
      quicklook: !negated.has('quicklook'),
    },
    cloudOnly: values['cloud-only'],
    ...(jobs ? { jobs } : {}),
    ...(negated.has('skip-existing')
      ? { skipExisting: false }
      : values['skip-existing']
        ? { skipExisting: true }
        : {}),
    restart: values.restart,
    ...(values.reference ? { reference: values.reference } : {}),
  };

  const run = new BatchRun(opts);
  const view = new ProgressView(io.stderr as Stream);
  run.onChange((s) => view.update(s));
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    view.line('batch: cancelling (Ctrl+C again to stop at once; the journal lets a rerun resume)');
    run.cancel();
  };
  process.once('SIGINT', onSigint);
  let final: BatchSnapshot;
  try {
    final = await run.start();
  } catch (err) {
    if (err instanceof S2Error) {
      view.end();
      io.stderr.write(`s2cloud batch: ${err.message}\n`);
      if (err.code === 'CANCELLED') return 130; // Ctrl+C while planning
      return err.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await destroySharedDecoder();
  }
  view.end();
  if (values.json) io.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
  else io.stdout.write(formatTable(final));
  if (interrupted || final.state === 'cancelled') return 130;
  return final.scenes.some((s) => s.status === 'failed' || s.status === 'unusable') ? 1 : 0;
}

/** The overall bar on a terminal (one redrawn line), a line per finished scene everywhere. */
class ProgressView {
  private drawn = false;
  private readonly seen = new Map<string, string>();
  private planned = false;

  constructor(private readonly stream: Stream) {}

  update(s: BatchSnapshot): void {
    if (!this.planned && s.scenes.length > 0) {
      this.planned = true;
      const unusable = s.scenes.filter((x) => x.status === 'unusable').length;
      const already = s.scenes.filter((x) => x.status === 'done' || x.status === 'skipped').length;
      const todo = s.scenes.filter((x) => x.status === 'pending').length;
      const prev = s.previousRun;
      this.line(
        `batch: ${s.scenes.length} product${s.scenes.length === 1 ? '' : 's'} found, ${todo} to process` +
          (already ? `, ${already} already done` : '') +
          (unusable ? `, ${unusable} unusable` : '') +
          `; ${s.jobs} job${s.jobs === 1 ? '' : 's'} x ${s.threadsPerJob} thread${s.threadsPerJob === 1 ? '' : 's'}` +
          (prev ? ` (resuming ${prev.interrupted ? 'an interrupted' : `a ${prev.state}`} run)` : ''),
      );
      for (const note of s.notes ?? []) this.line(`  ${note}`);
      for (const x of s.scenes) {
        // Reasons are printed once, in the summary at the end.
        if (x.status === 'unusable') this.line(`  unusable  ${x.id}`);
        this.seen.set(x.id, x.status);
      }
    }
    for (const x of s.scenes) {
      if (this.seen.get(x.id) === x.status) continue;
      this.seen.set(x.id, x.status);
      if (x.status === 'done') this.line(`  done      ${name(x)} (${(x.seconds ?? 0).toFixed(1)} s)`);
      else if (x.status === 'failed')
        this.line(`  failed    ${name(x)}${x.error ? ` [${x.error.code}]` : ''} (reason below)`);
      else if (x.status === 'cancelled') this.line(`  cancelled ${name(x)}`);
    }
    if (this.stream.isTTY && (s.state === 'running' || s.state === 'paused' || s.state === 'cancelling')) {
      const width = 30;
      const fill = Math.round(width * s.fraction);
      const running = s.scenes.filter((x) => x.status === 'running');
      const now = running.map((x) => `${x.stem ?? x.id} ${Math.round(100 * (x.progress ?? 0))} %`).join(', ');
      const eta = s.etaSeconds === undefined ? '' : `  ETA ${formatSeconds(s.etaSeconds)}`;
      this.stream.write(
        `\r\x1b[2Kbatch [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${s.done}/${s.total} scenes${eta}  ${now}`.slice(
          0,
          200,
        ),
      );
      this.drawn = true;
    }
  }

  line(text: string): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.stream.write(`${text}\n`);
  }

  end(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

function name(s: BatchSceneState): string {
  return s.stem ?? s.id;
}

const pct = (v: number | undefined | null): string =>
  v === undefined || v === null ? '' : (100 * v).toFixed(1);

/** The final table: one row per product, then the reports. */
export function formatTable(s: BatchSnapshot): string {
  const header = [
    'product',
    'date',
    'tile',
    'level',
    'size',
    'status',
    'clear',
    'cloud',
    'semi',
    'shadow',
    'OA',
    'cloud agr.',
  ];
  const rows = s.scenes.map((x) => {
    const sm = x.summary;
    return [
      x.stem ?? x.id,
      x.date?.slice(0, 10) ?? '',
      x.tile ?? '',
      x.level ?? '',
      x.sizeBytes === undefined ? '' : `${(x.sizeBytes / 2 ** 20).toFixed(0)} MB`,
      x.status,
      pct(sm?.clear),
      pct(sm?.cloud),
      pct(sm?.semiTransparent),
      pct(sm?.shadow),
      pct(sm?.agreement?.overallAccuracy),
      pct(sm?.agreement?.cloudAgreement),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i >= 6 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const lines = [fmt(header), ...rows.map(fmt)];
  lines.push('(shares in % of valid pixels; OA and cloud agreement in % against the product’s own mask)');
  for (const x of s.scenes) {
    if (x.status === 'unusable' || x.status === 'failed') {
      const e = x.error;
      lines.push(`${x.status} ${x.id}: ${e ? `[${e.code}] ${e.message}` : (x.reason ?? '')}`);
    }
  }
  const count = (st: string): number => s.scenes.filter((x) => x.status === st).length;
  lines.push(
    `${s.state}: ${count('done')} done, ${count('skipped')} skipped, ${count('failed')} failed, ` +
      `${count('cancelled')} cancelled, ${count('pending')} not started, ${count('unusable')} unusable`,
  );
  if (s.reports)
    lines.push(`reports: ${s.reports.html}`, `         ${s.reports.csv}`, `         ${s.reports.json}`);
  lines.push(`journal: ${s.outDir}/s2cloud-batch.json`);
  return `${lines.join('\n')}\n`;
}
