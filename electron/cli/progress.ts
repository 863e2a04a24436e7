/** A one-line progress bar on a terminal; occasional plain lines when output is a file or pipe. */
export interface ProgressSink {
  update(done: number, total: number, etaSeconds: number | null): void;
  end(): void;
}

export function progressBar(
  stream: { write(s: string): unknown; isTTY?: boolean },
  label: string,
): ProgressSink {
  let lastPct = -1;
  let drawn = false;
  return {
    update(done, total, eta) {
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const etaText = eta === null ? '' : `  ETA ${formatSeconds(eta)}`;
      if (stream.isTTY) {
        const width = 30;
        const fill = Math.round((width * done) / Math.max(1, total));
        stream.write(
          `\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} tiles${etaText}   `,
        );
        drawn = true;
      } else if (pct >= lastPct + 10 || done === total) {
        lastPct = pct;
        stream.write(`${label}: ${done}/${total} tiles (${pct} %)${etaText}\n`);
      }
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.round(s));
  const m = Math.floor(t / 60);
  return `${m}:${String(t % 60).padStart(2, '0')}`;
}
