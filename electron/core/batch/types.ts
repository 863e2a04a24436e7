/** The batch's public shapes: options, per-scene state and the snapshot the GUI and CLI draw. */
import type { S2ErrorCode } from '../errors.js';
import type { ClassShares } from '../pipeline/run-model.js';
import type { Resolution } from '../scene/types.js';

export interface BatchOutputs {
  /** Float32 probability COG per scene. Default false. */
  probabilities?: boolean;
  /** The product's own mask (SCL for L2A, MSK_CLASSI / MSK_CLOUDS for L1C) as a schema COG. Default false. */
  productMasks?: boolean;
  /** Agreement with the product's own mask (and the reference, when given). Default true. */
  metrics?: boolean;
  /** The built-in Fmask (L1C only) as a COG with Fmask's codes. Default false. */
  fmask?: boolean;
  /** A quicklook PNG per scene (also embedded in the HTML report). Default true. */
  quicklook?: boolean;
}

export interface BatchOptions {
  /**
   * Folder searched recursively for products (.SAFE folders, zips, loose MTD XMLs), or a product
   * list file (one path per line, `#` comments).
   */
  folder: string;
  /** Where outputs, the journal (s2cloud-batch.json) and the reports go. */
  outDir: string;
  modelId?: string;
  /** Default: the model card's resolution. */
  resolution?: Resolution;
  outputs?: BatchOutputs;
  /** The model's classes alone (no semi-transparent rule, no shadows). */
  cloudOnly?: boolean;
  /** Scenes processed at once. Default defaultJobs(resolution). */
  jobs?: number;
  /**
   * Skip a scene whose outputs all exist already although the journal does not record it as
   * done (written by `s2cloud predict`, or the journal was deleted). Default true, false with restart.
   */
  skipExisting?: boolean;
  /** Throw away the journal (even one written with other options) and start over. */
  restart?: boolean;
  /** Reference masks: a file (used for every scene) or a folder (a file whose name holds the product name, or tile and date). */
  reference?: string;
  /**
   * Process only slice `index` (0..count-1) of `count`: one worker of an array job. Its journal
   * is `s2cloud-batch.shard-K-of-N.json`; no reports are written (`mergeShardReports` does).
   */
  shard?: { index: number; count: number };
  /**
   * Starts of a product (a failure or a killed process) after which it is recorded as failed and
   * no longer retried. Default: no limit; 3 for a shard.
   */
  maxAttempts?: number;
}

export type SceneStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'unusable' | 'cancelled';

export interface SceneError {
  code: S2ErrorCode | string;
  message: string;
  file?: string;
}

/** Agreement of the model's classes with another mask, on the model's grid. */
export interface AgreementSummary {
  /** The other mask, e.g. "Sen2Cor SCL", "L1C MSK_CLASSI", or the reference file's name. */
  source: string;
  /** Pixels valid in both. */
  scored: number;
  /** 5-class overall accuracy (0..1), null when nothing was scored. */
  overallAccuracy: number | null;
  kappa: number | null;
  /** Binary cloud (cloud + semi-transparent) vs the rest (clear and shadow) accuracy, 0..1. */
  cloudAgreement: number | null;
  /** Binary cloud F1 (the other mask taken as the reference). */
  cloudF1: number | null;
}

export interface SceneSummary extends ClassShares {
  /** Against the product's own mask. */
  agreement?: AgreementSummary;
  /** Against the reference mask. */
  reference?: AgreementSummary;
  /** Why a requested extra (product mask, Fmask, reference) is missing for this scene. */
  notes?: string[];
}

export interface BatchSceneState {
  /** Path relative to the batch folder ('/' separators): stable across runs. */
  id: string;
  /** Absolute path. */
  path: string;
  productName?: string;
  /** Sensing time (ISO 8601). */
  date?: string;
  tile?: string;
  level?: string;
  /** On disk (a .SAFE folder: the sum of its files; a zip: its size). */
  sizeBytes?: number;
  /** Base of this scene's output names (the product name; made unique within the batch). */
  stem?: string;
  status: SceneStatus;
  /** Why the scene is unusable, skipped or cancelled. */
  reason?: string;
  error?: SceneError;
  /** 0..1 while running. */
  progress?: number;
  stage?: string;
  etaSeconds?: number;
  /** Output kind -> absolute path: classes, probabilities, productMask, fmask, quicklook. */
  outputs?: Record<string, string>;
  summary?: SceneSummary;
  /** Seconds the scene took (last run). */
  seconds?: number;
  /** Runs so far (a retry after a failure or an interruption counts). */
  attempts?: number;
  finishedAt?: string;
}

export type BatchState = 'idle' | 'running' | 'paused' | 'cancelling' | 'finished' | 'cancelled';

export interface BatchSnapshot {
  outDir: string;
  options: BatchOptions;
  scenes: BatchSceneState[];
  state: BatchState;
  /** Scenes finished (done, skipped, failed, cancelled) of `total` (every scene that is not unusable). */
  done: number;
  total: number;
  /** 0..1, the running scenes' progress included. */
  fraction: number;
  etaSeconds?: number;
  startedAt?: string;
  /** Jobs and ONNX threads per job this run uses. */
  jobs?: number;
  threadsPerJob?: number;
  /** The journal found in outDir when planning, if any: how the previous run ended. */
  previousRun?: { state: string; updatedAt: string; interrupted: boolean };
  /** Report files written at the end of a run. */
  reports?: { csv: string; json: string; html: string };
  /** Messages about the run as a whole (a stale batch lock taken over). */
  notes?: string[];
  /** The slice this snapshot holds, when the batch is split across workers. */
  shard?: { index: number; count: number };
}
