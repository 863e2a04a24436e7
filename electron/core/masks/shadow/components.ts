/**
 * Cloud objects: 8-connected components of the cloud mask, two-pass labelling with union-find
 * over provisional labels (Wu, Otoo & Suzuki 2009), O(N).
 */
export interface Components {
  /** Per pixel: object id 1..count, 0 = not cloud. */
  labels: Int32Array;
  count: number;
  /** Pixels of object k are `pixels[start[k-1] .. start[k])`, in raster order (CSR layout). */
  start: Int32Array;
  pixels: Int32Array;
}

export function labelComponents(mask: Uint8Array, width: number, height: number): Components {
  const n = width * height;
  const labels = new Int32Array(n);
  // parent[] of provisional labels; grows as labels are created (at most one per run start).
  let parent = new Int32Array(1024);
  let next = 1;
  const find = (a: number): number => {
    let r = a;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[a] !== r) {
      const up = parent[a] as number;
      parent[a] = r;
      a = up;
    }
    return r;
  };
  const union = (a: number, b: number): number => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return ra;
    const lo = ra < rb ? ra : rb;
    parent[ra] = lo;
    parent[rb] = lo;
    return lo;
  };
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      if (!mask[p]) continue;
      // Already-visited 8-neighbours: NW (a), N (b), NE (c), W (d). Wu, Otoo & Suzuki's decision
      // tree: N touches the other three, and W touches NW, so their sets were merged when those
      // pixels were labelled; at most one union is ever needed.
      const top = y > 0;
      const b = top && mask[p - width] ? (labels[p - width] as number) : 0;
      let l = b;
      if (!b) {
        const a = top && x > 0 && mask[p - width - 1] ? (labels[p - width - 1] as number) : 0;
        const c = top && x < width - 1 && mask[p - width + 1] ? (labels[p - width + 1] as number) : 0;
        const d = x > 0 && mask[p - 1] ? (labels[p - 1] as number) : 0;
        if (c) l = a ? union(c, a) : d ? union(c, d) : c;
        else l = a || d;
      }
      if (!l) {
        if (next >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[next] = next;
        l = next++;
      }
      labels[p] = l;
    }
  }
  // Resolve roots to dense ids 1..count.
  const dense = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const r = find(l);
    if (r === l) dense[l] = ++count;
  }
  for (let l = 1; l < next; l++) dense[l] = dense[find(l)] as number;
  const sizes = new Int32Array(count + 1);
  for (let p = 0; p < n; p++) {
    const l = labels[p] as number;
    if (l) {
      const d = dense[l] as number;
      labels[p] = d;
      sizes[d] = (sizes[d] as number) + 1;
    }
  }
  const start = new Int32Array(count + 1);
  for (let k = 1; k <= count; k++) start[k] = (start[k - 1] as number) + (sizes[k] as number);
  const fill = start.slice(0, count + 1);
  const pixels = new Int32Array(start[count] as number);
  for (let p = 0; p < n; p++) {
    const l = labels[p] as number;
    if (l) {
      const at = fill[l - 1] as number;
      pixels[at] = p;
      fill[l - 1] = at + 1;
    }
  }
  return { labels, count, start, pixels };
}
