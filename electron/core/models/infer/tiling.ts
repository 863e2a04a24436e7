/**
 * Tile planning for sliding-window inference with cropped margins. Each tile's input is its
 * core plus `margin` pixels on every side (taken from the neighbours, or mirrored at the scene
 * edge), rounded up to the network's multiple; only the core of the output is kept. Cores are
 * multiples of `multiple` so every tile's pooling grid lines up with an untiled run's, and with
 * a margin of at least the network's receptive half-width the mosaic equals an untiled run.
 */
import { S2Error } from '../../errors.js';

export interface TileSpan {
  /** Core (kept output) start and end, in window pixels; end exclusive. */
  core0: number;
  core1: number;
  /** First input pixel (core0 - margin, may be negative: mirrored) and input length. */
  in0: number;
  inLength: number;
}

export interface TilePlan {
  core: number;
  margin: number;
  multiple: number;
  rows: TileSpan[];
  cols: TileSpan[];
  count: number;
}

export function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Plans tiles of at most `size` input pixels over a width x height window. */
export function planTiles(
  width: number,
  height: number,
  size: number,
  margin: number,
  multiple: number,
): TilePlan {
  if (!(size > 2 * margin) || multiple < 1 || margin < 0) {
    throw new S2Error('INVALID_ARGUMENT', `Tile size ${size} must exceed twice the margin ${margin}.`);
  }
  const core = Math.floor((size - 2 * margin) / multiple) * multiple;
  if (core < multiple) {
    throw new S2Error('INVALID_ARGUMENT', `Tile size ${size} leaves no core after margins of ${margin} px.`);
  }
  const spans = (n: number): TileSpan[] => {
    const out: TileSpan[] = [];
    for (let c0 = 0; c0 < n; c0 += core) {
      const c1 = Math.min(n, c0 + core);
      out.push({ core0: c0, core1: c1, in0: c0 - margin, inLength: roundUp(c1 - c0 + 2 * margin, multiple) });
    }
    return out;
  };
  const rows = spans(height);
  const cols = spans(width);
  return { core, margin, multiple, rows, cols, count: rows.length * cols.length };
}

/**
 * Mirrors an index into [0, n) without repeating the edge pixel (numpy's 'reflect', which is
 * what the upstream models pad with); folds repeatedly for spans longer than the scene.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = ((i % period) + period) % period;
  if (k >= n) k = period - k;
  return k;
}

/** Smallest and largest source index a span reads after mirroring. */
export function spanSourceRange(span: TileSpan, n: number): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = span.in0; i < span.in0 + span.inLength; i++) {
    const r = reflectIndex(i, n);
    if (r < lo) lo = r;
    if (r > hi) hi = r;
  }
  return { lo, hi };
}
