/**
 * Shadow objects: each connected region of potential shadow is kept whole or dropped whole,
 * depending on how much of it the projected silhouettes of the matched clouds cover. A real
 * shadow is the cloud's silhouette moved along the sun direction, so most of it lies under (or
 * next to) the projection; a dark field, a forest or a shaded slope that merely sits in the
 * shadow direction of some cloud is mostly outside it. Keeping whole regions restores the parts
 * of a shadow that a rigid translation of an imperfect cloud mask misses (cloud edges, the
 * cloud's vertical extent), where Fmask dilates blindly by a fixed number of pixels.
 */
import { labelComponents, type Components } from './components.js';
import { dilateSquare } from './dilate.js';

export interface AcceptOptions {
  /** The silhouettes are widened by this many pixels before the overlap is measured. */
  overlapRadius: number;
  /** A region is shadow when at least this fraction of it lies under the widened silhouettes. */
  minOverlap: number;
  /** Kept pixels lie within this many pixels of a silhouette (a long dark region is cut there). */
  reach: number;
}

/**
 * 1 where shadow: accepted regions of `potential` within reach of `footprint`. `comps`: the
 * regions of `potential` when the caller has labelled them already.
 */
export function acceptShadowObjects(
  potential: Uint8Array,
  footprint: Uint8Array,
  width: number,
  height: number,
  opts: AcceptOptions,
  comps: Components = labelComponents(potential, width, height),
): Uint8Array {
  const n = width * height;
  const widened = dilateSquare(footprint, width, height, opts.overlapRadius);
  const overlap = new Int32Array(comps.count + 1);
  const size = new Int32Array(comps.count + 1);
  for (let i = 0; i < n; i++) {
    const l = comps.labels[i] as number;
    if (!l) continue;
    size[l] = (size[l] as number) + 1;
    if (widened[i]) overlap[l] = (overlap[l] as number) + 1;
  }
  const near =
    opts.reach === opts.overlapRadius ? widened : dilateSquare(footprint, width, height, opts.reach);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const l = comps.labels[i] as number;
    if (!l) continue;
    if (footprint[i] || ((overlap[l] as number) >= opts.minOverlap * (size[l] as number) && near[i]))
      out[i] = 1;
  }
  return out;
}
