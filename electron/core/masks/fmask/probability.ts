/**
 * Pass 2 of Fmask: clear-sky probabilities and the cloud decision (Zhu & Woodcock 2012 eqs. 9-18,
 * Zhu et al. 2015 eq. 2 for cirrus, Qiu, Zhu & He 2019 for the Sentinel-2 brightness term and
 * the 22.5 % cloud probability threshold). Read: ubarsc/python-fmask `fmask/fmask.py`
 * (potentialCloudSecondPass, cloudFinalPass, scoreatpcnt).
 */

/** A fixed-bin histogram over [min, max) for percentiles of whole-scene quantities. */
export class Histogram {
  readonly counts: Float64Array;
  private total = 0;
  constructor(
    readonly min: number,
    readonly max: number,
    readonly bins = 4096,
  ) {
    this.counts = new Float64Array(bins);
  }
  add(v: number): void {
    if (!Number.isFinite(v)) return;
    const k = Math.floor(((v - this.min) / (this.max - this.min)) * this.bins);
    this.counts[k < 0 ? 0 : k >= this.bins ? this.bins - 1 : k]! += 1;
    this.total++;
  }
  get size(): number {
    return this.total;
  }
  /** Lower edge of the first bin where the cumulative share reaches p (0..100); null if empty. */
  percentile(p: number): number | null {
    if (this.total === 0) return null;
    let acc = 0;
    for (let k = 0; k < this.bins; k++) {
      acc += this.counts[k] as number;
      if ((acc * 100) / this.total >= p) return this.min + ((k + 0.5) * (this.max - this.min)) / this.bins;
    }
    return this.max;
  }
}

/** Cirrus probability (Zhu et al. 2015 eq. 1): normalised B10 / 0.04. */
export const CIRRUS_PROB_RATIO = 0.04;

export interface LandThresholds {
  /** 17.5th and 82.5th percentiles of HOT over clear land (Fmask 4 brightness term). */
  hotLow: number;
  hotHigh: number;
}

/**
 * Fmask 4 land cloud probability without thermal: variability x HOT brightness + cirrus
 * (the 2012 temperature probability is replaced by the HOT term for Sentinel-2).
 */
export function landCloudProb(
  variability: number,
  hotValue: number,
  cirrus: number,
  t: LandThresholds,
): number {
  const span = t.hotHigh - t.hotLow;
  const b = span > 1e-6 ? (hotValue - t.hotLow) / span : 1;
  const bright = b < 0 ? 0 : b > 1 ? 1 : b;
  return variability * bright + Math.max(0, cirrus) / CIRRUS_PROB_RATIO;
}

/** Eq. 11 without temperature (python-fmask sets it to 1 when absent) plus cirrus. */
export const waterCloudProb = (brightness: number, cirrus: number): number =>
  brightness + Math.max(0, cirrus) / CIRRUS_PROB_RATIO;

/** Fmask 4 default cloud probability threshold (per cent); the 2012 paper used 20 %. */
export const DEFAULT_CLOUD_PROBABILITY = 22.5;

/** Eq. 17: the 82.5th percentile of clear-land probabilities plus the threshold. */
export function landThreshold(
  clearLandProb: Histogram,
  cloudProbability = DEFAULT_CLOUD_PROBABILITY,
): number {
  const p = clearLandProb.percentile(82.5);
  return (p ?? 0) + cloudProbability / 100;
}

/** Water pixels are cloud above this probability (python-fmask cloudFinalPass). */
export const WATER_THRESHOLD = 0.5;

/** Eq. 18 (without the thermal term 4): the cloud decision for one pixel. */
export function isCloud(
  pcp: boolean,
  water: boolean,
  wProb: number,
  lProb: number,
  lThreshold: number,
): boolean {
  if (water) return pcp && wProb > WATER_THRESHOLD;
  return (pcp && lProb > lThreshold) || lProb > 0.99;
}
