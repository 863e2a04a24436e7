/**
 * Batch processing of a folder of products: planning (discovery + journal), a queue with
 * progress, pause, cancel and resume, per-scene outputs, and CSV / JSON / HTML summaries.
 * Used by `s2cloud batch` and the GUI's batch panel; see docs/batch.md.
 */
export { BatchRun, planBatch } from './run.js';
export { defaultJobs, threadsPerJob, SCENE_PEAK_BYTES } from './jobs.js';
export { JOURNAL_NAME, readJournal, journalPath, type BatchJournal, type WorkOptions } from './journal.js';
export { REPORT_NAMES, writeBatchReports, batchCsv, batchJson, batchHtml } from './report.js';
export { sceneOutputPaths, productMaskAdapter } from './plan.js';
export { BATCH_QUICKLOOK_SIZE } from './scene.js';
export { mergeShardJournals, mergeShardReports, type MergeResult } from './merge.js';
export {
  ENGINES,
  SHARD_COUNT_VARIABLE,
  parseShard,
  shardFromEnvironment,
  shardOf,
  shardJournalName,
  type ResolvedShard,
  type ShardSpec,
} from './shard.js';
export { readProductList, type ListedProduct } from './product-list.js';
export { DEFAULT_SHARD_MAX_ATTEMPTS } from './plan.js';
export { shardLockStaleMs } from './run.js';
export type {
  AgreementSummary,
  BatchOptions,
  BatchOutputs,
  BatchSceneState,
  BatchSnapshot,
  BatchState,
  SceneError,
  SceneStatus,
  SceneSummary,
} from './types.js';
