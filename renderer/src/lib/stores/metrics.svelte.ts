/**
 * Accuracy of the masks on the map: the reference and the masks chosen, and the last result. The
 * store owns `metrics.compute`, so a computation that ends while another panel is shown is there
 * when the Metrics panel opens again; a new product starts a new comparison.
 */
import type { MaskRefDto, MetricsResult } from '../../../../electron/api/contract';
import { PRODUCT_MASK_NAMES } from '../../../../electron/shared/product-masks';
import { errorText, invoke } from '../api';
import { labels } from './labels.svelte';
import { layers, type MaskLayer } from './layers.svelte';
import { scene } from './scene.svelte';

/** A reference value naming one of the product's own masks (`product:<adapter>`). */
const PRODUCT_PREFIX = 'product:';
/** The reference value naming the product's own labels (the Label panel's file). */
export const LABELS_REF = 'labels';
/** Labels come in strokes: the table is recomputed once the hand pauses. */
const RESCORE_DELAY_MS = 700;

class MetricsStore {
  /** '' (none, or the file below), a mask layer's id, or `product:<mask>`. */
  reference = $state('');
  /** A reference file that is not a layer (raster, vector or ALCD folder). */
  refFile = $state('');
  /** Mask layer id -> scored. */
  chosen = $state<Record<string, boolean>>({});
  /** Also score the product's own masks. */
  productMasks = $state(true);
  /** Replaced whole, never changed in place: no deep proxy over a large report. */
  result = $state.raw<MetricsResult | null>(null);
  error = $state<string | null>(null);
  running = $state(false);
  private rescoreTimer: ReturnType<typeof setTimeout> | null = null;
  private rescoreAgain = false;

  constructor() {
    scene.onOpen(() => this.reset());
    labels.onChange(() => this.labelsChanged());
  }

  /** The reference is the product's labels. */
  get labelsReference(): boolean {
    return this.reference === LABELS_REF;
  }

  /**
   * Labels were added or undone: when they are the reference of a table on screen, the table is
   * computed again (debounced; a change during a computation runs one more after it).
   */
  labelsChanged(): void {
    if (!this.labelsReference || (!this.result && !this.error)) return;
    if (this.rescoreTimer) clearTimeout(this.rescoreTimer);
    this.rescoreTimer = setTimeout(() => {
      this.rescoreTimer = null;
      if (this.running) this.rescoreAgain = true;
      else void this.compute();
    }, RESCORE_DELAY_MS);
  }

  /** The mask layers read from a file (what the compare service can score). */
  get fileLayers(): MaskLayer[] {
    return layers.maskLayers().filter((l) => l.path && l.kind === 'mask');
  }

  /** The reference is one of the product's own masks. */
  get productReference(): boolean {
    return this.reference.startsWith(PRODUCT_PREFIX);
  }

  /** The masks the compare service adds for "the product's own masks", by name (none: no box). */
  get ownMasks(): string[] {
    const entry = scene.current?.entry;
    if (!entry?.ok) return [];
    const kinds = new Set(entry.masks.map((m) => m.kind));
    const names: string[] = [];
    if (entry.bands.some((b) => b.name === 'SCL')) names.push(PRODUCT_MASK_NAMES.scl);
    if (kinds.has('MSK_CLASSI')) names.push(PRODUCT_MASK_NAMES['msk-classi']);
    else if (kinds.has('MSK_CLOUDS_GML')) names.push('MSK_CLOUDS (GML)');
    if (kinds.has('MAJA_CLM')) names.push(PRODUCT_MASK_NAMES.maja);
    return names;
  }

  /** A new product: nothing chosen, no result of the old one. */
  reset(): void {
    if (this.rescoreTimer) clearTimeout(this.rescoreTimer);
    this.rescoreTimer = null;
    this.reference = '';
    this.refFile = '';
    this.chosen = {};
    this.result = null;
    this.error = null;
  }

  async compute(): Promise<void> {
    this.error = null;
    this.running = true;
    try {
      const productPath = scene.productPath ?? undefined;
      const ref = this.referenceRef(productPath);
      const masks: MaskRefDto[] = this.fileLayers
        .filter((l) => this.chosen[l.id] && l.id !== this.reference)
        .map((l) => ({ path: l.path!, label: l.name, ...(l.adapter ? { adapter: l.adapter } : {}) }));
      this.result = await invoke('metrics.compute', {
        ...(ref ? { reference: ref } : {}),
        masks,
        ...(productPath ? { product: productPath } : {}),
        productMasks: this.productMasks && this.ownMasks.length > 0 && !this.productReference,
      });
    } catch (err) {
      this.error = errorText(err);
      this.result = null;
    } finally {
      this.running = false;
    }
    if (this.rescoreAgain) {
      this.rescoreAgain = false;
      void this.compute();
    }
  }

  /** The reference as the compare service reads it: a product mask, a layer's file, or a file. */
  private referenceRef(productPath: string | undefined): MaskRefDto | undefined {
    if (this.productReference && productPath) {
      return { path: productPath, adapter: this.reference.slice(PRODUCT_PREFIX.length) };
    }
    if (this.labelsReference) {
      return labels.set && labels.count > 0 ? { path: labels.set.file, label: 'my labels' } : undefined;
    }
    const layer = this.fileLayers.find((l) => l.id === this.reference);
    if (layer?.path)
      return { path: layer.path, label: layer.name, ...(layer.adapter ? { adapter: layer.adapter } : {}) };
    if (this.refFile) {
      return {
        path: this.refFile,
        label:
          this.refFile
            .replace(/[\\/]+$/, '')
            .split(/[\\/]/)
            .pop() ?? this.refFile,
      };
    }
    return undefined;
  }
}

export const metrics = new MetricsStore();
