/**
 * Planning a batch: every product under the folder (discovery), why the unusable ones cannot be
 * processed, each scene's output names, and the journal of an earlier run merged in (completed
 * scenes whose outputs still exist stay done; failed, interrupted and cancelled ones are retried).
 * No work is done here.
 */
import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { S2Error, throwIfAborted, untilAborted } from '../errors.js';
import type { AdapterId } from '../masks/adapters/index.js';
import { fmaskFileName, fmaskResolution } from '../masks/fmask/cog.js';
import type { ModelCard } from '../models/card.js';
import {
  classesFileName,
  DEFAULT_MODEL,
  installedModel,
  probabilitiesPathFor,
} from '../pipeline/run-model.js';
import { checkTiff, safeFileStem } from '../outputs/index.js';
import { discoverProducts } from '../scene/index.js';
import type { BandEntry, DiscoveryEntry, QiMaskEntry, Resolution } from '../scene/types.js';
import {
  JOURNAL_NAME,
  optionDifferences,
  readJournal,
  journalPath,
  type BatchJournal,
  type WorkOptions,
} from './journal.js';
import { discoverListed, isProductList, readProductList } from './product-list.js';
import { inShard, listShardJournals, MAX_SHARDS, shardJournalName, type ShardSpec } from './shard.js';
import type { BatchOptions, BatchSceneState, BatchSnapshot } from './types.js';

/** Options with every default filled in, and the model card. */
export interface ResolvedBatch {
  options: BatchOptions;
  work: WorkOptions;
  outDir: string;
  card: ModelCard;
  onnx: string;
  skipExisting: boolean;
  /** `folder` is a product list file, not a folder. */
  isList: boolean;
  /** This worker's slice of the products, when the batch is split across an array job. */
  shard?: ShardSpec;
  /** The journal's file name in outDir (a shard has its own). */
  journalName: string;
  /** Starts of a product after which a failing or killing product is given up; undefined: no limit. */
  maxAttempts?: number;
}

export async function resolveBatch(opts: BatchOptions): Promise<ResolvedBatch> {
  if (!opts.folder) throw new S2Error('INVALID_ARGUMENT', 'The batch needs a folder to search for products.');
  if (!opts.outDir) throw new S2Error('INVALID_ARGUMENT', 'The batch needs an output folder.');
  const modelId = opts.modelId ?? DEFAULT_MODEL;
  const { card, onnx } = await installedModel(modelId);
  const resolution = (opts.resolution ?? card.input.resolution) as Resolution;
  if (![10, 20, 60].includes(resolution)) {
    throw new S2Error('INVALID_ARGUMENT', `Resolution ${String(resolution)} m is not 10, 20 or 60 m.`);
  }
  if (opts.jobs !== undefined && !(Number.isInteger(opts.jobs) && opts.jobs >= 1)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `jobs must be a whole number of at least 1 (got ${String(opts.jobs)}).`,
    );
  }
  if (opts.maxAttempts !== undefined && !(Number.isInteger(opts.maxAttempts) && opts.maxAttempts >= 1)) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `max-attempts must be a whole number of at least 1 (got ${String(opts.maxAttempts)}).`,
    );
  }
  const shard = opts.shard;
  if (
    shard &&
    !(
      Number.isInteger(shard.index) &&
      Number.isInteger(shard.count) &&
      shard.count >= 1 &&
      shard.count <= MAX_SHARDS &&
      shard.index >= 0 &&
      shard.index < shard.count
    )
  ) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `shard ${String(shard.index)}/${String(shard.count)} does not exist: shards are numbered 0 to N-1.`,
    );
  }
  const o = opts.outputs ?? {};
  const work: WorkOptions = {
    folder: resolve(opts.folder),
    modelId: card.id,
    resolution,
    cloudOnly: opts.cloudOnly === true,
    outputs: {
      probabilities: o.probabilities === true,
      productMasks: o.productMasks === true,
      metrics: o.metrics !== false,
      fmask: o.fmask === true,
      quicklook: o.quicklook !== false,
    },
    reference: opts.reference ? resolve(opts.reference) : null,
  };
  if (work.reference && !existsSync(work.reference)) {
    throw new S2Error('NOT_FOUND', `The reference ${work.reference} does not exist.`, {
      file: work.reference,
    });
  }
  const outDir = resolve(opts.outDir);
  const options: BatchOptions = {
    ...opts,
    folder: work.folder,
    outDir,
    modelId: card.id,
    resolution,
    outputs: work.outputs,
    cloudOnly: work.cloudOnly,
    ...(work.reference ? { reference: work.reference } : {}),
  };
  return {
    options,
    work,
    outDir,
    card,
    onnx,
    skipExisting: opts.skipExisting ?? !opts.restart,
    isList: await isProductList(work.folder),
    ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
    journalName: shard ? shardJournalName(shard) : JOURNAL_NAME,
    // A shard gives a product up after 3 starts by default: the engine retries the whole task,
    // and a product that kills the process each time must not hold back the rest of its slice.
    ...(opts.maxAttempts !== undefined
      ? { maxAttempts: opts.maxAttempts }
      : shard
        ? { maxAttempts: DEFAULT_SHARD_MAX_ATTEMPTS }
        : {}),
  };
}

/** Default --max-attempts of a shard. */
export const DEFAULT_SHARD_MAX_ATTEMPTS = 3;

/**
 * One output folder holds one batch: a plain one (s2cloud-batch.json) or the shards of one split
 * (s2cloud-batch.shard-K-of-N.json, all with the same N and the same options). Mixing them would
 * let two workers write the same output.
 */
async function checkSharedFolder(r: ResolvedBatch): Promise<void> {
  const { outDir, shard, work } = r;
  const shards = await listShardJournals(outDir);
  if (!shard) {
    if (shards.length > 0)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${outDir} holds the journals of a batch split into ${shards[0]!.count} shards ` +
          `(${shards[0]!.name}, …): run the shards with --shard, merge them with \`s2cloud batch report ${outDir}\`, ` +
          'or choose another output folder.',
        { file: join(outDir, shards[0]!.name) },
      );
    return;
  }
  if (existsSync(journalPath(outDir)))
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${journalPath(outDir)} is the journal of a batch that was not split: a shard cannot share its output folder. Choose another output folder.`,
      { file: journalPath(outDir) },
    );
  const other = shards.find((s) => s.count !== shard.count);
  if (other)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${outDir} holds the journals of a batch split into ${other.count} shards (${other.name}); this worker ` +
        `asks for ${shard.count}. Every worker of one batch must use the same N. To split again, wait for the ` +
        'old shards to end and delete their journals (finished outputs are kept: skip existing), or choose another output folder.',
      { file: join(outDir, other.name), details: { kind: 'BATCH_SHARD_COUNT_MISMATCH' } },
    );
  for (const s of shards) {
    if (s.index === shard.index) continue;
    const j = await readJournal(outDir, s.name).catch(() => null);
    if (!j) continue;
    const diffs = optionDifferences(j.options, work);
    if (diffs.length > 0)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${journalPath(outDir, s.name)} (another shard of this batch) was written with other options ` +
          `(${diffs.join('; ')}). Every shard of one batch must run with the same options.`,
        {
          file: journalPath(outDir, s.name),
          details: { kind: 'BATCH_OPTIONS_MISMATCH', differences: diffs },
        },
      );
  }
}

/**
 * The product's own mask the batch maps onto the schema: SCL (L2A), else MSK_CLASSI, else the GML
 * mask; MAJA's CLM for a THEIA L2A product.
 */
export function productMaskAdapter(
  level: string,
  bands: readonly BandEntry[],
  masks: readonly QiMaskEntry[],
): AdapterId | null {
  if (level === 'L2A' && bands.some((b) => b.name === 'SCL')) return 'scl';
  if (masks.some((m) => m.kind === 'MSK_CLASSI')) return 'msk-classi';
  if (masks.some((m) => m.kind === 'MSK_CLOUDS_GML')) return 'msk-clouds-gml';
  if (masks.some((m) => m.kind === 'MAJA_CLM')) return 'maja';
  return null;
}

/** The files a scene's outputs go to, by kind: classes, probabilities, productMask, fmask, quicklook. */
export function sceneOutputPaths(
  outDir: string,
  stem: string,
  work: WorkOptions,
  product: { level: string; bands: readonly BandEntry[]; masks: readonly QiMaskEntry[] },
): Record<string, string> {
  const res = work.resolution;
  const classes = join(outDir, classesFileName(stem, work.modelId, res));
  const out: Record<string, string> = { classes };
  if (work.outputs.probabilities) out.probabilities = probabilitiesPathFor(classes);
  const adapter = productMaskAdapter(product.level, product.bands, product.masks);
  if (work.outputs.productMasks && adapter) out.productMask = join(outDir, `${stem}_${adapter}_${res}m.tif`);
  if (work.outputs.fmask && product.level === 'L1C')
    out.fmask = join(outDir, fmaskFileName(stem, fmaskResolution(res)));
  if (work.outputs.quicklook) out.quicklook = join(outDir, `${stem}_${work.modelId}_${res}m.png`);
  return out;
}

/**
 * Bytes on disk: a file's size, or the sum over a folder. Symbolic links are followed, but each
 * folder (device + inode) is entered once, so a link cycle cannot loop; unreadable entries count
 * as 0; the signal stops the walk (CANCELLED).
 */
export async function sizeOnDisk(path: string, signal?: AbortSignal): Promise<number> {
  const seen = new Set<string>();
  const walk = async (p: string): Promise<number> => {
    throwIfAborted(signal);
    const st = await stat(p);
    if (!st.isDirectory()) return st.size;
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return 0;
    seen.add(key);
    let total = 0;
    for (const e of await readdir(p)) {
      total += await walk(join(p, e)).catch((err: unknown) => {
        if (signal?.aborted) throw err;
        return 0;
      });
    }
    return total;
  };
  return walk(path);
}

/**
 * Output stems: the product name, or the file name when two products share one, then a counter.
 * Both come from the product (its metadata, its file name), so they are made safe basenames.
 */
function uniqueStems(entries: { path: string; productName: string }[]): string[] {
  const count = new Map<string, number>();
  const safe = entries.map((e) => safeFileStem(e.productName));
  for (const s of safe) count.set(s, (count.get(s) ?? 0) + 1);
  const used = new Set<string>();
  return entries.map((e, i) => {
    let stem = safe[i]!;
    if ((count.get(stem) ?? 0) > 1) {
      const file = basename(
        e.path.replace(/[\\/](MTD_MSIL[12][AC]|MTD_SAFL1C|MTD_SAFL2A)[^\\/]*\.xml$/i, ''),
      );
      stem = safeFileStem(file.replace(/\.(SAFE|zip)$/i, ''), stem);
    }
    let unique = stem;
    for (let n = 2; used.has(unique); n++) unique = `${stem}_${n}`;
    used.add(unique);
    return unique;
  });
}

/** A snapshot's counters from its scenes. */
export function countScenes(scenes: readonly BatchSceneState[]): {
  done: number;
  total: number;
  fraction: number;
} {
  let done = 0;
  let total = 0;
  let partial = 0;
  for (const s of scenes) {
    if (s.status === 'unusable') continue;
    total++;
    if (s.status === 'done' || s.status === 'skipped' || s.status === 'failed' || s.status === 'cancelled')
      done++;
    else if (s.status === 'running') partial += s.progress ?? 0;
  }
  return { done, total, fraction: total > 0 ? (done + partial) / total : 1 };
}

export interface Plan extends ResolvedBatch {
  snapshot: BatchSnapshot;
  journal: BatchJournal | null;
}

/** Discovery and journal merge (see the file header); throws when the journal's options differ. */
export async function makePlan(opts: BatchOptions, signal?: AbortSignal): Promise<Plan> {
  const resolved = await resolveBatch(opts);
  const { work, outDir, card, journalName } = resolved;
  await checkSharedFolder(resolved);
  let journal = await readJournal(outDir, journalName);
  if (journal && !opts.restart) {
    const diffs = optionDifferences(journal.options, work);
    if (diffs.length > 0) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${journalPath(outDir, journalName)} was written by a batch with other options (${diffs.join('; ')}). ` +
          'Run it again with the same options to resume it, choose another output folder, or restart ' +
          '(--restart) to process every product again with the new options.',
        {
          file: journalPath(outDir, journalName),
          details: { kind: 'BATCH_OPTIONS_MISMATCH', differences: diffs },
        },
      );
    }
  }
  const previousRun = journal
    ? {
        state: journal.state,
        updatedAt: journal.updatedAt,
        interrupted: !['finished', 'idle'].includes(journal.state),
      }
    : undefined;
  if (opts.restart) journal = null;

  const found = await listProducts(work.folder, resolved.isList, signal);
  // Stems over every product, before slicing: each shard names its outputs as one batch would.
  const okEntries = found.flatMap(({ entry: e }) =>
    e.ok ? [{ path: e.path, productName: e.metadata.productName }] : [],
  );
  const stems = uniqueStems(okEntries);
  const stemOf = new Map(okEntries.map((e, i) => [e.path, stems[i]!]));
  const previous = new Map((journal?.scenes ?? []).map((s) => [s.id, s]));

  const scenes: BatchSceneState[] = [];
  for (const { entry, id } of found) {
    if (!inShard(id, resolved.shard)) continue;
    throwIfAborted(signal);
    const sizeBytes = await untilAborted(sizeOnDisk(entry.path, signal), signal).catch((err: unknown) => {
      if (signal?.aborted) throw err;
      return undefined;
    });
    if (!entry.ok) {
      scenes.push({
        id,
        path: entry.path,
        ...(sizeBytes !== undefined ? { sizeBytes } : {}),
        status: 'unusable',
        reason: entry.error.message,
        error: {
          code: entry.error.code,
          message: entry.error.message,
          ...(entry.error.file ? { file: entry.error.file } : {}),
        },
      });
      continue;
    }
    const m = entry.metadata;
    const stem = stemOf.get(entry.path)!;
    const scene: BatchSceneState = {
      id,
      path: entry.path,
      productName: m.productName,
      date: m.sensingTime,
      tile: m.tileId,
      level: m.level,
      ...(sizeBytes !== undefined ? { sizeBytes } : {}),
      stem,
      status: 'pending',
      outputs: sceneOutputPaths(outDir, stem, work, {
        level: m.level,
        bands: entry.bands,
        masks: entry.masks,
      }),
    };
    const why = unusableForModel(card, m.level, entry.bands);
    if (why) {
      scene.status = 'unusable';
      scene.reason = why;
      scenes.push(scene);
      continue;
    }
    const expected = expectedSizes(scene.outputs!, m.grids, work.resolution);
    const problem = await outputsProblem(scene.outputs!, expected);
    mergePrevious(scene, previous.get(id), problem, resolved.maxAttempts);
    if (scene.status === 'pending' && resolved.skipExisting && problem === null) {
      scene.status = 'skipped';
      scene.reason = 'its outputs exist already (skip existing)';
    } else if (scene.status === 'pending' && !scene.reason && problem && !problem.missing) {
      scene.reason = `${problem.message}: processed again`;
    }
    scenes.push(scene);
  }
  const counts = countScenes(scenes);
  const snapshot: BatchSnapshot = {
    outDir,
    options: resolved.options,
    scenes,
    state: 'idle',
    ...counts,
    ...(previousRun ? { previousRun } : {}),
    ...(resolved.shard ? { shard: resolved.shard } : {}),
  };
  return { ...resolved, snapshot, journal };
}

/**
 * Every product of the batch with its id: under a folder (discovery, sorted by path; id = path
 * relative to the folder), or named by a list file (id = the path as listed).
 */
async function listProducts(
  source: string,
  isList: boolean,
  signal?: AbortSignal,
): Promise<{ entry: DiscoveryEntry; id: string }[]> {
  if (isList) {
    const items = await readProductList(source);
    const entries = await discoverListed(source, items, signal);
    return entries.map((entry, i) => ({ entry, id: items[i]!.id }));
  }
  const found = await discoverProducts(source, { signal });
  return found.map((entry) => ({
    entry,
    id: relative(source, entry.path).split(sep).join('/') || basename(entry.path),
  }));
}

/** Why the model cannot run on a product of this level with these bands, or null. */
function unusableForModel(card: ModelCard, level: string, bands: readonly BandEntry[]): string | null {
  if (!(card.input.levels as readonly string[]).includes(level)) {
    return `${card.name} (${card.id}) accepts ${card.input.levels.join('/')} products; this one is ${level}.`;
  }
  const present = new Set(bands.map((b) => b.name as string));
  const missing = card.input.bands.filter((b) => !present.has(b));
  if (missing.length > 0)
    return `${card.id} needs band${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, which the product lacks.`;
  return null;
}

/** Width and height each TIFF output must have: the product's grid at the output's resolution. */
function expectedSizes(
  outputs: Record<string, string>,
  grids: Partial<Record<Resolution, { width: number; height: number }>>,
  res: Resolution,
): Record<string, { width: number; height: number } | undefined> {
  const fmaskGrid = grids[fmaskResolution(res)];
  const out: Record<string, { width: number; height: number } | undefined> = {};
  for (const kind of Object.keys(outputs)) out[kind] = kind === 'fmask' ? fmaskGrid : grids[res];
  return out;
}

/** Why a scene's existing outputs cannot be kept, or null when every one is complete. */
export async function outputsProblem(
  outputs: Record<string, string>,
  expected: Record<string, { width: number; height: number } | undefined> = {},
): Promise<{ missing: boolean; message: string } | null> {
  for (const [kind, file] of Object.entries(outputs)) {
    if (!existsSync(file)) return { missing: true, message: `${basename(file)} is missing` };
    if (/\.tiff?$/i.test(file)) {
      const check = await checkTiff(file, expected[kind]);
      if (!check.ok) return { missing: false, message: `${basename(file)} ${check.reason}` };
    } else if (/\.png$/i.test(file) && !(await completePng(file))) {
      return { missing: false, message: `${basename(file)} is not a complete PNG` };
    }
  }
  return null;
}

/** A PNG that starts with the signature and ends with the IEND chunk (not cut short). */
async function completePng(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const size = (await fh.stat()).size;
    if (size < 20) return false;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(12);
    await fh.read(head, 0, 8, 0);
    await fh.read(tail, 0, 12, size - 12);
    return head.equals(PNG_SIGNATURE) && tail.subarray(4, 8).toString('latin1') === 'IEND';
  } finally {
    await fh.close();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** What an earlier run recorded for this scene (`problem`: why its outputs cannot be kept). */
function mergePrevious(
  scene: BatchSceneState,
  prev: BatchSceneState | undefined,
  problem: { missing: boolean; message: string } | null,
  maxAttempts?: number,
): void {
  if (!prev) return;
  scene.attempts = prev.attempts ?? 0;
  if (
    maxAttempts !== undefined &&
    scene.attempts >= maxAttempts &&
    (prev.status === 'failed' || prev.status === 'running')
  ) {
    // Recorded, not retried forever: the engine retries the task, not this product.
    scene.status = 'failed';
    scene.error =
      prev.status === 'failed' && prev.error
        ? prev.error
        : {
            code: 'INTERRUPTED',
            message: `the process was killed while processing this product, ${scene.attempts} times (out of memory?)`,
          };
    scene.reason = `given up after ${scene.attempts} attempts (max attempts ${maxAttempts})`;
    if (prev.seconds !== undefined) scene.seconds = prev.seconds;
    if (prev.finishedAt) scene.finishedAt = prev.finishedAt;
    return;
  }
  switch (prev.status) {
    case 'done':
    case 'skipped':
      if (problem === null && sameOutputs(prev.outputs, scene.outputs!)) {
        scene.status = prev.status;
        scene.reason = prev.status === 'done' ? 'completed in an earlier run' : prev.reason;
        if (prev.summary) scene.summary = prev.summary;
        if (prev.seconds !== undefined) scene.seconds = prev.seconds;
        if (prev.finishedAt) scene.finishedAt = prev.finishedAt;
      } else {
        scene.reason =
          problem && !problem.missing
            ? `completed in an earlier run, but ${problem.message}: processed again`
            : 'completed in an earlier run, but some outputs are missing: processed again';
      }
      return;
    case 'failed':
      scene.reason = `failed in an earlier run (${prev.error?.message ?? prev.reason ?? 'unknown error'}): retried`;
      return;
    case 'running':
      scene.reason = 'interrupted in an earlier run: processed again';
      return;
    case 'cancelled':
      scene.reason = 'cancelled in an earlier run: processed again';
      return;
    default:
      return;
  }
}

function sameOutputs(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  if (!a) return false;
  return Object.entries(b).every(([k, v]) => a[k] === v);
}
