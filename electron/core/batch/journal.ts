/**
 * The batch journal, `s2cloud-batch.json` in the output folder: the options that decide what the
 * outputs are, and every scene's state. It is rewritten atomically (temporary file + rename)
 * after every state change, so a crash or a kill leaves the last complete version, and a rerun
 * of the same batch reads it to resume.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { S2Error } from '../errors.js';
import type { Resolution } from '../scene/types.js';
import type { BatchSceneState, BatchState } from './types.js';

export const JOURNAL_NAME = 's2cloud-batch.json';
export const JOURNAL_FORMAT = 's2cloud-batch';
export const JOURNAL_VERSION = 1;

/** The options that decide what a scene's outputs are: a journal is only resumed with the same ones. */
export interface WorkOptions {
  folder: string;
  modelId: string;
  resolution: Resolution;
  cloudOnly: boolean;
  outputs: {
    probabilities: boolean;
    productMasks: boolean;
    metrics: boolean;
    fmask: boolean;
    quicklook: boolean;
  };
  reference: string | null;
}

export interface BatchJournal {
  format: typeof JOURNAL_FORMAT;
  version: typeof JOURNAL_VERSION;
  /** Process that wrote it last (a live one other than ours means another batch is running). */
  pid: number;
  createdAt: string;
  updatedAt: string;
  state: BatchState;
  options: WorkOptions;
  /** Runtime settings of the last run (informative; they do not change the outputs). */
  run: {
    jobs: number;
    threadsPerJob: number;
    skipExisting: boolean;
    startedAt?: string;
    maxAttempts?: number;
    /** Host that wrote it last (a pid from another host means nothing here). */
    host?: string;
  };
  /** Set in a shard's journal (`s2cloud-batch.shard-K-of-N.json`): which slice it holds. */
  shard?: { index: number; count: number };
  scenes: BatchSceneState[];
}

export function journalPath(outDir: string, name: string = JOURNAL_NAME): string {
  return join(resolve(outDir), name);
}

/**
 * The journal in `outDir` (the batch's, or a shard's by `name`), null when there is none; a file
 * that is not one is an error.
 */
export async function readJournal(outDir: string, name: string = JOURNAL_NAME): Promise<BatchJournal | null> {
  const file = journalPath(outDir, name);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new S2Error('NOT_FOUND', `${file}: cannot read the batch journal.`, { file, cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} is not valid JSON (${(err as Error).message}); delete it or use --restart to start the batch over.`,
      { file, cause: err },
    );
  }
  const j = data as Partial<BatchJournal>;
  if (j.format !== JOURNAL_FORMAT || !Array.isArray(j.scenes) || typeof j.options !== 'object') {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} is not an s2cloud batch journal; choose another output folder or use --restart.`,
      { file },
    );
  }
  if (j.version !== JOURNAL_VERSION) {
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file} is a batch journal of version ${String(j.version)}; this version reads ${JOURNAL_VERSION}. Use --restart to start over.`,
      { file },
    );
  }
  return j as BatchJournal;
}

/** Fields kept per scene in the journal (the live progress is not). */
function persistentScene(s: BatchSceneState): BatchSceneState {
  const { progress: _p, stage: _s, etaSeconds: _e, ...rest } = s;
  return rest;
}

export async function writeJournal(
  outDir: string,
  journal: BatchJournal,
  name: string = JOURNAL_NAME,
): Promise<void> {
  const data: BatchJournal = { ...journal, scenes: journal.scenes.map(persistentScene) };
  await writeFileAtomic(journalPath(outDir, name), `${JSON.stringify(data, null, 2)}\n`);
}

/** Differences between the options a journal was written with and the ones asked for now. */
export function optionDifferences(was: WorkOptions, now: WorkOptions): string[] {
  const out: string[] = [];
  const cmp = (name: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${name} ${fmt(a)} -> ${fmt(b)}`);
  };
  cmp('folder', was.folder, now.folder);
  cmp('model', was.modelId, now.modelId);
  cmp('resolution', was.resolution, now.resolution);
  cmp('cloud-only', was.cloudOnly, now.cloudOnly);
  for (const k of Object.keys(now.outputs) as (keyof WorkOptions['outputs'])[])
    cmp(k, was.outputs?.[k], now.outputs[k]);
  cmp('reference', was.reference, now.reference);
  return out;
}

function fmt(v: unknown): string {
  return v === null || v === undefined ? 'none' : typeof v === 'string' ? `"${v}"` : String(v);
}

/** Whether a process id is alive (signal 0 probes without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
