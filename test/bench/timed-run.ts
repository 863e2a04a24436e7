/**
 * One CLI process timed as a user would time it: `/usr/bin/time -v` (wall, CPU of every thread,
 * peak RSS) when present, plus the CLI's own stage times. Shared by the full-tile benches.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const TIME = '/usr/bin/time';

export interface Measured {
  wallS: number;
  cpuS: number | null;
  peakRssMb: number | null;
  /** The CLI's stage times ("read 32.5 s, inference 11.3 s, ..."). */
  stages: string;
  ok: boolean;
  tail: string;
}

export function timedRun(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Measured> {
  const timed = existsSync(TIME);
  const t0 = performance.now();
  return new Promise((done) => {
    const p = spawn(timed ? TIME : cmd, timed ? ['-v', cmd, ...args] : args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      const num = (re: RegExp): number | null => {
        const m = re.exec(out);
        return m ? Number(m[1]) : null;
      };
      const user = num(/User time \(seconds\): ([\d.]+)/);
      const sys = num(/System time \(seconds\): ([\d.]+)/);
      const rss = num(/Maximum resident set size \(kbytes\): (\d+)/);
      done({
        wallS,
        cpuS: user !== null && sys !== null ? user + sys : null,
        peakRssMb: rss !== null ? rss / 1024 : null,
        // "time 1:25 (read …)" or "time 0:01 (…)": the parenthesis after the CLI's total.
        stages: /time [\d:.]+ ?s? \(([^)]*)\)/.exec(out)?.[1] ?? /time [^(]*\(([^)]*)\)/.exec(out)?.[1] ?? '',
        ok: code === 0,
        tail: out.split('\n').slice(-10).join('\n'),
      });
    });
  });
}
