/**
 * Splitting one batch across the workers of an array job (Kubernetes Indexed Job, AWS Batch,
 * Google Cloud Batch, Slurm): which shard a product belongs to, how `--shard K/N` and
 * `--shard auto` are read, and the names of a shard's journal and lock in the shared output folder.
 *
 * A product's shard depends on its id alone (hashed), never on the listing order or on the other
 * products: every worker, and every retry of a worker, agrees on the slices even when the folder
 * lists in another order or gains products while the season runs.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { S2Error } from '../errors.js';

export interface ShardSpec {
  /** 0 .. count-1: the engines number their tasks from 0. */
  index: number;
  count: number;
}

/** Where `--shard auto` found the index and the count (for the CLI's first line). */
export interface ResolvedShard extends ShardSpec {
  source: string;
}

/** Most shards a batch can be split into (AWS Batch arrays go up to 10,000). */
export const MAX_SHARDS = 100_000;

/** Which of `count` shards the product with this id belongs to. */
export function shardOf(id: string, count: number): number {
  if (count <= 1) return 0;
  // The first 6 bytes of SHA-256: uniform, the same on every machine and Node version.
  const h = createHash('sha256').update(id, 'utf8').digest();
  return h.readUIntBE(0, 6) % count;
}

/** Whether the product with this id is the shard's to process. */
export function inShard(id: string, shard: ShardSpec | undefined): boolean {
  return shard === undefined || shardOf(id, shard.count) === shard.index;
}

function wholeNumber(text: string): number | null {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : null;
}

function checkSpec(index: number, count: number, what: string): ShardSpec {
  if (count < 1 || count > MAX_SHARDS)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${what}: the number of shards must be 1 to ${MAX_SHARDS} (got ${count}).`,
    );
  if (index >= count)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${what}: shard ${index} does not exist in a batch of ${count} shards; shards are numbered from 0 to ${count - 1}, as the engines number their tasks.`,
    );
  return { index, count };
}

/**
 * `K/N` (0 <= K < N), `auto` or `auto/N` (the index, and the count unless given, from the
 * engine's variables in `env`). Every mistake is an INVALID_ARGUMENT that says what to write.
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): ResolvedShard {
  const t = text.trim();
  const auto = /^auto(?:\/(.*))?$/i.exec(t);
  if (auto) {
    let count: number | undefined;
    if (auto[1] !== undefined) {
      const n = wholeNumber(auto[1]);
      if (n === null)
        throw new S2Error(
          'INVALID_ARGUMENT',
          `--shard ${t}: after "auto/" comes the number of shards (e.g. auto/10).`,
        );
      count = n;
    }
    return shardFromEnvironment(env, count);
  }
  const m = /^(.*)\/(.*)$/.exec(t);
  const k = m ? wholeNumber(m[1]!) : null;
  const n = m ? wholeNumber(m[2]!) : null;
  if (k === null || n === null)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--shard ${t}: write K/N (this worker's shard K, from 0 to N-1, of N shards, e.g. 0/4), or auto to read them from the job engine.`,
    );
  return { ...checkSpec(k, n, `--shard ${t}`), source: `--shard ${t}` };
}

/** An engine's task index and count variables. */
interface Engine {
  name: string;
  index: string;
  count: string | null;
}

/** The engines `--shard auto` knows, in the order their variables are looked for. */
export const ENGINES: readonly Engine[] = [
  { name: 'Kubernetes Indexed Job', index: 'JOB_COMPLETION_INDEX', count: null },
  { name: 'AWS Batch array job', index: 'AWS_BATCH_JOB_ARRAY_INDEX', count: 'AWS_BATCH_JOB_ARRAY_SIZE' },
  { name: 'Google Cloud Batch', index: 'BATCH_TASK_INDEX', count: 'BATCH_TASK_COUNT' },
  { name: 'Slurm job array', index: 'SLURM_ARRAY_TASK_ID', count: 'SLURM_ARRAY_TASK_COUNT' },
];

/** The count for engines that do not pass one (Kubernetes): set it in the Job's env. */
export const SHARD_COUNT_VARIABLE = 'S2CLOUD_SHARD_COUNT';

/** `--shard auto[/N]`: the index and count from the engine's environment variables. */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, given?: number): ResolvedShard {
  const present = ENGINES.filter((e) => (env[e.index] ?? '') !== '');
  if (present.length === 0) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--shard auto: none of ${ENGINES.map((e) => `${e.index} (${e.name})`).join(', ')} is set, so this ` +
        'is not a task of an array job. Run it as one, or give the shard yourself: --shard K/N.',
    );
  }
  if (present.length > 1) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--shard auto: ${present.map((e) => `${e.index}=${env[e.index]} (${e.name})`).join(' and ')} are both set, ` +
        'so which engine runs this task is unclear; give the shard yourself: --shard K/N.',
    );
  }
  const e = present[0]!;
  const rawIndex = env[e.index]!;
  let index = wholeNumber(rawIndex);
  if (index === null)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--shard auto: ${e.index}=${JSON.stringify(rawIndex)} is not a task number (${e.name}).`,
    );
  const sources = [`${e.index}=${rawIndex}`];

  // Slurm numbers tasks as the --array range says (1-100, 0-99:2): count from its start and step.
  if (e.index === 'SLURM_ARRAY_TASK_ID') {
    const min = wholeNumber(env.SLURM_ARRAY_TASK_MIN ?? '');
    const step = wholeNumber(env.SLURM_ARRAY_TASK_STEP ?? '') ?? 1;
    if (min !== null) {
      if (index < min || (index - min) % Math.max(1, step) !== 0)
        throw new S2Error(
          'INVALID_ARGUMENT',
          `--shard auto: SLURM_ARRAY_TASK_ID=${index} is not in the array's range (SLURM_ARRAY_TASK_MIN=${min}, step ${step}).`,
        );
      index = (index - min) / Math.max(1, step);
      sources.push(`SLURM_ARRAY_TASK_MIN=${min}`);
    }
  }

  const counts: { value: number; from: string }[] = [];
  if (given !== undefined) counts.push({ value: given, from: `--shard auto/${given}` });
  for (const name of [e.count, SHARD_COUNT_VARIABLE]) {
    if (!name || (env[name] ?? '') === '') continue;
    const v = wholeNumber(env[name]!);
    if (v === null)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `--shard auto: ${name}=${JSON.stringify(env[name])} is not a number of shards.`,
      );
    counts.push({ value: v, from: `${name}=${v}` });
  }
  if (counts.length === 0) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      e.count
        ? `--shard auto: ${e.index} is set but ${e.count} is not (${e.name}); give the count: --shard auto/N.`
        : `--shard auto: ${e.index}=${rawIndex} is set (${e.name}), but Kubernetes does not pass the number of ` +
            `completions: give it as --shard auto/N or in ${SHARD_COUNT_VARIABLE}, equal to the Job's completions.`,
    );
  }
  const disagree = counts.filter((c) => c.value !== counts[0]!.value);
  if (disagree.length > 0)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `--shard auto: the number of shards disagrees (${counts.map((c) => c.from).join(' but ')}); they must be equal.`,
    );
  sources.push(counts[0]!.from);
  const spec = checkSpec(index, counts[0]!.value, `--shard auto (${sources.join(', ')}, ${e.name})`);
  if (e.index === 'SLURM_ARRAY_TASK_ID' && env.SLURM_ARRAY_TASK_MAX !== undefined) {
    // A gappy --array (1,5,9) numbers tasks beyond the count: refuse rather than skip products.
    const max = wholeNumber(env.SLURM_ARRAY_TASK_MAX);
    const min = wholeNumber(env.SLURM_ARRAY_TASK_MIN ?? '') ?? 0;
    const step = wholeNumber(env.SLURM_ARRAY_TASK_STEP ?? '') ?? 1;
    if (max !== null && (max - min) / Math.max(1, step) + 1 !== spec.count)
      throw new S2Error(
        'INVALID_ARGUMENT',
        `--shard auto: the Slurm array is not one evenly spaced range (SLURM_ARRAY_TASK_MIN=${min}, ` +
          `SLURM_ARRAY_TASK_MAX=${max}, SLURM_ARRAY_TASK_COUNT=${spec.count}); use --array=0-${spec.count - 1}.`,
      );
  }
  return { ...spec, source: `${sources.join(', ')} (${e.name})` };
}

/** `0003` of `0010`: padded so that the journals sort in shard order in a listing. */
function pad(i: number, count: number): string {
  return String(i).padStart(String(Math.max(0, count - 1)).length, '0');
}

/** The shard's journal in the shared output folder: `s2cloud-batch.shard-<K>-of-<N>.json`. */
export function shardJournalName(shard: ShardSpec): string {
  return `s2cloud-batch.shard-${pad(shard.index, shard.count)}-of-${shard.count}.json`;
}

/** The shard's lock beside it. */
export function shardLockName(shard: ShardSpec): string {
  return shardJournalName(shard).replace(/\.json$/, '.lock');
}

/** K and N of a shard journal's file name, or null for any other name. */
export function parseShardJournalName(name: string): ShardSpec | null {
  const m = /^s2cloud-batch\.shard-(\d+)-of-(\d+)\.json$/.exec(name);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index < count ? { index, count } : null;
}

/** The shard journals in an output folder, in shard order. */
export async function listShardJournals(outDir: string): Promise<(ShardSpec & { name: string })[]> {
  const names = await readdir(outDir).catch(() => [] as string[]);
  return names
    .flatMap((name) => {
      const spec = parseShardJournalName(name);
      return spec ? [{ ...spec, name }] : [];
    })
    .sort((a, b) => a.count - b.count || a.index - b.index);
}
