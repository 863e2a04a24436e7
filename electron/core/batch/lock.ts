/**
 * The batch lock, `s2cloud-batch.lock` in the output folder: created exclusively (open 'wx', so
 * of two batches started at the same instant exactly one gets it), holding the owner's pid, host
 * and start time. A lock whose owner is gone (same host, pid not alive) is stale and taken over
 * with a message; one from another host is never taken over (its pid means nothing here).
 */
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { S2Error, writeError } from '../errors.js';
import { processAlive } from './journal.js';

export const LOCK_NAME = 's2cloud-batch.lock';

export interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** Random per lock: tells this lock from a later one by the same process. */
  token: string;
}

export interface BatchLock {
  path: string;
  owner: LockOwner;
  /** Set when a stale lock was taken over: what to tell the user. */
  tookOver?: string;
  release(): Promise<void>;
}

export function lockPath(outDir: string, name: string = LOCK_NAME): string {
  return join(resolve(outDir), name);
}

export interface LockOptions {
  /** The lock file's name (a shard's own lock); default s2cloud-batch.lock. */
  name?: string;
  /**
   * A shard's lock: the owner refreshes the file's time every staleAfterMs / 4, and a lock from
   * another host (a retried pod or array task lands on another machine) whose time is older than
   * this is taken over. Without it, another host's lock is never taken over.
   */
  staleAfterMs?: number;
  /** How often to look again while waiting for another host's lock to go stale (tests). */
  pollMs?: number;
}

/** Tokens of the locks this process holds (a lock with our pid but another token is a dead predecessor's). */
const held = new Set<string>();

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    if (typeof data.pid !== 'number' || typeof data.host !== 'string') return null;
    return {
      pid: data.pid,
      host: data.host,
      startedAt: String(data.startedAt ?? ''),
      token: String(data.token ?? ''),
    };
  } catch {
    return null;
  }
}

/** Creates the lock file exclusively; false when it exists already. */
async function create(path: string, owner: LockOwner): Promise<boolean> {
  let fh;
  try {
    fh = await open(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw writeError(err, path);
  }
  try {
    await fh.writeFile(`${JSON.stringify(owner)}\n`);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(path, { force: true });
    throw writeError(err, path);
  }
  await fh.close();
  return true;
}

function lockedError(path: string, o: LockOwner | null, staleAfterMs?: number): S2Error {
  const who = o ? `process ${o.pid} on ${o.host}, started ${o.startedAt}` : 'an unreadable lock';
  const here = o !== null && o.host === hostname();
  const shard = staleAfterMs !== undefined;
  return new S2Error(
    'BATCH_LOCKED',
    (shard
      ? `Another worker is running this shard (${who}; its lock ${path} is still being refreshed): ` +
        'the engine started the same task twice, or the shard was also started by hand. Wait for it to end or stop it'
      : `Another batch is writing to this output folder (${who}): wait for it to end or stop it, `) +
      (shard
        ? '.'
        : here
          ? 'or choose another output folder.'
          : `or, if no batch runs on ${o?.host ?? 'any machine'} any more, delete ${path}.`),
    { file: path, details: o ? { ...o } : {} },
  );
}

/**
 * Another host's shard lock: stale once its time is older than `staleAfterMs` (its owner stopped
 * refreshing it). A younger one is watched until then: refreshed meanwhile means alive.
 */
async function staleElsewhere(path: string, staleAfterMs: number, pollMs = 5000): Promise<boolean> {
  const first = await stat(path).catch(() => null);
  if (!first) return true;
  for (;;) {
    const st = await stat(path).catch(() => null);
    if (!st) return true;
    if (st.mtimeMs !== first.mtimeMs) return false;
    const age = Date.now() - st.mtimeMs;
    if (age > staleAfterMs) return true;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, staleAfterMs - age + 50)));
  }
}

/**
 * Takes the output folder's lock, or throws BATCH_LOCKED naming the owner. A stale lock (same
 * host, owner not alive, or a lock file left empty by a crash) is taken over: it is moved aside
 * under a unique name first, so of two processes taking over the same stale lock only one wins.
 */
export async function acquireBatchLock(outDir: string, opts: LockOptions = {}): Promise<BatchLock> {
  const path = lockPath(outDir, opts.name);
  await mkdir(resolve(outDir), { recursive: true }).catch((err: unknown) => {
    throw writeError(err, path);
  });
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await create(path, owner)) return makeLock(path, owner, tookOver, opts.staleAfterMs);
    const current = await readOwner(path);
    const stale =
      current === null
        ? await emptyForAWhile(path)
        : current.host === owner.host
          ? !processAlive(current.pid) ||
            // In a restarted container the new process often gets its predecessor's pid.
            (opts.staleAfterMs !== undefined && current.pid === process.pid && !held.has(current.token))
          : opts.staleAfterMs !== undefined && (await staleElsewhere(path, opts.staleAfterMs, opts.pollMs));
    if (!stale) throw lockedError(path, current, opts.staleAfterMs);
    // Move the stale file aside; whoever renames it first takes over, the other finds it gone.
    const aside = `${path}.stale-${owner.token}`;
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw writeError(err, path);
    }
    const moved = await readOwner(aside);
    if (moved && moved.token !== current?.token) {
      // We moved a lock another process made meanwhile (or finished writing late): put it back
      // and give way.
      await link(aside, path).catch(() => undefined);
      await rm(aside, { force: true });
      throw lockedError(path, moved);
    }
    await rm(aside, { force: true });
    tookOver = !current
      ? 'replaced an empty lock file left by a crash'
      : current.host === owner.host
        ? `took over the lock of process ${current.pid} (started ${current.startedAt}), which is no longer running`
        : `took over the lock of process ${current.pid} on ${current.host} (started ${current.startedAt}), ` +
          `not refreshed for over ${Math.round((opts.staleAfterMs ?? 0) / 1000)} s`;
  }
  throw lockedError(path, await readOwner(path));
}

/** A lock file that stays unreadable for a moment was left empty by a crash (not being written). */
async function emptyForAWhile(path: string): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 200));
  return (await readOwner(path)) === null;
}

function makeLock(
  path: string,
  owner: LockOwner,
  tookOver: string | undefined,
  staleAfterMs: number | undefined,
): BatchLock {
  let released = false;
  held.add(owner.token);
  // The heartbeat: other hosts see a lock whose time moves as held.
  const beat =
    staleAfterMs === undefined
      ? null
      : setInterval(
          () => {
            const now = new Date();
            utimes(path, now, now).catch(() => undefined);
          },
          Math.max(50, staleAfterMs / 4),
        );
  beat?.unref();
  return {
    path,
    owner,
    ...(tookOver ? { tookOver } : {}),
    async release(): Promise<void> {
      if (released) return;
      released = true;
      if (beat) clearInterval(beat);
      held.delete(owner.token);
      // Only our own lock: a lock another process took over (we were thought dead) stays.
      const now = await readOwner(path);
      if (now?.token === owner.token) await rm(path, { force: true });
    },
  };
}
