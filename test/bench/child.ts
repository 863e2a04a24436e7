/**
 * Benchmarks that measure one run per process (peak RSS, a cold decoder): the parent runs the
 * bench file again with `--child`, and the child prints one `REPORT <json>` line on stdout.
 */
import { spawn } from 'node:child_process';

const PREFIX = 'REPORT ';

/** In the child: hands the figures back to the parent. */
export function sendReport(report: unknown): void {
  process.stdout.write(`${PREFIX}${JSON.stringify(report)}\n`);
}

/** In the parent: runs `benchFile --child ...args` and returns its report and wall time. */
export function runChild<R>(benchFile: string, args: string[]): Promise<{ report: R; wallS: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', benchFile, '--child', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(PREFIX));
      if (code !== 0 || !line) reject(new Error(`benchmark child failed (exit ${code})`));
      else
        resolve({
          report: JSON.parse(line.slice(PREFIX.length)) as R,
          wallS: (performance.now() - t0) / 1000,
        });
    });
  });
}

/** This process's peak resident memory (MB) so far. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
