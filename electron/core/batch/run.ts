/**
 * Running a batch: a queue of scenes worked by `jobs` async workers in this process (decoding
 * runs in the JPEG2000 worker pool, inference on ONNX Runtime's threads, so the event loop stays
 * free for the UI). Each worker keeps one ONNX session with cores/jobs threads.
 *
 * Pause stops starting new scenes; scenes already running finish (nothing is thrown away).
 * Cancel(sceneId) aborts that scene (or drops it from the queue) and the batch goes on;
 * cancel() aborts the running scenes and starts no more. Either way the journal records it and
 * a rerun processes what is not done.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { temporaryOwner } from '../atomic-write.js';
import { S2Error, toS2Error } from '../errors.js';
import { createSession, type ModelSession } from '../models/session.js';
import { getSharedDecoder } from '../raster/jp2/index.js';
import { threadsPerJob, defaultJobs } from './jobs.js';
import { acquireBatchLock, type BatchLock } from './lock.js';
import { processAlive, writeJournal, journalPath, type BatchJournal } from './journal.js';
import { countScenes, makePlan, type Plan } from './plan.js';
import { writeBatchReports } from './report.js';
import { processScene } from './scene.js';
import { shardLockName } from './shard.js';
import type { BatchOptions, BatchSceneState, BatchSnapshot, BatchState } from './types.js';

/** Discovery and journal merge, without doing any work (what start() would do, and why). */
export async function planBatch(opts: BatchOptions): Promise<BatchSnapshot> {
  return (await makePlan(opts)).snapshot;
}

/** Output folders a batch in this process is writing to. */
const activeOutDirs = new Set<string>();

/**
 * After how long without a heartbeat another host's shard lock is stale (a retried task that
 * lands on another machine waits at most this long). S2CLOUD_LOCK_STALE_SECONDS overrides it.
 */
export function shardLockStaleMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.S2CLOUD_LOCK_STALE_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 120_000;
}

/** Minimum time between two progress-only notifications. */
const PROGRESS_INTERVAL_MS = 200;

export class BatchRun {
  private readonly opts: BatchOptions;
  private plan: Plan | null = null;
  private snap: BatchSnapshot;
  private readonly listeners = new Set<(s: BatchSnapshot) => void>();
  private paused = false;
  private cancelling = false;
  private started = false;
  private readonly running = new Map<string, AbortController>();
  /** Stops planning (discovery and size sums) when the batch is cancelled before it starts work. */
  private readonly planning = new AbortController();
  private readonly cancelledIds = new Set<string>();
  /** Scenes this run finished (for the pace behind the ETA). */
  private readonly finishedHere = new Set<string>();
  private wake: (() => void)[] = [];
  private journalQueue: Promise<void> = Promise.resolve();
  private journalError: unknown = null;
  private lastProgressEmit = 0;
  private progressTimer: NodeJS.Timeout | null = null;
  private runStart = 0;
  private createdAt = new Date().toISOString();

  constructor(opts: BatchOptions) {
    this.opts = opts;
    this.snap = {
      outDir: opts.outDir,
      options: opts,
      scenes: [],
      state: 'idle',
      done: 0,
      total: 0,
      fraction: 0,
    };
  }

  /** Called on every change (state, scene status) and, at most every 200 ms, on progress. Returns an unsubscribe. */
  onChange(listener: (s: BatchSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A copy of the current state. */
  snapshot(): BatchSnapshot {
    return structuredClone(this.snap);
  }

  /** Stop starting new scenes (running ones finish). */
  pause(): void {
    if (this.cancelling || this.paused) return;
    this.paused = true;
    if (this.started) this.setState('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.started && !this.cancelling) this.setState('running');
    this.wakeWorkers();
  }

  /** Cancels one scene (running: aborted; pending: not started), or the whole batch without an id. */
  cancel(sceneId?: string): void {
    if (sceneId === undefined) {
      if (this.cancelling) return;
      this.cancelling = true;
      this.planning.abort();
      if (this.started) this.setState('cancelling');
      for (const ac of this.running.values()) ac.abort();
      this.wakeWorkers();
      return;
    }
    this.cancelledIds.add(sceneId);
    const ac = this.running.get(sceneId);
    if (ac) {
      ac.abort();
      return;
    }
    const scene = this.snap.scenes.find((s) => s.id === sceneId);
    if (scene && scene.status === 'pending') {
      scene.status = 'cancelled';
      scene.reason = 'cancelled by the user before it started';
      this.changed(true);
    }
  }

  /** Plans, then processes every pending scene; resolves with the final snapshot (reports written). */
  async start(): Promise<BatchSnapshot> {
    if (this.started) throw new S2Error('INVALID_ARGUMENT', 'This batch has already been started.');
    this.started = true;
    let plan: Plan;
    try {
      plan = await makePlan(this.opts, this.planning.signal);
    } catch (err) {
      // Cancelled while planning: the batch has ended (a snapshot left at 'cancelling' would
      // keep the GUI waiting for an end that never comes).
      if (this.cancelling) this.setState('cancelled');
      throw err;
    }
    const { outDir } = plan;
    if (activeOutDirs.has(outDir)) {
      throw new S2Error('BATCH_LOCKED', `A batch is already writing to ${outDir}.`, { file: outDir });
    }
    const j = plan.journal;
    // A shard's journal may come from another host (a retried task): its lock, refreshed while
    // held, says whether it is live, not a pid.
    if (
      j &&
      !plan.shard &&
      !this.opts.restart &&
      ['running', 'paused', 'cancelling'].includes(j.state) &&
      j.pid !== process.pid &&
      processAlive(j.pid)
    ) {
      throw new S2Error(
        'INVALID_ARGUMENT',
        `Another batch (process ${j.pid}) is writing to ${outDir}: wait for it to end, or stop it first.`,
        { file: journalPath(outDir) },
      );
    }
    // Shards of one batch share the folder: each holds its own lock, one per process here.
    const activeKey = plan.shard ? `${outDir}\0${plan.journalName}` : outDir;
    if (plan.shard && activeOutDirs.has(activeKey)) {
      throw new S2Error('BATCH_LOCKED', `This shard of ${outDir} is already running here.`, { file: outDir });
    }
    activeOutDirs.add(activeKey);
    let lock: BatchLock | null = null;
    try {
      lock = await acquireBatchLock(
        outDir,
        plan.shard ? { name: shardLockName(plan.shard), staleAfterMs: shardLockStaleMs() } : {},
      );
      if (lock.tookOver) plan.snapshot.notes = [`Batch lock: ${lock.tookOver}.`];
      this.plan = plan;
      if (j && !this.opts.restart) this.createdAt = j.createdAt;
      await removeStaleTemporaries(
        outDir,
        plan.shard ? { own: shardOwnNames(plan.snapshot.scenes, plan.journalName) } : {},
      );
      const jobs = this.opts.jobs ?? defaultJobs(plan.work.resolution);
      const threads = threadsPerJob(jobs);
      const pendingCancels = plan.snapshot.scenes.filter(
        (s) => this.cancelledIds.has(s.id) && s.status === 'pending',
      );
      for (const s of pendingCancels) {
        s.status = 'cancelled';
        s.reason = 'cancelled by the user before it started';
      }
      this.snap = {
        ...plan.snapshot,
        state: this.cancelling ? 'cancelling' : this.paused ? 'paused' : 'running',
        startedAt: new Date().toISOString(),
        jobs,
        threadsPerJob: threads,
      };
      this.runStart = performance.now();
      this.changed(true);
      await Promise.all(Array.from({ length: jobs }, () => this.worker(threads)));
      this.snap.state = this.cancelling ? 'cancelled' : 'finished';
      delete this.snap.etaSeconds;
      this.changed(true);
      await this.flushJournal();
      // A shard writes its journal only: the reports of the whole batch come from merging them
      // (s2cloud batch report), so no two workers ever write the same file.
      if (!plan.shard) this.snap.reports = await writeBatchReports(this.snap);
      this.changed(false);
      if (this.journalError) throw toS2Error(this.journalError, journalPath(outDir));
      return this.snapshot();
    } finally {
      if (this.progressTimer) clearTimeout(this.progressTimer);
      await lock?.release();
      activeOutDirs.delete(activeKey);
    }
  }

  private async worker(threads: number): Promise<void> {
    let session: ModelSession | null = null;
    try {
      for (;;) {
        while (this.paused && !this.cancelling) await new Promise<void>((r) => this.wake.push(r));
        if (this.cancelling) return;
        const scene = this.nextScene();
        if (!scene) return;
        const ac = new AbortController();
        this.running.set(scene.id, ac);
        scene.status = 'running';
        scene.progress = 0;
        scene.attempts = (scene.attempts ?? 0) + 1;
        delete scene.error;
        delete scene.reason;
        delete scene.summary;
        this.changed(true);
        const t0 = performance.now();
        try {
          // A LightGBM model (s2cloudless) has no ONNX session: runModel scores it on its own pool.
          if (this.plan!.card.runtime !== 'lightgbm')
            session ??= await createSession(this.plan!.onnx, { threads, log: () => {} });
          const { summary } = await processScene(scene, {
            work: this.plan!.work,
            outDir: this.plan!.outDir,
            ...(session ? { session } : {}),
            decoder: getSharedDecoder(),
            signal: ac.signal,
            onProgress: (fraction, stage, eta) => {
              scene.progress = fraction;
              scene.stage = stage;
              if (eta === undefined) delete scene.etaSeconds;
              else scene.etaSeconds = eta;
              this.changed(false);
            },
          });
          scene.status = 'done';
          scene.summary = summary;
        } catch (err) {
          const e = toS2Error(err, scene.path);
          if (e.code === 'CANCELLED' || ac.signal.aborted) {
            scene.status = 'cancelled';
            scene.reason = this.cancelledIds.has(scene.id)
              ? 'cancelled by the user'
              : 'interrupted: the batch was cancelled';
          } else {
            scene.status = 'failed';
            scene.error = { code: e.code, message: e.message, ...(e.file ? { file: e.file } : {}) };
            // Every scene after this one would fail the same way: stop, and say why.
            if (e.code === 'DISK_FULL') {
              this.snap.notes = [...(this.snap.notes ?? []), `Stopped: ${e.message}`];
              this.cancel();
            }
          }
        } finally {
          this.running.delete(scene.id);
        }
        this.finishedHere.add(scene.id);
        scene.seconds = (performance.now() - t0) / 1000;
        scene.finishedAt = new Date().toISOString();
        delete scene.progress;
        delete scene.stage;
        delete scene.etaSeconds;
        this.changed(true);
      }
    } finally {
      await session?.session.release();
    }
  }

  /**
   * The next pending scene. With a retry limit (a shard), scenes never started come first: a
   * product that killed the last run is retried after the rest of the slice, not before it.
   */
  private nextScene(): BatchSceneState | undefined {
    const ready = (s: BatchSceneState): boolean => s.status === 'pending' && !this.cancelledIds.has(s.id);
    if (this.plan?.maxAttempts !== undefined) {
      const fresh = this.snap.scenes.find((s) => ready(s) && !s.attempts);
      if (fresh) return fresh;
    }
    return this.snap.scenes.find(ready);
  }

  private wakeWorkers(): void {
    const w = this.wake;
    this.wake = [];
    for (const r of w) r();
  }

  private setState(state: BatchState): void {
    this.snap.state = state;
    this.changed(true);
  }

  /** Recomputes the counters; a state change is journalled and sent at once, progress at most every 200 ms. */
  private changed(stateChange: boolean): void {
    const counts = countScenes(this.snap.scenes);
    Object.assign(this.snap, counts);
    this.updateEta();
    if (stateChange) {
      this.queueJournal();
      this.emit();
      return;
    }
    const now = Date.now();
    if (now - this.lastProgressEmit >= PROGRESS_INTERVAL_MS) this.emit();
    else if (!this.progressTimer) {
      this.progressTimer = setTimeout(() => {
        this.progressTimer = null;
        this.emit();
      }, PROGRESS_INTERVAL_MS);
    }
  }

  /** ETA from this run's pace: work done since start (scene fractions) against what is left. */
  private updateEta(): void {
    if (!this.runStart || !['running', 'paused'].includes(this.snap.state)) return;
    let doneHere = 0;
    let left = 0;
    for (const s of this.snap.scenes) {
      if (s.status === 'running') {
        doneHere += s.progress ?? 0;
        left += 1 - (s.progress ?? 0);
      } else if (s.status === 'pending') left += 1;
      else if (this.finishedHere.has(s.id)) doneHere += 1;
    }
    const elapsed = (performance.now() - this.runStart) / 1000;
    if (doneHere >= 0.05 && elapsed > 0) this.snap.etaSeconds = (elapsed / doneHere) * left;
    else delete this.snap.etaSeconds;
  }

  private emit(): void {
    this.lastProgressEmit = Date.now();
    if (this.listeners.size === 0) return;
    const s = this.snapshot();
    for (const l of this.listeners) {
      try {
        l(s);
      } catch {
        // A listener's error must not stop the batch.
      }
    }
  }

  private queueJournal(): void {
    if (!this.plan) return;
    const plan = this.plan;
    const journal: BatchJournal = {
      format: 's2cloud-batch',
      version: 1,
      pid: process.pid,
      createdAt: this.createdAt,
      updatedAt: new Date().toISOString(),
      state: this.snap.state,
      options: plan.work,
      run: {
        jobs: this.snap.jobs ?? 1,
        threadsPerJob: this.snap.threadsPerJob ?? 1,
        skipExisting: plan.skipExisting,
        ...(this.snap.startedAt ? { startedAt: this.snap.startedAt } : {}),
        ...(plan.maxAttempts !== undefined ? { maxAttempts: plan.maxAttempts } : {}),
        host: hostname(),
      },
      ...(plan.shard ? { shard: plan.shard } : {}),
      scenes: structuredClone(this.snap.scenes),
    };
    this.journalQueue = this.journalQueue
      .then(() => writeJournal(plan.outDir, journal, plan.journalName))
      .catch((err: unknown) => {
        this.journalError ??= err;
      });
  }

  private flushJournal(): Promise<void> {
    return this.journalQueue;
  }
}

/**
 * Temporary files a killed run left next to its outputs, from processes that are gone. Only
 * names this project gives its temporaries (TEMPORARY_NAME_PATTERNS: an output's name plus
 * `.tmp-<pid>`, `.tmp-<pid>.tiles` or `.<pid>.<n>.partial`), only plain files (never a folder or
 * a link), never recursively: anything else in the folder is the user's.
 */
export async function removeStaleTemporaries(
  outDir: string,
  opts: { own?: ReadonlySet<string> } = {},
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(outDir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const pid = temporaryOwner(name);
    if (pid === null) continue;
    if (opts.own) {
      // A shard: only temporaries of its own outputs, whoever's pid (another host's, or ours
      // reused by a restarted container: it has written nothing yet); its lock says no other
      // process works on them.
      if (!opts.own.has(temporaryTarget(name))) continue;
    } else if (pid === process.pid || processAlive(pid)) continue;
    const p = join(outDir, name);
    const st = await lstat(p).catch(() => null);
    if (!st?.isFile()) continue;
    await rm(p, { force: true });
    removed.push(name);
  }
  return removed;
}

/** The file a temporary name is being written for (`x.tif.tmp-12` -> `x.tif`). */
function temporaryTarget(name: string): string {
  return name.replace(/(?:\.\d+\.\d+\.partial|\.tmp-\d+(?:\.tiles)?)$/i, '');
}

/** The output and journal names of a shard's scenes (whose temporaries it may clean up). */
function shardOwnNames(scenes: readonly BatchSceneState[], journalName: string): Set<string> {
  const own = new Set<string>([journalName]);
  for (const s of scenes) for (const f of Object.values(s.outputs ?? {})) own.add(basename(f));
  return own;
}

export { defaultJobs };
