import { MaskClass } from '../masks/schema.js';

/**
 * Model cards: everything the engine needs to run a segmentation model on a Sentinel-2 product
 * and turn its output into the class schema. One JSON file per model, `native-models/<id>/model.json`;
 * validated by card-validate.ts, loaded by card-load.ts.
 */

/** Sentinel-2 MSI band names, as the product metadata spells them. */
export const S2_BANDS = [
  'B01', 'B02', 'B03', 'B04', 'B05', 'B06', 'B07', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12',
] as const; // prettier-ignore
export type S2Band = (typeof S2_BANDS)[number];

/**
 * L2A product layers that are not spectral bands but that some models take as input channels
 * (KappaMask's L2A model: aerosol optical thickness and water vapour, from the R10m/R20m folders).
 * A card may list them only when it accepts L2A alone.
 */
export const L2A_AUX_LAYERS = ['AOT', 'WVP'] as const;
export type L2AAuxLayer = (typeof L2A_AUX_LAYERS)[number];
/** One input channel of a card: a Sentinel-2 band, or an L2A auxiliary layer. */
export type CardBand = S2Band | L2AAuxLayer;

export const PROCESSING_LEVELS = ['L1C', 'L2A'] as const;
export type ProcessingLevel = (typeof PROCESSING_LEVELS)[number];

/** The product's class schema (KappaMask's classes, with 0 for no data). */
export const MASK_CLASS = {
  noData: MaskClass.NoData,
  clear: MaskClass.Clear,
  cloud: MaskClass.Cloud,
  semiTransparentCloud: MaskClass.SemiTransparentCloud,
  cloudShadow: MaskClass.CloudShadow,
} as const;
export type MaskClass = (typeof MASK_CLASS)[keyof typeof MASK_CLASS];

export const CARD_SCHEMA_VERSION = 1;

export interface CardInput {
  /** ONNX input name; absent = the model's only input. */
  name?: string;
  /** Bands in channel order. */
  bands: CardBand[];
  levels: ProcessingLevel[];
  /** Resolution (m) the engine resamples the bands to before inference. */
  resolution: number;
  /** Resolution (m) the model was trained at, when it differs (documentation only). */
  trainedResolution?: number;
  /**
   * reflectance = (DN + offset) / quantification with the product's own RADIO_ADD_OFFSET /
   * BOA_ADD_OFFSET and QUANTIFICATION_VALUE; then (x - mean[i]) / std[i] when given.
   */
  scaling: { kind: 'reflectance'; mean?: number[]; std?: number[] };
  layout: 'NCHW';
}

export interface CardTiling {
  /** Tile side in pixels at the working resolution. */
  size: number;
  /** Every side fed to the model must be a multiple of this (the network's total downsampling). */
  multiple: number;
  /** Pixels cropped from each tile edge (overlap between neighbouring tiles is twice this). */
  margin: number;
  /** How the scene edge is padded up to `multiple`. */
  padding: 'reflect' | 'zero';
}

/**
 * How model outputs become classes. sigmoid: one channel of probability; `threshold` splits it
 * into `classes[0]` (above) and `otherwise` (at or below). softmax / logits: argmax over the
 * channels, channel i becoming `classes[i]`.
 */
export type CardOutput =
  | {
      name?: string;
      kind: 'sigmoid';
      channels: 1;
      classes: [MaskClass];
      threshold: number;
      otherwise: MaskClass;
    }
  | { name?: string; kind: 'softmax' | 'logits'; channels: number; classes: MaskClass[] };

export interface CardFile {
  /** File name inside the built-models folder. */
  name: string;
  /** Expected sha256 of the ONNX file; null when the user supplies a file we cannot pin. */
  sha256: string | null;
  /** built: converted here from `weights`; download: fetched from `url`; user: supplied by the user. */
  origin: 'built' | 'download' | 'user';
  url?: string;
  /**
   * Source weights a built model is converted from; sha256 null when the user supplies weights
   * we cannot pin (the ONNX file's sha256 is then null too).
   */
  weights?: { name: string; sha256: string | null; url?: string };
  /**
   * Keras functional-model config (`model_config` JSON) of a built model, as a path relative to
   * the card's folder: used when the weights file has none (weights-only checkpoints).
   */
  kerasConfig?: string;
}

export type { FusionModel } from '../masks/fusion/model.js';
import type { FusionModel } from '../masks/fusion/model.js';

/**
 * Thresholds of the semi-transparent cloud rule (electron/core/masks/semi-transparent.ts), per
 * model because each CNN's probabilities are calibrated differently. Reflectances are TOA (L1C).
 */
export interface SemiTransparentRule {
  /** A cloud pixel whose probability is below this is semi-transparent (mid-range confidence). */
  probabilityOpaque: number;
  /** A cloud pixel whose visible brightness, mean(B02, B03, B04), is below this is semi-transparent. */
  brightnessOpaque: number;
  /** A cloud pixel whose whiteness, sum |b - mean| / mean over B02..B04, is above this is semi-transparent. */
  whitenessOpaque: number;
  /** A clear pixel with B10 (cirrus band) above this is under cirrus, so semi-transparent. */
  cirrusMin: number;
  /** The cirrus test only applies where B02 is below this (not snow or very bright ground). */
  blueMax: number;
  /**
   * ... and, when the model gives a probability, where it is at least this: B10 alone also
   * rises over high or dry terrain and in early processing baselines, so a pixel the model sees
   * no hint of cloud in stays clear. Default 0.2.
   */
  cirrusProbabilityMin?: number;
}

/**
 * What runs the model file: an ONNX graph (tiled CNN inference), or a LightGBM text model scored
 * pixel by pixel (s2cloudless). Absent in a card means onnx.
 */
export const MODEL_RUNTIMES = ['onnx', 'lightgbm'] as const;
export type ModelRuntime = (typeof MODEL_RUNTIMES)[number];

/**
 * s2cloudless's post-processing (its S2PixelCloudDetector): the probability is averaged over a
 * normalised disk of radius `averageOver`, thresholded (the card's output.threshold, strictly
 * above = cloud), and the cloud is dilated by a disk of radius `dilationSize`. Radii are in pixels
 * of the working resolution, so one pair per resolution (keys "10", "20", "60"); 0 skips a step.
 */
export interface PixelPostprocess {
  averageOver: Record<string, number>;
  dilationSize: Record<string, number>;
}

export interface ModelCard {
  schema: typeof CARD_SCHEMA_VERSION;
  id: string;
  name: string;
  version: string;
  /** Default onnx; lightgbm cards need `postprocess` and a `.txt` model file. */
  runtime?: ModelRuntime;
  /** Post-processing of a pixel classifier (runtime lightgbm). */
  postprocess?: PixelPostprocess;
  source: { url: string; citation?: string };
  licence: string;
  input: CardInput;
  tiling: CardTiling;
  output: CardOutput;
  file: CardFile;
  /** Thresholds that split the model's cloud into opaque and semi-transparent; defaults when absent. */
  semiTransparent?: SemiTransparentRule;
  /**
   * The fused cloud decision (electron/core/masks/fusion): a logistic regression over the CNN's
   * probability and physical evidence, fitted by `npm run models -- fit-fusion`. Absent: the CNN's
   * classes stand.
   */
  fusion?: FusionModel;
  /** Plain-language caveats shown to the user (e.g. trained on Landsat; untested weights). */
  notes: string[];
}
