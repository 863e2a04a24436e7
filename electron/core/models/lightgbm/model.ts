/**
 * A LightGBM tree ensemble as flat typed arrays: every tree's nodes one after the other, so the
 * evaluator walks plain Int32/Float64 arrays instead of objects (see evaluate.ts).
 */

/** decision_type bits, as LightGBM's tree.h defines them. */
export const DECISION_CATEGORICAL = 1;
export const DECISION_DEFAULT_LEFT = 2;

/** Missing-value handling of a numerical split: bits 2-3 of decision_type. */
export const MISSING_NONE = 0;
export const MISSING_ZERO = 1;
export const MISSING_NAN = 2;

export interface LightgbmModel {
  /** The file it was read from (for messages). */
  file: string;
  /** `version=` of the header (v2, v3, v4). */
  version: string;
  /** Number of input features: max_feature_idx + 1. */
  numFeatures: number;
  featureNames: string[];
  /** `objective=` as written, e.g. "binary sigmoid:1". */
  objective: string;
  /** The sigmoid's coefficient for a binary objective (probability = 1 / (1 + exp(-s * raw))); null when not binary. */
  sigmoid: number | null;
  /** Random-forest models (`average_output` in the header) average their trees instead of summing them. */
  averageOutput: boolean;
  numTrees: number;
  /** First node of tree t in the node arrays, and its node count (num_leaves - 1; 0 for a single leaf). */
  treeNodeStart: Int32Array;
  treeNodeCount: Int32Array;
  /** First leaf of tree t in `leafValue`. */
  treeLeafStart: Int32Array;
  /** Per node: feature index, threshold, missing type (0 none, 1 zero, 2 NaN), default-left flag. */
  splitFeature: Int32Array;
  threshold: Float64Array;
  missingType: Uint8Array;
  defaultLeft: Uint8Array;
  /**
   * Per node: children, relative to the tree's first node. A negative value is a leaf:
   * ~child is its index relative to the tree's first leaf (LightGBM's own encoding).
   */
  leftChild: Int32Array;
  rightChild: Int32Array;
  /** Leaf outputs, shrinkage already applied (LightGBM writes them so). */
  leafValue: Float64Array;
}
