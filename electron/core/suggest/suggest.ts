/**
 * Where to label next (active learning): the places where the current mask is most likely wrong,
 * spread over the scene. A pixel's score adds three signals, each weighted by how often the mask
 * was wrong where it fires on the real labelled cases at 10 m (cloud vs not cloud; measured
 * with the default card, docs/teaching.md):
 *
 * - probability: the fused probability (or, outside the fusion's gate, 0) near the threshold,
 *   u = 1 - 2 |q - 0.5|; where u >= 0.9 the mask was wrong at 46 % / 47 % of the pixels
 *   (landsat5 / landsat7), where u < 0.1 at 0.7 % / 4.9 %. Weight 0.5 (so 0.5 u tracks that rate).
 * - edge: a pixel whose 3 x 3 window holds both cloud and clear (cloud edges, thin clouds): wrong
 *   at 28 % / 38 % against 1.6 % / 6.4 % elsewhere. Weight 0.2.
 * - disagreement: the share of the other masks (built-in Fmask, the product's own mask) whose
 *   cloud call differs: wrong at 12 % / 12 % against 3 % / 8 % (Fmask disagrees on a fifth to a
 *   third of these scenes, so alone it points at many right pixels). Weight 0.1.
 *
 * A first version took the largest of the three; Fmask's disagreement then filled the picks and
 * the mask was wrong at 12 % of them, the scene's own rate. Each suggestion records which
 * signals made it, so a person knows what to look at.
 */
import { writeFileAtomic } from '../atomic-write.js';
import { FMASK_CODES, runFmask } from '../masks/fmask/index.js';
import { maxFilter } from '../masks/fusion/features.js';
import { fusedProbability, gateMaximum, type FusionModel } from '../masks/fusion/model.js';
import type { SchemaMask } from '../masks/schema.js';
import { productMasks } from '../metrics/compare-service.js';
import type { ModelCard } from '../models/card.js';
import { DEFAULT_MODEL_ID, loadModelCard } from '../models/catalog.js';
import type { Grid } from '../raster/grid.js';
import { openProduct } from '../scene/index.js';
import type { Resolution } from '../scene/types.js';
import { loadTeachInputs, type TeachInputs } from '../teach/inputs.js';
import { pickSpread } from './spread.js';

export type SuggestReason = 'probability' | 'disagreement' | 'edge';

export interface Suggestion {
  /** 1 = most uncertain. */
  rank: number;
  /** Pixel centre in the product's CRS. */
  x: number;
  y: number;
  col: number;
  row: number;
  /** Uncertainty 0..1 and what made it. */
  score: number;
  reasons: SuggestReason[];
  /** CNN and fused probability at the pixel. */
  probability: number;
  fused: number | null;
  /** Cloud (1) or not (0) in the current mask and in the others (null: not available there). */
  mask: number;
  fmask: number | null;
  productMask: number | null;
}

export interface SuggestOptions {
  product: string;
  /** Model whose mask is questioned (default the app's default). */
  modelId?: string;
  resolution?: Resolution;
  /** Places wanted (default 50). */
  count?: number;
  /** Compare with the built-in Fmask (default true; L1C only). */
  fmask?: boolean;
  /** Compare with the product's own mask (default true, when it has one). */
  productMask?: boolean;
  granule?: string;
  root?: string;
  cacheDir?: string;
  /** The product's inputs when the caller has them already. */
  inputs?: TeachInputs;
  signal?: AbortSignal;
}

export interface SuggestResult {
  productName: string;
  grid: Grid;
  resolution: Resolution;
  modelId: string;
  /** The masks compared with the current one. */
  compared: string[];
  /** Why a mask could not be compared. */
  notes: string[];
  suggestions: Suggestion[];
  seconds: number;
}

/** Cloud (1), not cloud (0) or unknown (255) of another mask at each working-grid pixel. */
function cloudOnGrid(
  grid: Grid,
  other: { grid: Grid; cloud: (v: number) => number; data: Uint8Array },
): Uint8Array {
  const out = new Uint8Array(grid.width * grid.height).fill(255);
  if (other.grid.epsg !== grid.epsg) return out;
  const [ox, pw, , oy, , ph] = grid.transform;
  const [mx, mw, , my, , mh] = other.grid.transform;
  for (let r = 0; r < grid.height; r++) {
    const y = oy + (r + 0.5) * ph;
    const mr = Math.floor((y - my) / mh);
    if (mr < 0 || mr >= other.grid.height) continue;
    for (let c = 0; c < grid.width; c++) {
      const mc = Math.floor((ox + (c + 0.5) * pw - mx) / mw);
      if (mc < 0 || mc >= other.grid.width) continue;
      out[r * grid.width + c] = other.cloud(other.data[mr * other.grid.width + mc]!);
    }
  }
  return out;
}

/** Weights of the signals: see the header for the measurements behind them. */
const W_PROBABILITY = 0.5;
const W_EDGE = 0.2;
const W_DISAGREEMENT = 0.1;

const schemaCloud = (v: number): number => (v === 0 ? 255 : v === 2 || v === 3 ? 1 : 0);

export async function suggestPlaces(o: SuggestOptions): Promise<SuggestResult> {
  const t0 = performance.now();
  const modelId = o.modelId ?? DEFAULT_MODEL_ID;
  const card: ModelCard = await loadModelCard(modelId, o.root !== undefined ? { root: o.root } : {});
  const resolution = o.resolution ?? (card.input.resolution as Resolution);
  const t =
    o.inputs ??
    (await loadTeachInputs({
      product: o.product,
      card,
      resolution,
      ...(o.granule !== undefined ? { granule: o.granule } : {}),
      ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    }));
  const { width, height } = t.grid;
  const n = width * height;
  const p = t.inputs.probability;
  const threshold = card.output.kind === 'sigmoid' ? card.output.threshold : 0.5;
  const model: FusionModel | undefined = card.fusion;
  const fused = model ? fusedProbability(t.inputs, model) : null;
  const gate = model ? gateMaximum(t.inputs, maxFilter(p, width, height, 2), model) : null;
  // The current mask's cloud call, as fuseClouds makes it.
  const q = new Float32Array(n);
  const cloud = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const open = model && gate ? gate[i]! >= model.gate : false;
    const f = fused?.[i];
    q[i] = model ? (open && f !== undefined && !Number.isNaN(f) ? f : open ? p[i]! : 0) : p[i]!;
    cloud[i] = model ? (q[i]! > model.threshold ? 1 : 0) : p[i]! > threshold ? 1 : 0;
  }
  const others: { name: string; cloud: Uint8Array }[] = [];
  const notes: string[] = [];
  if (o.fmask ?? true) {
    const product = await openProduct(o.product, o.granule !== undefined ? { granule: o.granule } : {});
    try {
      if (product.metadata.level !== 'L1C')
        notes.push(`Fmask not compared: ${product.metadata.productName} is ${product.metadata.level}.`);
      else {
        const f = await runFmask(product, { resolution: 20, ...(o.signal ? { signal: o.signal } : {}) });
        const c4 = FMASK_CODES.cloud;
        const nd = FMASK_CODES.noData;
        others.push({
          name: 'Fmask (built-in)',
          cloud: cloudOnGrid(t.grid, {
            grid: f.grid,
            data: f.codes,
            cloud: (v) => (v === nd ? 255 : v === c4 ? 1 : 0),
          }),
        });
      }
    } catch (err) {
      notes.push(`Fmask not compared: ${(err as Error).message}`);
    } finally {
      await product.close();
    }
  }
  if (o.productMask ?? true) {
    let masks: SchemaMask[] = [];
    try {
      masks = await productMasks(o.product);
    } catch (err) {
      notes.push(`The product's own mask not compared: ${(err as Error).message}`);
    }
    const m = masks[0];
    if (m)
      others.push({
        name: m.source,
        cloud: cloudOnGrid(t.grid, { grid: m.grid, data: m.data, cloud: schemaCloud }),
      });
  }
  // Cloud edges: a pixel whose 3 x 3 window holds both calls.
  const asF = Float32Array.from(cloud);
  const anyCloud = maxFilter(asF, width, height, 1);
  const anyClear = maxFilter(
    Float32Array.from(cloud, (v) => 1 - v),
    width,
    height,
    1,
  );
  const score = new Float32Array(n);
  const why = new Uint8Array(n); // bits: 1 probability, 2 disagreement, 4 edge
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(p[i]!)) continue;
    const u = 1 - 2 * Math.abs(q[i]! - 0.5);
    let differ = 0;
    let known = 0;
    for (const other of others) {
      const v = other.cloud[i]!;
      if (v === 255) continue;
      known++;
      if (v !== cloud[i]) differ++;
    }
    const d = known > 0 ? differ / known : 0;
    const e = anyCloud[i] === 1 && anyClear[i] === 1 ? 1 : 0;
    score[i] = W_PROBABILITY * u + W_EDGE * e + W_DISAGREEMENT * d;
    // A signal is named when it adds at least 0.1 (half the edge weight) to the score.
    why[i] = (W_PROBABILITY * u >= 0.1 ? 1 : 0) | (d > 0 ? 2 : 0) | (e > 0 ? 4 : 0);
  }
  const picked = pickSpread(score, width, height, { count: o.count ?? 50 });
  const [ox, pw, , oy, , ph] = t.grid.transform;
  const fmaskCloud = others.find((x) => x.name.startsWith('Fmask'))?.cloud;
  const productCloud = others.find((x) => !x.name.startsWith('Fmask'))?.cloud;
  const at = (a: Uint8Array | undefined, i: number): number | null =>
    a === undefined || a[i] === 255 ? null : a[i]!;
  const suggestions = picked.map((i, k): Suggestion => {
    const col = i % width;
    const row = Math.floor(i / width);
    const reasons: SuggestReason[] = [];
    if (why[i]! & 1) reasons.push('probability');
    if (why[i]! & 2) reasons.push('disagreement');
    if (why[i]! & 4) reasons.push('edge');
    return {
      rank: k + 1,
      x: ox + (col + 0.5) * pw,
      y: oy + (row + 0.5) * ph,
      col,
      row,
      score: score[i]!,
      reasons,
      probability: p[i]!,
      fused: fused && !Number.isNaN(fused[i]!) ? fused[i]! : null,
      mask: cloud[i]!,
      fmask: at(fmaskCloud, i),
      productMask: at(productCloud, i),
    };
  });
  return {
    productName: t.productName,
    grid: t.grid,
    resolution,
    modelId,
    compared: others.map((x) => x.name),
    notes,
    suggestions,
    seconds: (performance.now() - t0) / 1000,
  };
}

const r4 = (x: number): number => Number(x.toFixed(4));

/**
 * Writes suggestions as GeoJSON points in the product's CRS (the legacy "crs" member, which QGIS
 * and GDAL read): no `class` attribute, since a suggestion is a place to label, not a label.
 */
export async function writeSuggestionsGeoJson(path: string, r: SuggestResult): Promise<void> {
  const doc = {
    type: 'FeatureCollection',
    name: 'suggestions',
    crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${r.grid.epsg}` } },
    features: r.suggestions.map((s) => ({
      type: 'Feature',
      properties: {
        rank: s.rank,
        score: r4(s.score),
        reasons: s.reasons.join(','),
        probability: r4(s.probability),
        fused: s.fused === null ? null : r4(s.fused),
        mask: s.mask === 1 ? 'cloud' : 'not cloud',
        fmask: s.fmask === null ? null : s.fmask === 1 ? 'cloud' : 'not cloud',
        product_mask: s.productMask === null ? null : s.productMask === 1 ? 'cloud' : 'not cloud',
        model: r.modelId,
        product: r.productName,
      },
      geometry: { type: 'Point', coordinates: [s.x, s.y] },
    })),
  };
  await writeFileAtomic(path, `${JSON.stringify(doc)}\n`);
}
