/**
 * Merging the shards of a split batch (`s2cloud batch report DIR`): every shard journal in the
 * shared output folder is read, checked (one split, one set of options, no product twice) and
 * joined into one snapshot in the order a single-machine batch lists the products, then the usual
 * CSV / JSON / HTML reports are written from it. The shards themselves write no reports, so this
 * is the one writer of those files.
 */
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { S2Error } from '../errors.js';
import { journalPath, JOURNAL_NAME, optionDifferences, readJournal, type BatchJournal } from './journal.js';
import { countScenes } from './plan.js';
import { readProductList } from './product-list.js';
import { writeBatchReports } from './report.js';
import { listShardJournals } from './shard.js';
import type { BatchOptions, BatchSceneState, BatchSnapshot, BatchState } from './types.js';

export interface MergeResult {
  snapshot: BatchSnapshot;
  /** Number of shards of the split (1 for a batch that was not split). */
  count: number;
  /** Shard journals read. */
  journals: string[];
  /** Shards with no journal in the folder yet (not started, or written elsewhere). */
  missing: number[];
  /** Shards whose journal does not say finished (running, killed and not retried yet, cancelled). */
  unfinished: { index: number; state: string; updatedAt: string }[];
  /** Scene ids found in more than one journal (never expected: each product has one shard). */
  duplicates: string[];
  /** Every shard present and finished. */
  complete: boolean;
}

const RUNNING_STATES: readonly string[] = ['running', 'paused', 'cancelling', 'idle'];

/** Reads and joins the shard journals of `outDir` (or its plain journal); writes nothing. */
export async function mergeShardJournals(outDirArg: string): Promise<MergeResult> {
  const outDir = resolve(outDirArg);
  const found = await listShardJournals(outDir);
  if (found.length === 0) {
    // A batch that was not split: its reports are rebuilt from its journal the same way.
    const plain = await readJournal(outDir);
    if (!plain)
      throw new S2Error(
        'NOT_FOUND',
        `${outDir} holds no batch journal (${JOURNAL_NAME}, or s2cloud-batch.shard-K-of-N.json from workers ` +
          'started with --shard): nothing to report.',
        { file: outDir },
      );
    return join1(outDir, [{ index: 0, name: JOURNAL_NAME, journal: plain }], 1);
  }
  const counts = [...new Set(found.map((f) => f.count))];
  if (counts.length > 1) {
    const example = (n: number): string => found.find((f) => f.count === n)!.name;
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${outDir} holds journals of batches split in ${counts.join(' and in ')} shards ` +
        `(${counts.map(example).join(', ')}): one output folder holds one split. Move one split's journals away.`,
      { file: outDir, details: { kind: 'BATCH_SHARD_COUNT_MISMATCH' } },
    );
  }
  const read: { index: number; name: string; journal: BatchJournal }[] = [];
  for (const f of found) {
    const journal = await readJournal(outDir, f.name);
    if (journal) read.push({ index: f.index, name: f.name, journal });
  }
  const first = read[0]!;
  for (const r of read.slice(1)) {
    const diffs = optionDifferences(first.journal.options, r.journal.options);
    if (diffs.length > 0)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${journalPath(outDir, r.name)} was written with other options than ${first.name} (${diffs.join('; ')}): ` +
          'the shards of one batch must share their options.',
        {
          file: journalPath(outDir, r.name),
          details: { kind: 'BATCH_OPTIONS_MISMATCH', differences: diffs },
        },
      );
  }
  return join1(outDir, read, counts[0]!);
}

async function join1(
  outDir: string,
  read: { index: number; name: string; journal: BatchJournal }[],
  count: number,
): Promise<MergeResult> {
  const work = read[0]!.journal.options;
  const byId = new Map<string, BatchSceneState>();
  const duplicates: string[] = [];
  for (const { journal } of read) {
    for (const s of journal.scenes) {
      if (byId.has(s.id)) duplicates.push(s.id);
      else byId.set(s.id, normalise(s, outDir));
    }
  }
  const scenes = await batchOrder([...byId.values()], work.folder);
  const present = new Set(read.map((r) => r.index));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  const unfinished = read
    .filter((r) => r.journal.state !== 'finished')
    .map((r) => ({ index: r.index, state: r.journal.state, updatedAt: r.journal.updatedAt }));
  const complete = missing.length === 0 && unfinished.length === 0 && duplicates.length === 0;

  const notes: string[] = [];
  if (missing.length > 0)
    notes.push(
      `No journal yet for shard${missing.length > 1 ? 's' : ''} ${list(missing)} of ${count}: ` +
        'their products are missing from this report.',
    );
  for (const u of unfinished)
    notes.push(
      `Shard ${u.index} of ${count} is ${u.state === 'running' ? 'running, or was killed and not retried yet' : u.state} ` +
        `(journal updated ${u.updatedAt}): its pending products are listed as pending.`,
    );
  if (duplicates.length > 0)
    notes.push(`Listed by more than one shard (kept once): ${duplicates.join(', ')}.`);

  const states = read.map((r) => r.journal.state);
  const state: BatchState = complete
    ? 'finished'
    : states.some((s) => RUNNING_STATES.includes(s)) || missing.length > 0
      ? 'running'
      : states.includes('cancelled')
        ? 'cancelled'
        : 'finished';
  const starts = read.flatMap((r) => (r.journal.run.startedAt ? [r.journal.run.startedAt] : [])).sort();
  const options: BatchOptions = {
    folder: work.folder,
    outDir,
    modelId: work.modelId,
    resolution: work.resolution,
    outputs: work.outputs,
    cloudOnly: work.cloudOnly,
    ...(work.reference ? { reference: work.reference } : {}),
  };
  const snapshot: BatchSnapshot = {
    outDir,
    options,
    scenes,
    state,
    ...countScenes(scenes),
    ...(starts[0] ? { startedAt: starts[0] } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
  return {
    snapshot,
    count,
    journals: read.map((r) => r.name),
    missing,
    unfinished,
    duplicates,
    complete,
  };
}

/** Merges the shard journals and writes the batch's reports into `outDir`. */
export async function mergeShardReports(outDir: string): Promise<MergeResult> {
  const result = await mergeShardJournals(outDir);
  result.snapshot.reports = await writeBatchReports(result.snapshot);
  return result;
}

/**
 * A scene as the report shows it. Outputs are named inside the folder being merged (a shard may
 * have mounted it elsewhere: only the file name is kept, so nothing points outside it), and
 * "completed in an earlier run" (a retried shard) is run history, not an outcome.
 */
function normalise(s: BatchSceneState, outDir: string): BatchSceneState {
  const out: BatchSceneState = { ...s };
  if (s.outputs)
    out.outputs = Object.fromEntries(
      // A name that is no file name ('..', '') is dropped rather than followed.
      Object.entries(s.outputs).flatMap(([k, v]) => {
        const name = basename(String(v));
        return name === '' || name === '.' || name === '..' ? [] : [[k, join(outDir, name)]];
      }),
    );
  if (s.status === 'done' && s.reason === 'completed in an earlier run') delete out.reason;
  return out;
}

/**
 * The order a single-machine batch lists the products in: the list's order for a product list
 * (read again; ids it no longer names go last, by id), else discovery's (sorted by path).
 */
async function batchOrder(scenes: BatchSceneState[], source: string): Promise<BatchSceneState[]> {
  const byPath = (a: BatchSceneState, b: BatchSceneState): number =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  const listed = await readFile(source, 'utf8')
    .then(() => readProductList(source))
    .catch(() => null);
  if (!listed) return [...scenes].sort(byPath);
  const rank = new Map(listed.map((l, i) => [l.id, i]));
  return [...scenes].sort((a, b) => {
    const ra = rank.get(a.id) ?? Infinity;
    const rb = rank.get(b.id) ?? Infinity;
    return ra !== rb ? ra - rb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

function list(n: number[]): string {
  return n.length <= 12 ? n.join(', ') : `${n.slice(0, 12).join(', ')} and ${n.length - 12} more`;
}
