import { parseArgs } from 'node:util';
import {
  BatchRun,
  DEFAULT_SHARD_MAX_ATTEMPTS,
  mergeShardReports,
  parseShard,
  shardJournalName,
  type ResolvedShard,
} from '../core/batch/index.js';
import type { BatchOptions, BatchSceneState, BatchSnapshot } from '../core/batch/index.js';
import { S2Error } from '../core/errors.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import type { Resolution } from '../core/scene/types.js';
import type { CliIo } from './main.js';
import { formatSeconds } from './progress.js';

type Stream = { write(s: string): unknown; isTTY?: boolean };

/**
 * `s2cloud batch <folder|list.txt> --out <dir> [--shard K/N|auto[/N]] [--max-attempts N] [--jobs N]
 * [--model ID] [--resolution 10|20|60] [--probabilities] [--product-masks] [--fmask] [--cloud-only]
 * [--no-metrics] [--no-quicklook] [--reference PATH] [--skip-existing | --no-skip-existing]
 * [--restart]`: runs a model over every product under a folder (or named by a list), with a
 * journal in the output folder so that a rerun resumes. Ctrl+C cancels cleanly.
 * `s2cloud batch report <dir>` merges the shard journals of a split batch into its reports.
 */
export async function runBatchCommand(args: string[], io: CliIo): Promise<number> {
  const firstPositional = args.find((a) => !a.startsWith('-'));
  if (firstPositional === 'report' && args.filter((a) => !a.startsWith('-')).length === 2)
    return runBatchReport(
      args.filter((a) => a !== 'report'),
      io,
    );
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
        shard: { type: 'string' },
        'max-attempts': { type: 'string' },
      },
    });
  } catch (err) {
    io.stderr.write(`s2cloud batch: ${(err as Error).message}\n`);
    return 2;
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 1) {
    io.stderr.write(
      's2cloud batch: give exactly one folder to search for products, or one product list file (one path per line).\n',
    );
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
  const maxAttempts = values['max-attempts'] === undefined ? undefined : Number(values['max-attempts']);
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    io.stderr.write(
      `s2cloud batch: --max-attempts must be a whole number of at least 1 (got ${values['max-attempts']}).\n`,
    );
    return 2;
  }
  let shard: ResolvedShard | undefined;
  if (values.shard !== undefined) {
    try {
      shard = parseShard(values.shard);
    } catch (err) {
      io.stderr.write(`s2cloud batch: ${(err as Error).message}\n`);
      return 2;
    }
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
    ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  };

  if (shard)
    io.stderr.write(
      `batch: shard ${shard.index} of ${shard.count} (${shard.source}); journal ${shardJournalName(shard)}\n`,
    );
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
  if (shard && final.scenes.length === 0)
    io.stderr.write(`batch: no product falls in shard ${shard.index} of ${shard.count}: nothing to do.\n`);
  if (values.json) io.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
  else io.stdout.write(formatTable(final));
  if (interrupted || final.state === 'cancelled') return 130;
  if (shard) {
    // A shard exits 0 once nothing in its slice could change on a retry (done, unusable, or given
    // up after max attempts), so the engine retries a task only while that can help.
    const limit = maxAttempts ?? DEFAULT_SHARD_MAX_ATTEMPTS;
    return final.scenes.some((s) => s.status === 'failed' && (s.attempts ?? 0) < limit) ? 1 : 0;
  }
  return final.scenes.some((s) => s.status === 'failed' || s.status === 'unusable') ? 1 : 0;
}

/**
 * `s2cloud batch report <dir> [--json]`: merges every shard journal in the output folder into one
 * set of reports. Exit 0 when every shard is there and finished, 1 when the report is partial.
 */
async function runBatchReport(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false } },
    });
  } catch (err) {
    io.stderr.write(`s2cloud batch report: ${(err as Error).message}\n`);
    return 2;
  }
  if (parsed.positionals.length !== 1) {
    io.stderr.write('s2cloud batch report: give the output folder the shards wrote to.\n');
    return 2;
  }
  try {
    const r = await mergeShardReports(parsed.positionals[0]!);
    const s = r.snapshot;
    if (parsed.values.json) io.stdout.write(`${JSON.stringify({ ...r }, null, 2)}\n`);
    else {
      io.stdout.write(formatTable(s, { journal: false }));
      io.stdout.write(
        `merged ${r.journals.length} journal${r.journals.length === 1 ? '' : 's'} of ${r.count} shard${r.count === 1 ? '' : 's'}` +
          (r.complete ? ': complete' : ': INCOMPLETE') +
          '\n',
      );
    }
    for (const n of s.notes ?? []) io.stderr.write(`s2cloud batch report: ${n}\n`);
    return r.complete ? 0 : 1;
  } catch (err) {
    if (err instanceof S2Error) {
      io.stderr.write(`s2cloud batch report: ${err.message}\n`);
      return err.code === 'INVALID_ARGUMENT' ? 2 : 1;
    }
    throw err;
  }
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
        `batch: ${s.scenes.length} product${s.scenes.length === 1 ? '' : 's'} ${s.shard ? 'in this shard' : 'found'}, ${todo} to process` +
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
export function formatTable(s: BatchSnapshot, opts: { journal?: boolean } = {}): string {
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
  if (opts.journal === false) {
    // `batch report`: the journals are the shards', named in its last line.
  } else if (s.shard) {
    lines.push(`journal: ${s.outDir}/${shardJournalName(s.shard)}`);
    lines.push(
      `(a shard writes no reports: once every shard has ended, run s2cloud batch report ${s.outDir})`,
    );
  } else lines.push(`journal: ${s.outDir}/s2cloud-batch.json`);
  return `${lines.join('\n')}\n`;
}
